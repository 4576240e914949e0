"""Deterministic data set for the load test (issue #10) in its own PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stq_bench_load \
        .venv/bin/python benchmarks/load/fill.py [--enterprises 100000] [--cases 20000] [--declarations 2000000]

Creates the database when missing, migrates it and fills it through the real tables (nothing is mocked):
  * the organisation of the demo seed (`stq.org.demo.seed_organisation`: 44 units, users of every role), plus for
    each of the 23 audit teams (KV01-PT … KV20-PT, KTSTQ-D1 … D3) `--officers` officers `load.o.<team>.<k>` and one
    leader `load.l.<team>` (approver of the team), and one analyst `load.analyst` (national, read-only) — all with
    the password `PASSWORD`;
  * the enterprises of the demo generator (`stq.enterprises.demo.generate_enterprises` + `bulk_insert`, history
    rows included), managed by the 20 regional units;
  * the audit cases, each opened from an approved proposal of the same team on a different enterprise, with its
    original decision, risk areas, a "create" event; states spread like a working year (most closed; some under
    way at every step; some concluded waiting for the leader, some in handling, suspended, cancelled), with the
    dates each state implies, so that the next workflow step is valid today; concluded cases carry their conclusion
    (approved from "handling" on) and findings; closed ones payments;
  * work waiting for the simulated users in every team: draft proposals and draft information collections for the
    officers to submit, submitted ones and reports for the leaders to approve and close;
  * the declarations (`INSERT … SELECT generate_series`, like `benchmarks/declarations_search.py --10m`): 11-digit
    numbers, 1–3 goods lines each (≈ 2 lines on average), importers/exporters drawn from the enterprise directory with
    a skewed activity, dates over 2025–2026; then the activity profile is rebuilt in SQL
    (`stq.declarations.activity.rebuild_all`), the peer prices too (`peer_prices.rebuild`), and everything is
    ANALYZEd.
Idempotent per part: a part that is already there is kept. `--small` makes a tiny set (for the test).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stq.settings")
os.environ.setdefault("STQ_SECRET_KEY", "benchmark-only-not-secret")  # production settings, DEBUG off

PASSWORD = "Stq@2026load"
TEAMS = [f"KV{i:02d}-PT" for i in range(1, 21)] + ["KTSTQ-D1", "KTSTQ-D2", "KTSTQ-D3"]
# share of the cases in each state (the rest of a working year is closed)
CASE_STATES = [("closed", 0.55), ("handling", 0.08), ("concluded", 0.04), ("explanation_received", 0.03),
               ("draft_sent", 0.03), ("minutes_signed", 0.03), ("fieldwork_ended", 0.05), ("fieldwork", 0.06),
               ("delivered", 0.05), ("decision_signed", 0.04), ("suspended", 0.02), ("cancelled", 0.02)]
SIGNER = {"signer_name": "Nguyễn Văn Quyết", "signer_title": "Chi cục trưởng"}
REASON = "Trị giá khai báo thấp hơn 30% so với cơ sở dữ liệu giá; nghi vấn khai sai trị giá (dữ liệu thử tải)."
SIGNS = "Mã số HS khai báo khác với mã của hàng hóa tương tự tại các đơn vị khác (dữ liệu thử tải)."


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def ensure_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    admin, name = url.rsplit("/", 1)[0] + "/postgres", url.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')


# --- organisation -------------------------------------------------------------------------------------------
def organisation(officers_per_team: int) -> None:
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from stq.org.demo import seed_organisation
    from stq.org.models import Role, RoleGrant, Unit, User

    seed_organisation()
    if User.objects.filter(username__startswith="load.").exists():
        return
    # hashed once and shared (hashing 200 times would take minutes), with the production hasher whatever the settings
    hasher = PBKDF2PasswordHasher()
    password = hasher.encode(PASSWORD, hasher.salt())
    units = {u.code: u for u in Unit.objects.filter(code__in=[*TEAMS, "CHQ"])}
    users, grants = [], []
    for team in TEAMS:
        slug = team.lower()
        for k in range(officers_per_team):
            users.append(User(username=f"load.o.{slug}.{k}", full_name=f"Công chức {k + 1} {team}", unit=units[team],
                              title="Công chức", password=password))
        users.append(User(username=f"load.l.{slug}", full_name=f"Đội trưởng {team}", unit=units[team],
                          title="Đội trưởng", password=password))
    users.append(User(username="load.analyst", full_name="Chuyên viên phân tích (thử tải)", unit=units["CHQ"],
                      title="Chuyên viên", password=password))
    User.objects.bulk_create(users)
    for u in User.objects.filter(username__startswith="load.").select_related("unit"):
        role = (Role.APPROVER if u.username.startswith("load.l.") else Role.ANALYST
                if u.username == "load.analyst" else Role.OFFICER)
        grants.append(RoleGrant(user=u, role=role, unit=u.unit, include_units_below=role == Role.ANALYST))
    RoleGrant.objects.bulk_create(grants)
    log(f"organisation: {Unit.objects.count()} units, {User.objects.count()} users")


def enterprises(n: int) -> None:
    from stq.enterprises.demo import bulk_insert, generate_enterprises
    from stq.enterprises.models import Enterprise
    from stq.org.models import Unit

    if Enterprise.objects.count() >= n:
        return
    t0 = time.perf_counter()
    units = list(Unit.objects.filter(code__regex=r"^KV[0-9]{2}$").order_by("code"))
    have = set(Enterprise.objects.values_list("tax_code", flat=True))
    bulk_insert([e for e in generate_enterprises(n, seed=10, units=units) if e.tax_code not in have],
                batch_size=5000)
    log(f"enterprises: {Enterprise.objects.count()} in {time.perf_counter() - t0:.0f} s")


# --- cases, proposals, information collections ----------------------------------------------------------------
def workflow_objects(n_cases: int, per_team_work: int) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from stq.audits.models import AuditCase, AuditConclusion, AuditDecision, AuditProposal, ConclusionFinding, Payment
    from stq.audits.workflow import fieldwork_end_due
    from stq.collection.models import InfoCollection
    from stq.core import calendar
    from stq.core.models import CaseEvent, RiskArea
    from stq.core.reference import ensure_risk_areas
    from stq.enterprises.models import Enterprise
    from stq.org.models import Unit, User

    if AuditCase.objects.exists():
        return
    t0 = time.perf_counter()
    rnd = random.Random(2026)
    ensure_risk_areas()
    areas = list(RiskArea.objects.order_by("pk"))
    units = {u.code: u for u in Unit.objects.filter(code__in=TEAMS)}
    officers = {team: list(User.objects.filter(username__startswith=f"load.o.{team.lower()}.").order_by("pk"))
                for team in TEAMS}
    leaders = {team: User.objects.get(username=f"load.l.{team.lower()}") for team in TEAMS}
    # every proposal / case / collection on its own enterprise: no priority or duplicate conflicts between them
    pool = list(Enterprise.objects.filter(head__isnull=True, is_aeo=False).order_by("pk").values_list("pk", flat=True))
    rnd.shuffle(pool)
    pool_iter = iter(pool)
    today = timezone.localdate()
    now = timezone.now()
    wd = calendar.add_working_days
    weights = [w for _s, w in CASE_STATES]
    states = [s for s, _w in CASE_STATES]
    counters: dict[str, int] = {}

    def number(team: str, kind: str) -> str:
        counters[team + kind] = counters.get(team + kind, 0) + 1
        return f"{counters[team + kind]:05d}/{kind}-{team}"

    proposals, cases, plan = [], [], []
    for n in range(n_cases):
        team = TEAMS[n % len(TEAMS)]
        state = rnd.choices(states, weights)[0]
        active = state not in ("closed", "cancelled")
        # finished cases over the last two years; open ones recent enough for their next step to be due now
        signed = today - timedelta(days=rnd.randint(40, 700) if not active else rnd.randint(30, 75))
        mode = "field" if rnd.random() < 0.4 else "desk"
        if state in ("minutes_signed", "draft_sent", "explanation_received"):
            mode = "field"
        officer = rnd.choice(officers[team])
        ent = next(pool_iter)
        year = signed.year
        filed = timezone.make_aware(datetime.combine(signed - timedelta(days=20), datetime.min.time()))
        proposals.append(AuditProposal(
            state="approved", unit=units[team], approval_unit=units[team], created_by=officer, proposed_by=officer,
            submitted_by=officer, approved_by=leaders[team], approved_at=filed + timedelta(days=2), filed_at=filed,
            searched_at=filed, created_at=filed, year=year, number=number(team, "DX"), enterprise_id=ent, mode=mode,
            ground="78.2", period_from=signed - timedelta(days=700), period_to=signed - timedelta(days=60),
            reason=REASON, planned_start=signed + timedelta(days=10), declaration_numbers=[]))
        start = wd(signed, 6)
        duration = 10 if mode == "field" else 5
        case = AuditCase(
            state=state, unit=units[team], approval_unit=units[team], created_by=officer, created_at=filed,
            number=number(team, "QĐ"), enterprise_id=ent, mode=mode, ground="78.2", decision_signed_on=signed,
            planned_start_on=start, duration_working_days=duration)
        steps = ["decision_signed", "delivered", "fieldwork", "fieldwork_ended", "minutes_signed", "draft_sent",
                 "explanation_received", "concluded", "handling", "closed"]
        reached = steps.index(state) if state in steps else rnd.randint(1, 3)
        if reached >= 1:
            case.delivered_on = signed
        if reached >= 2:
            case.started_on = start
        if reached >= 3:
            case.ended_on = wd(start, rnd.randint(0, duration - 1))
        if mode == "field" and reached >= 4:
            case.minutes_signed_on = case.ended_on
        if mode == "field" and reached >= 5:
            case.draft_sent_on = case.minutes_signed_on
        if mode == "field" and reached >= 6:
            case.explanation_on = case.draft_sent_on
        if reached >= 7:
            case.concluded_on = min(today, case.ended_on + timedelta(days=rnd.randint(5, 14)))
            case.conclusion_recorded_by = officer
        if state == "closed":
            case.closed_on = min(today, case.concluded_on + timedelta(days=rnd.randint(10, 90)))
        if state == "suspended":
            case.suspended_from_state = steps[reached]
            case.suspended_on = min(today, signed + timedelta(days=20))
        if state == "fieldwork":
            case.due_on, case.due_kind = fieldwork_end_due(case), "end_by"
        elif state == "decision_signed":
            case.due_on, case.due_kind = wd(signed, 3), "deliver_by"
        elif state == "delivered":
            case.due_on, case.due_kind = start, "start_by"
        elif state == "concluded":
            case.due_on, case.due_kind = case.concluded_on + timedelta(days=3), "approve_conclusion_by"
        cases.append(case)
        plan.append((rnd.sample(areas, rnd.randint(1, 3)), rnd.random() < 0.6, leaders[team]))

    with transaction.atomic():
        proposals = AuditProposal.objects.bulk_create(proposals, batch_size=5000)
        for p, c in zip(proposals, cases, strict=True):
            c.proposal_id = p.pk
        cases = AuditCase.objects.bulk_create(cases, batch_size=5000)
        p_areas = AuditProposal.risk_areas.through
        c_areas = AuditCase.risk_areas.through
        p_areas.objects.bulk_create([p_areas(auditproposal_id=p.pk, riskarea_id=a.pk) for p, (a_list, _v, _l)
                                     in zip(proposals, plan, strict=True) for a in a_list], batch_size=10000)
        c_areas.objects.bulk_create([c_areas(auditcase_id=c.pk, riskarea_id=a.pk) for c, (a_list, _v, _l)
                                     in zip(cases, plan, strict=True) for a in a_list], batch_size=10000)
        AuditDecision.objects.bulk_create([AuditDecision(
            case=c, kind="original", number=c.number, signed_on=c.decision_signed_on, start_on=c.planned_start_on,
            duration_working_days=c.duration_working_days, delivered_on=c.delivered_on,
            delivery_method="direct" if c.delivered_on else "", delivery_due_on=wd(c.decision_signed_on, 3),
            created_by=c.created_by, approved_at=now, **SIGNER) for c in cases], batch_size=5000)
        concluded = [(c, pl) for c, pl in zip(cases, plan, strict=True) if c.concluded_on]
        cons = AuditConclusion.objects.bulk_create([AuditConclusion(
            case=c, number=f"{c.pk}/KL", signed_on=c.concluded_on, has_violations=violations, created_by=c.created_by,
            approved_by=leader if c.state != "concluded" else None,
            approved_at=now if c.state != "concluded" else None, declarations_concerned=12,
            declarations_accepted=9, declarations_adjusted=3 if violations else 0, **SIGNER)
            for c, (_a, violations, leader) in concluded], batch_size=5000)
        findings, payments = [], []
        for con, (c, (a_list, violations, _l)) in zip(cons, concluded, strict=True):
            due = 0
            for a in a_list:
                amount = int(10_000_000 * rnd.paretovariate(1.2)) if violations else 0
                due += amount + amount // 10
                findings.append(ConclusionFinding(conclusion=con, risk_area=a, finding="Kiểm tra (dữ liệu thử tải).",
                                                  has_violation=violations, declarations_count=rnd.randint(1, 30),
                                                  import_duty=amount, vat=amount // 10, late_interest=amount // 50))
            if due and c.state == "closed":
                payments.append(Payment(case=c, paid_on=c.closed_on, kind="tax", amount=due, reference="thử tải",
                                        recorded_by=c.created_by))
        ConclusionFinding.objects.bulk_create(findings, batch_size=10000)
        Payment.objects.bulk_create(payments, batch_size=10000)

        # the work waiting for the simulated users, in every team
        start_in = today + timedelta(days=20)
        this_year = today.year
        waiting_p, waiting_ic = [], []
        for team in TEAMS:
            for k in range(per_team_work):
                officer = officers[team][k % len(officers[team])]
                submitted = k % 5 >= 3  # 60 % drafts for the officers, 40 % submitted for the leader
                filed = now - timedelta(hours=rnd.randint(1, 48)) if submitted else None
                waiting_p.append(AuditProposal(
                    state="submitted" if submitted else "draft", unit=units[team], approval_unit=units[team],
                    created_by=officer, proposed_by=officer, submitted_by=officer if submitted else None,
                    filed_at=filed, searched_at=now, year=this_year, number=number(team, "DX"),
                    enterprise_id=next(pool_iter), mode="field" if k % 2 else "desk", ground="78.2",
                    period_from=today - timedelta(days=700), period_to=today - timedelta(days=60), reason=REASON,
                    planned_start=start_in, declaration_numbers=[],
                    due_on=wd(today, 1) if submitted else None, due_kind="approve_by" if submitted else ""))
                kind = ("draft", "draft", "submitted", "submitted", "report_submitted")[k % 5]
                waiting_ic.append(InfoCollection(
                    state=kind, unit=units[team], approval_unit=units[team], created_by=officer, proposed_by=officer,
                    submitted_by=officer if kind != "draft" else None,
                    submitted_at=now if kind != "draft" else None,
                    approved_by=leaders[team] if kind == "report_submitted" else None,
                    approved_at=now if kind == "report_submitted" else None,
                    report_submitted_by=officer if kind == "report_submitted" else None,
                    report_submitted_at=now if kind == "report_submitted" else None,
                    number=number(team, "TTTT"), enterprise_id=next(pool_iter), signs=SIGNS,
                    collection_form="declarant" if k % 2 else "outside_body",
                    addressee="Giám đốc doanh nghiệp", planned_start=today + timedelta(days=3),
                    planned_end=today + timedelta(days=24)))
        waiting_p = AuditProposal.objects.bulk_create(waiting_p, batch_size=5000)
        waiting_ic = InfoCollection.objects.bulk_create(waiting_ic, batch_size=5000)
        p_areas.objects.bulk_create([p_areas(auditproposal_id=p.pk, riskarea_id=areas[i % len(areas)].pk)
                                     for i, p in enumerate(waiting_p)], batch_size=10000)
        ic_areas = InfoCollection.risk_areas.through
        ic_areas.objects.bulk_create([ic_areas(infocollection_id=ic.pk, riskarea_id=areas[i % len(areas)].pk)
                                      for i, ic in enumerate(waiting_ic)], batch_size=10000)
        # one "create" event per record, as the engine writes it (the detail pages list the events)
        ct = ContentType.objects.get_for_models(AuditProposal, AuditCase, InfoCollection)
        events = [CaseEvent(content_type=ct[type(o)], object_id=o.pk, actor_id=o.created_by_id, action="create",
                            to_state=o.state, created_at=o.created_at)
                  for o in [*proposals, *cases, *waiting_p, *waiting_ic]]
        CaseEvent.objects.bulk_create(events, batch_size=10000)
    log(f"workflow: {len(cases)} cases, {len(proposals) + len(waiting_p)} proposals, {len(waiting_ic)} information "
        f"collections, {len(findings)} findings, {len(payments)} payments in {time.perf_counter() - t0:.0f} s")


# --- declarations --------------------------------------------------------------------------------------------
DECLARATIONS = """
INSERT INTO declarations_declaration (base_number, revision, registered_on, customs_office, procedure_type, flow,
  channel, declarant_tax_code, importer_exporter_tax_code, partner_name, partner_country, transport_mode, incoterms,
  currency, exchange_rate, invoice_value, customs_value, total_tax, line_count)
SELECT CASE WHEN g % 3 = 0 THEN '30' ELSE '10' END || lpad(g::text, 9, '0'), 0,
       date '2025-01-01' + (hashint4(g::int) & 2147483647) % 699,
       (ARRAY['01B1','01NV','02CI','02IK','03CE','03TG','34CE','43IH','47NB','18BC'])[1 + g % 10],
       CASE WHEN g % 3 = 0 THEN 'B11' ELSE (ARRAY['A11','A12','E31','A41'])[1 + g % 4] END,
       CASE WHEN g % 3 = 0 THEN 'E' ELSE 'I' END, 1 + (hashint4((g + 17)::int) & 15) % 3,
       CASE WHEN g % 10 < 3 THEN e.tax_code ELSE b.tax_code END, e.tax_code,
       (ARRAY['Shenzhen Trading Co.','Seoul Electronics Ltd.','Osaka Industries K.K.','Bangkok Auto Co.'])[1 + g % 4],
       (ARRAY['CN','KR','JP','TH'])[1 + g % 4], '2', 'CIF', 'USD', 25400,
       (g % 100000) * 4 + 1000, ((g % 100000) * 4 + 1000) * 25400, ((g % 100000) * 4 + 1000) * 2540, 1 + g % 3
FROM generate_series({lo}::bigint, {hi}::bigint) g
JOIN pg_temp.codes e ON e.i = floor({n} * power((hashint4((g * 7 + 1)::int) & 2147483647) / 2147483648.0, 3))::int
JOIN pg_temp.codes b ON b.i = g % 200
"""
LINES = """
INSERT INTO declarations_declarationline (declaration_id, line_no, hs_code, description, origin_country, quantity,
  unit, unit_price, customs_value, import_duty_rate, import_duty, vat_rate, vat, excise_rate, excise,
  environmental_tax, trade_remedy_tax, inspection_result, registered_on)
SELECT d.id, l, (ARRAY['85423100','85177900','52051200','54075200','62034200','64039990','72085100',
                       '39012000','84713020','87032363','03061721','09011110','40011011','22030091',
                       '27101944'])[1 + (d.id + l) % 15],
       'Hàng hóa thử tải', d.partner_country, 100, 'PCE', 10, d.customs_value / d.line_count, 5,
       d.customs_value / d.line_count / 20, 10, d.customs_value / d.line_count / 10, 0, 0, 0, 0, '', d.registered_on
FROM declarations_declaration d CROSS JOIN LATERAL generate_series(1, d.line_count) l
WHERE d.id BETWEEN {lo} AND {hi}
"""


def declarations(n: int) -> None:
    from django.db import connection

    from stq.declarations import activity, partitions, peer_prices
    from stq.declarations.models import Declaration

    if Declaration.objects.exists():
        return
    t0 = time.perf_counter()
    # the months the dates below reach (2025-01-01 + 0…698 days), made as the importer makes an older file's months
    partitions.ensure_months(date(2025, 1, 1), date(2025, 1, 1) + timedelta(days=698))
    step = 250_000
    with connection.cursor() as c:
        c.execute("SET synchronous_commit = off")
        c.execute("CREATE TEMP TABLE codes AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS i, tax_code "
                  "FROM enterprises_enterprise")
        c.execute("CREATE INDEX ON pg_temp.codes (i)")
        c.execute("ANALYZE pg_temp.codes")
        c.execute("SELECT count(*) FROM pg_temp.codes")
        codes = c.fetchone()[0]
        for lo in range(1, n + 1, step):
            c.execute(DECLARATIONS.format(lo=lo, hi=min(n, lo + step - 1), n=codes))
        c.execute("SELECT min(id), max(id) FROM declarations_declaration")
        first, last = c.fetchone()
        for lo in range(first, last + 1, step):
            c.execute(LINES.format(lo=lo, hi=lo + step - 1))
        c.execute("SELECT count(*) FROM declarations_declarationline")
        lines = c.fetchone()[0]
    log(f"declarations: {n:,} with {lines:,} goods lines in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    rows = activity.rebuild_all()
    log(f"activity profile: {rows:,} enterprise-months in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    rows = peer_prices.rebuild()  # the import keeps them; this load bypasses the import
    log(f"peer prices: {rows:,} import lines in {time.perf_counter() - t0:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--declarations", type=int, default=2_000_000)
    parser.add_argument("--officers", type=int, default=8, help="officer accounts per team (23 teams)")
    parser.add_argument("--work", type=int, default=100, help="waiting proposals and collections per team")
    parser.add_argument("--small", action="store_true", help="a tiny set: 3,000 / 300 / 5,000")
    args = parser.parse_args()
    if args.small:
        args.enterprises, args.cases, args.declarations, args.work = 3000, 300, 5000, 30

    fill(args.enterprises, args.cases, args.declarations, officers=args.officers, work=args.work)


def fill(n_enterprises, n_cases, n_declarations, *, officers=8, work=100, create_db=True) -> None:
    import django

    if create_db:
        ensure_database()
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    organisation(officers)
    enterprises(n_enterprises)
    workflow_objects(n_cases, work)
    declarations(n_declarations)
    with connection.cursor() as c:
        c.execute("ANALYZE")
        c.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        log(f"ready; database size {c.fetchone()[0]}")


if __name__ == "__main__":
    main()
