"""The triggers that keep `reports_monthtotal` honest (PostgreSQL only; SQLite computes every figure directly).

Each write to a table a kept measure reads marks, in the writer's own transaction, the months whose totals it may
change (`reports_stalemonth`); `stq.reports.totals.refresh` recomputes exactly those months from the measures'
queries before a report reads the totals. A record counts in the month of its own date, but its unit, filter values
and risk area come from its case, and a finding's "first in its area" and a case's "with violations" depend on the
case's other records: so a change to a case, its conclusions, findings or risk areas marks every month the case
has a record in (old and new values both), for every measure ("*"); a payment, a penalty or a decision marks its
own month for the measures reading its table only. Statement-level triggers with transition tables: a bulk insert of
250,000 payments marks its 60 months in one statement. A mark is a plain insert (writers never wait on each other);
the refresher deletes only the marks it read before recomputing, so a mark committed later survives it."""

from django.db import migrations

MARK = """
CREATE OR REPLACE FUNCTION reports_mark_stale(months date[], source text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO reports_stalemonth (month, source, marked_at)
    SELECT DISTINCT date_trunc('month', m)::date, source, now() FROM unnest(months) AS m WHERE m IS NOT NULL
$$;

CREATE OR REPLACE FUNCTION reports_case_months(ids bigint[]) RETURNS date[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(d), '{}') FROM (
        SELECT concluded_on AS d FROM audits_auditcase WHERE id = ANY(ids)
        UNION SELECT signed_on FROM audits_auditdecision WHERE case_id = ANY(ids)
        UNION SELECT signed_on FROM audits_auditconclusion WHERE case_id = ANY(ids)
        UNION SELECT issued_on FROM audits_penaltydecision WHERE case_id = ANY(ids)
        UNION SELECT paid_on FROM audits_payment WHERE case_id = ANY(ids)
    ) s WHERE d IS NOT NULL
$$;

-- a record dated by its own column (TG_ARGV[0]): the months of its old and new rows, for the measures reading
-- its table
CREATE OR REPLACE FUNCTION reports_stale_dated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE months date[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT array_agg(DISTINCT %I) FROM new_rows', TG_ARGV[0]) INTO months;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT array_agg(DISTINCT %I) FROM old_rows', TG_ARGV[0]) INTO months;
    ELSE
        EXECUTE format('SELECT array_agg(DISTINCT d) FROM (SELECT %1$I AS d FROM new_rows '
                       'UNION SELECT %1$I FROM old_rows) s', TG_ARGV[0]) INTO months;
    END IF;
    PERFORM reports_mark_stale(months, TG_TABLE_NAME);
    RETURN NULL;
END $$;

-- a record whose change may move figures in every month of its case (TG_ARGV[0]: the SQL giving the case ids of
-- a transition table named "t"); TG_ARGV[1]: its own date column, or '' (marked too: a deleted record is gone)
CREATE OR REPLACE FUNCTION reports_stale_case() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids bigint[]; own date[]; part bigint[]; own_part date[];
BEGIN
    ids := '{}'; own := '{}';
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE 'WITH t AS (SELECT * FROM new_rows) SELECT array_agg(c) FROM (' || TG_ARGV[0] || ') x(c)' INTO part;
        ids := ids || coalesce(part, '{}');
        IF TG_ARGV[1] <> '' THEN
            EXECUTE format('SELECT array_agg(%I) FROM new_rows', TG_ARGV[1]) INTO own_part;
            own := own || coalesce(own_part, '{}');
        END IF;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        EXECUTE 'WITH t AS (SELECT * FROM old_rows) SELECT array_agg(c) FROM (' || TG_ARGV[0] || ') x(c)' INTO part;
        ids := ids || coalesce(part, '{}');
        IF TG_ARGV[1] <> '' THEN
            EXECUTE format('SELECT array_agg(%I) FROM old_rows', TG_ARGV[1]) INTO own_part;
            own := own || coalesce(own_part, '{}');
        END IF;
    END IF;
    PERFORM reports_mark_stale(own || reports_case_months(ids), '*');
    RETURN NULL;
END $$;

-- an audit case: only a change of what the measures read of it (unit, filter values, conclusion date)
CREATE OR REPLACE FUNCTION reports_stale_auditcase() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM reports_mark_stale(ARRAY(SELECT concluded_on FROM new_rows), '*');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM reports_mark_stale(ARRAY(SELECT concluded_on FROM old_rows), '*');
    ELSE
        PERFORM reports_mark_stale(
            ARRAY(SELECT o.concluded_on FROM old_rows o JOIN new_rows n ON n.id = o.id
                  WHERE (o.unit_id, o.mode, o.ground, o.legacy, o.concluded_on)
                        IS DISTINCT FROM (n.unit_id, n.mode, n.ground, n.legacy, n.concluded_on))
            || reports_case_months(ARRAY(
                SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id
                WHERE (o.unit_id, o.mode, o.ground, o.legacy, o.concluded_on)
                      IS DISTINCT FROM (n.unit_id, n.mode, n.ground, n.legacy, n.concluded_on))), '*');
    END IF;
    RETURN NULL;
END $$;

-- a risk area renamed or reordered: the main risk area of any case may change — every month
CREATE OR REPLACE FUNCTION reports_stale_riskarea() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR EXISTS (
            SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.code, o."order") IS DISTINCT FROM (n.code, n."order")) THEN
        PERFORM reports_mark_stale(reports_case_months(ARRAY(SELECT id FROM audits_auditcase)), '*');
    END IF;
    RETURN NULL;
END $$;
"""

# (table, function, arguments)
TRIGGERS = [
    ("audits_payment", "reports_stale_dated", "'paid_on'"),
    ("audits_penaltydecision", "reports_stale_dated", "'issued_on'"),
    ("audits_auditdecision", "reports_stale_dated", "'signed_on'"),
    ("audits_auditconclusion", "reports_stale_case", "'SELECT case_id FROM t', 'signed_on'"),
    (
        "audits_conclusionfinding",
        "reports_stale_case",
        "'SELECT c.case_id FROM t JOIN audits_auditconclusion c ON c.id = t.conclusion_id', ''",
    ),
    ("audits_auditcase_risk_areas", "reports_stale_case", "'SELECT auditcase_id FROM t', ''"),
    ("audits_auditcase", "reports_stale_auditcase", ""),
]
EVENTS = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}


def _sql() -> list[str]:
    statements = [MARK]
    for table, function, args in TRIGGERS:
        for event, ref in EVENTS.items():
            statements.append(
                f"CREATE TRIGGER reports_stale_{event.lower()} AFTER {event} ON {table} REFERENCING {ref} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}({args})"
            )
    for event in ("UPDATE", "DELETE"):
        statements.append(
            f"CREATE TRIGGER reports_stale_{event.lower()} AFTER {event} ON collection_riskarea REFERENCING "
            f"{EVENTS[event]} FOR EACH STATEMENT EXECUTE FUNCTION reports_stale_riskarea()"
        )
    # the records already there: every month they fall in is stale until the first refresh
    statements.append("SELECT reports_mark_stale(reports_case_months(ARRAY(SELECT id FROM audits_auditcase)), '*')")
    return statements


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in _sql():
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _function, _args in [*TRIGGERS, ("collection_riskarea", "", "")]:
        for event in EVENTS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS reports_stale_{event.lower()} ON {table}")
    for function in (
        "reports_stale_riskarea()",
        "reports_stale_auditcase()",
        "reports_stale_case()",
        "reports_stale_dated()",
        "reports_case_months(bigint[])",
        "reports_mark_stale(date[], text)",
    ):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_kept_month_totals"),
        ("audits", "0009_text_limits"),
        ("core", "0007_text_limits"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
