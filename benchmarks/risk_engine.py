"""Risk engine on PostgreSQL: criteria run, enterprise scoring, target list, DB scoring by the model, alert scan.

    python benchmarks/risk_engine.py [--lines N] [--enterprises M] [--json OUT]
    python benchmarks/risk_engine.py --scoring-only [--declarations D] [--runs R] [--json OUT]

Uses its own database (``$DATABASE_URL``, default ``stq_bench_risk``), loads N goods lines (default 1,000,000,
≈ 330,000 declarations) with the declarations app's generator and importer, adds enterprises up to M (default
100,000, all in one unit's jurisdiction), then times each step. The model step trains on the shared CSV files
(``evaluate_risk``'s data) and scores the stored declarations through the DB mapping (``training``), so its
predictions mean nothing on these synthetic lines; the figure is the throughput.

``--scoring-only`` times the model scoring alone, ``--runs`` times (default 3), each run followed by its limit
measured in the same run: the bare compiled predict (lleaves) of the same model's classifier on the same rows, the
feature matrix built beforehand and not timed. It prints the load average before each, "N × compiled predict" per
run and the minimum / median / maximum of the runs; beside the wall-clock ratio, the ratio of this process's CPU
seconds (all its threads; the PostgreSQL server's are not counted), steadier than wall time on a loaded machine.
"""

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stq_bench_risk")

import _decl_bench  # noqa: E402

_decl_bench.BENCH_URL = os.environ["DATABASE_URL"]


def timed(label, fn, results):
    t = time.monotonic()
    out = fn()
    results[label] = round(time.monotonic() - t, 2)
    print(f"{label}: {results[label]:.2f}s  {out if out is not None else ''}", flush=True)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--json")
    parser.add_argument("--skip-model", action="store_true")
    parser.add_argument("--scoring-only", action="store_true",
                        help="only score the stored declarations with the model in use (trained if there is none)")
    parser.add_argument("--runs", type=int, default=3,
                        help="with --scoring-only: score this many times, each beside its limit (default 3)")
    parser.add_argument("--explain-reads", type=int, default=100,
                        help="with --scoring-only: after the runs, read this many explained scores (the riskiest "
                             "of each batch, spread over the batches) as the declaration's risk API does, and time "
                             "the first read (which computes and stores the explanations) and a second one")
    parser.add_argument("--declarations", type=int, default=0,
                        help="with --scoring-only: first load goods lines (3 per declaration on average) until at "
                             "least this many declarations are stored")
    args = parser.parse_args()
    _decl_bench.setup()
    if args.scoring_only:
        return scoring_only(args)

    from stq.core.models import RiskArea
    from stq.core.reference import ensure_risk_areas
    from stq.declarations.demo import demo_tax_codes
    from stq.declarations.layouts import synthetic_tax_code
    from stq.declarations.models import Declaration, DeclarationLine, ImportJob
    from stq.enterprises.models import Enterprise
    from stq.org.models import Role, RoleGrant, Unit, User
    from stq.risk import alerts, runner, scoring, targets, training
    from stq.risk.criteria import KINDS
    from stq.risk.management.commands.evaluate_risk import DEFAULT_TRAIN, shared_data_dir
    from stq.risk.models import Criterion, TargetList

    results = {"lines": args.lines, "enterprises": args.enterprises}
    unit, _ = Unit.objects.get_or_create(code="BENCH", defaults={"name": "Bench unit"})
    user, _ = User.objects.get_or_create(username="bench_rm")
    if not RoleGrant.objects.filter(user=user).exists():
        RoleGrant.objects.create(user=user, role=Role.RISK_MANAGER, unit=unit, include_units_below=True)
    codes = demo_tax_codes(20_000)
    if not DeclarationLine.objects.exists():
        job, seconds = import_generated(args.lines, codes=codes, year=2025, seed=1)
        results["load (declarations importer, not ours)"] = round(seconds, 2)
        print(f"load (declarations importer, not ours): {seconds:.2f}s  {job.status}", flush=True)
    results["declarations"] = Declaration.objects.count()
    results["goods_lines"] = DeclarationLine.objects.count()
    print(f"{results['declarations']:,} declarations, {results['goods_lines']:,} lines", flush=True)

    have = set(Enterprise.objects.values_list("tax_code", flat=True))
    wanted = dict.fromkeys(codes)
    i = 0
    while len(wanted) < args.enterprises:
        wanted.setdefault(synthetic_tax_code(f"bench-ent-{i}"))
        i += 1
    Enterprise.objects.bulk_create([Enterprise(tax_code=c, name=f"DN {c}", managing_unit=unit,
                                               created_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
                                    for c in wanted if c not in have], batch_size=5000, ignore_conflicts=True)
    results["enterprises"] = Enterprise.objects.count()
    ensure_risk_areas()
    if not Criterion.objects.exists():
        area = RiskArea.objects.get(code="VALUATION")
        for code, kind, params in [
            ("PRICE", "price_below_peer_median", {"ratio": 0.5}),
            ("ORIGIN", "origin_switch_after_measure", {"hs_prefixes": ["8542", "7208"], "previous_origins": ["CN"],
                                                        "measure_date": "2025-07-01", "min_prior_share": 0.6}),
            ("GROWTH", "value_growth_vs_own_history", {"factor": 3}),
            ("NEW", "new_enterprise_large_volume", {"max_age_days": 180}),
            ("PROC", "processing_without_exports", {}),
        ]:
            Criterion.objects.create(code=code, name=code, kind=kind, params=KINDS[kind].validate(params),
                                     risk_area=area, weight=60, rationale="bench", valid_from=dt.date(2025, 1, 1),
                                     owner_unit=unit)
    run = timed("criteria run (5 kinds, all declarations)", lambda: runner.run_criteria(trigger="bench"), results)
    results["criteria_hits"] = run.hits
    results["criteria_per_kind"] = {c.code: c.hit_count for c in Criterion.objects.all()}
    timed("enterprise scoring (all enterprises)", lambda: scoring.assess(dt.date(2026, 1, 5)), results)
    TargetList.objects.all().delete()
    tl = timed("target list (capacity 500, 10% exploration)", lambda: targets.generate(
        actor=user, unit=unit, period="2026", capacity=500, exploration_share=0.1, seed=1), results)
    results["target_list_picks"] = tl.picks.count()

    # alert scan of a 50,000-line import in the following month
    job, _seconds = import_generated(50_000, codes=codes, year=2026, seed=2, start_number=900_000_000)
    from stq.risk.models import AlertScan

    AlertScan.objects.filter(import_job_id=job.pk).delete()
    scan = timed("alert scan of a 50,000-line import", lambda: alerts.scan_import(job.pk), results)
    results["alerts"] = scan.alerts if scan else 0

    if not args.skip_model:
        train = shared_data_dir() / DEFAULT_TRAIN
        version = timed("model training (shared train file) + registration",
                        lambda: training.train_from_files([train]), results)
        scored = timed("model scoring of all stored declarations (read, features, predict, explain top, write)",
                       lambda: training.score_declarations(model_version=version), results)
        label = "model scoring of all stored declarations (read, features, predict, explain top, write)"
        results["scoring_declarations_per_s"] = round(scored["declarations"] / results[label])
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    ImportJob.objects.filter(pk=job.pk).delete()
    Declaration.objects.filter(import_job_id=job.pk).delete()
    print(json.dumps(results, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


def import_generated(n_lines: int, *, codes: list[str], year: int, seed: int, start_number: int = 1):
    """Generate `n_lines` goods lines (the declarations app's generator) and import them with its importer;
    returns the finished job and the seconds the import took (the file's generation not counted)."""
    from django.core.files import File

    from stq.declarations.demo import write_csv
    from stq.declarations.importer import run_import
    from stq.declarations.services import import_job_create

    path = tempfile.mktemp(suffix=".csv")
    write_csv(path, n_lines, tax_codes=codes, year=year, seed=seed, start_number=start_number)
    try:
        with open(path, "rb") as fh:
            job = import_job_create(actor=None, file=File(fh, name=f"bench-{year}-{seed}.csv"), enqueue=False)
        t = time.monotonic()
        job = run_import(job)
        return job, time.monotonic() - t
    finally:
        os.unlink(path)


def load_declarations(wanted: int) -> None:
    """Import generated 2025 goods lines until `wanted` declarations are stored."""
    from stq.declarations.demo import demo_tax_codes
    from stq.declarations.models import Declaration

    missing = wanted - Declaration.objects.count()
    if missing <= 0:
        return
    job, seconds = import_generated(missing * 3, codes=demo_tax_codes(20_000), year=2025, seed=3,
                                    start_number=500_000_000)
    print(f"loaded {missing * 3:,} lines: {job.status} in {seconds:.1f}s; "
          f"{Declaration.objects.count():,} declarations stored", flush=True)


def compiled_predict_limit(version, since=None) -> tuple[int, float, float]:
    """The limit of the scoring, in the same run: the bare compiled predict (lleaves) of the model's classifier on the
    same rows (every stored goods line, read and turned into the feature matrix beforehand, untimed, in the same
    31-day windows as the scoring; those registered on or after `since` where given, as ``score_declarations``).
    Returns (rows, seconds of predict alone, this process's CPU seconds in them)."""
    import datetime as dt

    from stq.declarations.models import Declaration
    from stq.risk import training
    from stq.risk.compiled import compile_classifier
    from stq.risk.ml.model import load_model

    model = load_model(version.artefact_path)
    classifier = compile_classifier(model, training.artefact_root().parent / "compiled")
    if classifier is None:
        raise SystemExit("lleaves is not available: no compiled predict to compare with")
    first = since or Declaration.objects.order_by("registered_on").values_list("registered_on", flat=True).first()
    last = Declaration.objects.order_by("-registered_on").values_list("registered_on", flat=True).first()
    rows, seconds, cpu = 0, 0.0, 0.0
    while first is not None and first <= last:
        window = [first, first + dt.timedelta(days=31)]
        frame = training.declarations_frame(*training.window_where(*window))
        first = window[1]
        if not frame.height:
            continue
        values = model.features(frame.drop("pk")).values
        del frame
        t, c = time.monotonic(), time.process_time()
        classifier.predict(values)
        seconds += time.monotonic() - t
        cpu += time.process_time() - c
        rows += len(values)
    return rows, seconds, cpu


def explanation_reads(n: int) -> dict:
    """The cost the scoring left to the first read: `n` scores marked to be explained (``explain_row``; the last
    run's, taken in turn from each batch's riskiest), read as the declaration's risk API reads them
    (``selectors.declaration_score`` + ``shown_explanations``), each twice: the first read computes and stores the
    explanations (the very first also loads the model in this process: reported apart), the second reads them back.
    Milliseconds per declaration; this process's CPU included."""
    import statistics

    from django.db.models import F, Window
    from django.db.models.functions import ExtractMonth, RowNumber

    from stq.declarations.models import Declaration
    from stq.risk import selectors, training
    from stq.risk.models import DeclarationScore

    training._explaining.clear()  # as a fresh web process: the first read loads the model
    marked = (DeclarationScore.objects.filter(explain_row__isnull=False, explanations=[])
              .annotate(rank=Window(RowNumber(), partition_by=[ExtractMonth("registered_on")],
                                    order_by=F("score").desc()))
              .order_by("rank", "registered_on").values_list("declaration_id", "registered_on")[:n])
    declarations = [Declaration.objects.get(pk=pk, registered_on=day) for pk, day in marked]
    first, second, cpu = [], [], 0.0
    for declaration in declarations:
        c = time.process_time()
        for times in (first, second):
            t = time.monotonic()
            shown = selectors.shown_explanations(selectors.declaration_score(declaration))
            times.append((time.monotonic() - t) * 1000)
            assert len(shown) == 3
        cpu += time.process_time() - c
    out = {"declarations": len(declarations), "load_average_before": os.getloadavg(),
           "very_first_read_ms (model load included)": round(first[0], 1),
           "first_read_ms": {"min": round(min(first[1:]), 1), "median": round(statistics.median(first[1:]), 1),
                             "p95": round(sorted(first[1:])[int(0.95 * (len(first) - 2))], 1),
                             "max": round(max(first[1:]), 1)},
           "second_read_ms_median": round(statistics.median(second), 1),
           "cpu_ms_per_declaration_both_reads": round(cpu * 1000 / max(1, len(declarations)), 1),
           "marked_per_run": DeclarationScore.objects.filter(explain_row__isnull=False).count()}
    print(f"explanations on first read: {json.dumps(out)}", flush=True)
    return out


def scoring_only(args):
    """Score every stored declaration with the active model version, `--runs` times, each beside its limit (the
    bare compiled predict on the same rows): time per stage, rate, peak RSS, load before each."""
    import statistics

    from stq.org.models import Unit
    from stq.risk import training
    from stq.risk.management.commands.evaluate_risk import DEFAULT_TRAIN, shared_data_dir
    from stq.risk.models import ModelVersion

    if args.declarations:
        load_declarations(args.declarations)
    Unit.objects.get_or_create(code="BENCH", defaults={"name": "Bench unit"})  # model versions number nationally
    version = ModelVersion.objects.filter(is_active=True).first()
    if version is None:
        version = training.train_from_files([shared_data_dir() / DEFAULT_TRAIN])
    from stq.risk.compiled import compile_classifier
    from stq.risk.ml.model import load_model

    t = time.monotonic()  # compile the model once (cached): every run then measures the same thing
    compile_classifier(load_model(version.artefact_path), training.artefact_root().parent / "compiled")
    print(f"model v{version.number}: compiled trees ready in {time.monotonic() - t:.1f}s (once per model version, "
          f"cached; not part of the runs)", flush=True)
    runs = []
    for i in range(args.runs):
        load_before = os.getloadavg()
        cpu = time.process_time()
        scored = training.score_declarations(model_version=version)
        cpu = time.process_time() - cpu
        load_limit = os.getloadavg()
        rows, limit, limit_cpu = compiled_predict_limit(version)
        run = {**scored, "declarations_per_s": round(scored["declarations"] / scored["seconds"]),
               "lines_per_s": round(scored["lines"] / scored["seconds"]),
               "load_average_before": load_before, "compiled_predict_rows": rows,
               "compiled_predict_seconds": round(limit, 2), "load_average_before_limit": load_limit,
               "times_compiled_predict": round(scored["seconds"] / limit, 2),
               "cpu_seconds": round(cpu, 2), "compiled_predict_cpu_seconds": round(limit_cpu, 2),
               "cpu_times_compiled_predict": round(cpu / limit_cpu, 2)}
        runs.append(run)
        print(f"run {i + 1} of {args.runs} (load average before {load_before[0]:.2f}): {scored['declarations']:,} "
              f"declarations ({scored['lines']:,} lines) scored in {scored['seconds']:.1f}s; limit, same run "
              f"(load {load_limit[0]:.2f}): compiled predict of the same model on the same {rows:,} rows "
              f"{limit:.1f}s; scoring = {run['times_compiled_predict']:.2f} × compiled predict; this process's CPU "
              f"{cpu:.1f}s against {limit_cpu:.1f}s = {run['cpu_times_compiled_predict']:.2f} × (database server not "
              f"counted); "
              f"stages {scored['stages']}", flush=True)

    def spread(key):
        values = [r[key] for r in runs]
        return {"min": min(values), "median": statistics.median(values), "max": max(values)}
    reads = explanation_reads(args.explain_reads) if args.explain_reads and runs else None
    results = {"explanation_reads": reads, "runs": runs, "seconds": spread("seconds"),
               "compiled_predict_seconds": spread("compiled_predict_seconds"),
               "times_compiled_predict": spread("times_compiled_predict"),
               "cpu_times_compiled_predict": spread("cpu_times_compiled_predict"),
               "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(json.dumps(results, indent=1))
    print(f"{args.runs} runs: scoring {results['seconds']} s; compiled predict {results['compiled_predict_seconds']}"
          f" s; ratio {results['times_compiled_predict']} × compiled predict; CPU of this process "
          f"{results['cpu_times_compiled_predict']} × that of the compiled predict")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
