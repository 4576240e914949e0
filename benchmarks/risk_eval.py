#!/usr/bin/env python
"""Declaration-risk model: evaluation table, seed spread, training time, scoring throughput, peak memory.

    .venv/bin/python benchmarks/risk_eval.py [--rows 1000000] [--seeds 5] [--json OUT.json]

1. ``evaluate(train, valid)`` with the baselines and the feature-group ablation (train = the 2020 file,
   test = the 2021-Q1 file of ``$STQ_SHARED_DATA``, default ``../shared/data/customs-declarations``).
2. The final model alone with seeds 0..n-1: spread of precision@5% / revenue@5%.
3. Scoring throughput: ``--rows`` synthetic declarations made in memory by resampling the two files'
   rows (labels dropped) and perturbing half of them (price and mass × lognormal noise, new ids, dates in
   2021-Q2), scored end to end (features + both heads + blend) by the final model.
4. Peak resident memory of the process (``resource.getrusage``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from stq.risk.ml.dataset import CRITICAL, DATE, FRAUD, ID, read_declarations  # noqa: E402
from stq.risk.ml.evaluate import ABLATION_STEPS, evaluate  # noqa: E402

DATA = Path(os.environ.get("STQ_SHARED_DATA", REPO.parent / "shared" / "data" / "customs-declarations"))
TRAIN = DATA / "df_syn_train_eng.csv"
VALID = DATA / "df_syn_valid_eng.csv"
FINAL = ABLATION_STEPS[-1][0]


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_rows(n: int, seed: int = 7) -> pl.DataFrame:
    """``n`` unlabelled rows: resampled from both files, half of them with perturbed price and mass."""
    rng = np.random.default_rng(seed)
    pool = pl.concat([read_declarations(TRAIN), read_declarations(VALID)]).drop([FRAUD, CRITICAL])
    rows = pool[rng.integers(0, pool.height, n)]
    perturb = rng.random(n) < 0.5
    noise_price = np.where(perturb, rng.lognormal(0.0, 0.1, n), 1.0)
    noise_mass = np.where(perturb, rng.lognormal(0.0, 0.1, n), 1.0)
    days = rng.integers(0, 91, n)
    return rows.with_columns(
        pl.Series(ID, [f"S{i:09d}" for i in range(n)]),
        (pl.lit(np.datetime64("2021-04-01")).cast(pl.Date) + pl.duration(days=pl.Series(days))).alias(DATE),
        (pl.col("Item Price") * pl.Series(noise_price)).round(2).alias("Item Price"),
        (pl.col("Net Mass") * pl.Series(noise_mass)).round(1).alias("Net Mass"),
    )


def seed_spread(n_seeds: int) -> list[dict]:
    out = []
    for seed in range(n_seeds):
        report = evaluate([TRAIN], VALID, seed=seed, ablation=False, echo=None)
        precision, revenue = dict(report.table.rows)[FINAL].at(0.05)
        out.append(
            {
                "seed": seed,
                "precision@5%": precision,
                "revenue@5%": revenue,
                "log10_offset": report.blend_log10_offset,
                "training_s": report.training_seconds,
            }
        )
        print(
            f"  seed {seed}: P@5% {precision:.3f}  R@5% {revenue:.3f}  c=10^{report.blend_log10_offset:g}  "
            f"training {report.training_seconds:.1f} s",
            flush=True,
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not TRAIN.is_file() or not VALID.is_file():
        sys.exit(f"shared data not found in {DATA} (set STQ_SHARED_DATA)")

    print("## Evaluation: train 2020 → test 2021-Q1\n", flush=True)
    started = time.perf_counter()
    report = evaluate([TRAIN], VALID, seed=0)
    evaluation_s = time.perf_counter() - started
    print(f"\nwhole evaluation (final model + baselines + ablation): {evaluation_s:.1f} s\n")

    print(f"## Final model, seeds 0..{args.seeds - 1}\n", flush=True)
    spread = seed_spread(args.seeds) if args.seeds else []
    if spread:
        p = np.array([s["precision@5%"] for s in spread])
        r = np.array([s["revenue@5%"] for s in spread])
        print(f"  P@5%: mean {p.mean():.3f}, min {p.min():.3f}, max {p.max():.3f}")
        print(f"  R@5%: mean {r.mean():.3f}, min {r.min():.3f}, max {r.max():.3f}\n")

    print(f"## Scoring throughput on {args.rows:,} synthetic rows\n", flush=True)
    started = time.perf_counter()
    rows = synthetic_rows(args.rows)
    generation_s = time.perf_counter() - started
    started = time.perf_counter()
    scores = report.model.score(rows)
    scoring_s = time.perf_counter() - started
    assert scores.shape == (rows.height,) and np.isfinite(scores).all()
    throughput = rows.height / scoring_s
    print(f"  generated in {generation_s:.1f} s; scored in {scoring_s:.1f} s = {throughput:,.0f} rows/s")
    print(f"  final model training (blend tuning included): {report.training_seconds:.1f} s")
    print(f"  peak RSS: {peak_rss_mb():,.0f} MB")

    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "table": report.table.as_records(),
                    "training_s": report.training_seconds,
                    "evaluation_s": evaluation_s,
                    "blend_log10_offset": report.blend_log10_offset,
                    "seeds": spread,
                    "scoring_rows": rows.height,
                    "scoring_s": scoring_s,
                    "rows_per_s": throughput,
                    "peak_rss_mb": peak_rss_mb(),
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
