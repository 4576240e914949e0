"""Partitioned history (issue 20, benchmarks/PARTITIONING.md).

Django's state: the goods lines get ``registered_on`` (copied from their header); the number registry
``DeclarationNumber`` (one row per declaration number, B7) is created; the unique keys include the date — a
declaration's ``(base_number, registered_on)`` and a line's ``(declaration, line_no, registered_on)``.

The database, on PostgreSQL only (``_forward``): the headers, the goods lines and the stored scores become tables
partitioned by month on ``registered_on``, with the keys PostgreSQL requires (every unique key holds the partition
key): primary keys ``(id, registered_on)`` for headers and lines, ``(declaration_id, registered_on)`` for the scores.
Django's state keeps ``id`` (``declaration_id`` for a score) as the ORM's primary key — Django 5.2 cannot point a
foreign key at a composite primary key, and the ids are unique anyway (one sequence feeds every partition). The
old tables' rows are copied month by month into partitions of every month they reach, plus the current month and
the next three, and the old tables dropped; the other indexes, unique and foreign-key constraints are recreated
under their names. A partitioned table cannot hold the unique key of the number alone: database triggers on the
headers keep the registry (statement-level, with transition tables) — a second declaration with a number already
there is refused by the registry's primary key, on every path that writes headers.

On SQLite (the demo) the tables stay plain; row-level triggers keep the registry the same way. A later migration
that makes Django rebuild the SQLite headers table (an ``AlterField`` there) drops those triggers: call
``sqlite_registry_triggers`` again after it.

Idempotent: a table already partitioned is left as it is, the registry is filled with the numbers it lacks, the
triggers are replaced."""

import datetime

import django.db.models.deletion
from django.db import migrations, models

D, L, S, R = ("declarations_declaration", "declarations_declarationline", "risk_declarationscore",
              "declarations_declarationnumber")
AHEAD = 3

PG_REGISTRY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION declarations_number_registry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO {R} (base_number, registered_on, declaration_id)
    SELECT base_number, registered_on, id FROM new_rows;
  ELSIF TG_OP = 'UPDATE' THEN
    DELETE FROM {R} r USING old_rows o JOIN new_rows n ON n.id = o.id
     WHERE r.base_number = o.base_number AND r.declaration_id = o.id
       AND (n.base_number, n.registered_on) IS DISTINCT FROM (o.base_number, o.registered_on);
    INSERT INTO {R} (base_number, registered_on, declaration_id)
    SELECT n.base_number, n.registered_on, n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE (n.base_number, n.registered_on) IS DISTINCT FROM (o.base_number, o.registered_on);
  ELSE
    DELETE FROM {R} r USING old_rows o WHERE r.base_number = o.base_number AND r.declaration_id = o.id;
  END IF;
  RETURN NULL;
END $$"""

PG_TRIGGERS = [
    ("decl_number_insert", "INSERT", "NEW TABLE AS new_rows"),
    ("decl_number_update", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("decl_number_delete", "DELETE", "OLD TABLE AS old_rows"),
]

SQLITE_TRIGGERS = [
    ("decl_number_insert", f"AFTER INSERT ON {D} BEGIN INSERT INTO {R} (base_number, registered_on, declaration_id) "
                           f"VALUES (NEW.base_number, NEW.registered_on, NEW.id); END"),
    ("decl_number_update", f"AFTER UPDATE OF base_number, registered_on ON {D} BEGIN UPDATE {R} SET "
                           f"base_number = NEW.base_number, registered_on = NEW.registered_on "
                           f"WHERE declaration_id = OLD.id; END"),
    ("decl_number_delete", f"AFTER DELETE ON {D} BEGIN DELETE FROM {R} WHERE declaration_id = OLD.id; END"),
]


def sqlite_registry_triggers(cursor):
    for name, body in SQLITE_TRIGGERS:
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"CREATE TRIGGER {name} {body}")


def _add_months(day, n):
    k = day.year * 12 + day.month - 1 + n
    return datetime.date(k // 12, k % 12 + 1, 1)


def _convert(c, table, key, source_months_sql, copy_sql):
    """Make `table` partitioned by month on registered_on (primary key `key`), keeping its rows, indexes and
    constraints (their names too). `copy_sql` fills ``{new}`` from ``{old}``."""
    c.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [table])
    if c.fetchone()[0] == "p":
        return
    c.execute("""SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint
                 WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype DESC, conname""",
              [table])
    constraints = c.fetchall()
    c.execute("""SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass
                 AND indexrelid NOT IN (SELECT conindid FROM pg_constraint WHERE conrelid = %s::regclass)""",
              [table, table])
    indexes = [r[0] for r in c.fetchall()]
    c.execute("SELECT attidentity <> '' FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'id'", [table])
    row = c.fetchone()
    identity = bool(row and row[0])
    c.execute(source_months_sql)
    months = {r[0] for r in c.fetchall() if r[0] is not None}
    today = datetime.date.today().replace(day=1)
    months |= {_add_months(today, k) for k in range(AHEAD + 1)}
    new = f"{table}__p"
    c.execute(f"CREATE TABLE {new} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE) "
              f"PARTITION BY RANGE (registered_on)")
    for month in sorted(months):
        c.execute(f"CREATE TABLE {table}_{month:%Y%m} PARTITION OF {new} "
                  f"FOR VALUES FROM ('{month:%Y-%m-%d}') TO ('{_add_months(month, 1):%Y-%m-%d}')")
    c.execute(copy_sql.format(new=new, old=table))
    c.execute(f"DROP TABLE {table}")
    c.execute(f"ALTER TABLE {new} RENAME TO {table}")
    for name, kind, definition in constraints:
        if kind == "p":
            definition = f"PRIMARY KEY ({', '.join(key)})"
        elif kind == "u" and "registered_on" not in definition:
            raise RuntimeError(f"{table}.{name}: a unique key without the partition key ({definition})")
        c.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for definition in indexes:
        c.execute(definition)
    if identity:
        seq = f"{table}_id_seq"
        c.execute(f"CREATE SEQUENCE {seq} AS bigint OWNED BY {table}.id")
        c.execute(f"SELECT setval('{seq}', COALESCE(MAX(id), 0) + 1, false) FROM {table}")
        c.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{seq}')")
    c.execute(f"ANALYZE {table}")


def _columns(c, table):
    c.execute("""SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped
                 ORDER BY attnum""", [table])
    return [r[0] for r in c.fetchall()]


def _forward(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as c:
        if conn.vendor != "postgresql":
            c.execute(f"UPDATE {L} SET registered_on = (SELECT d.registered_on FROM {D} d WHERE d.id = {L}.declaration_id)")
            c.execute(f"INSERT OR IGNORE INTO {R} (base_number, registered_on, declaration_id) "
                      f"SELECT base_number, registered_on, id FROM {D}")
            sqlite_registry_triggers(c)
            return
        # the registry: the numbers stored, then the triggers that keep it (its varchar primary key needs no
        # second, LIKE-only index: numbers are looked up by equality; Django would create it after this function)
        schema_editor.deferred_sql = [sql for sql in schema_editor.deferred_sql
                                      if not (R in str(sql) and "varchar_pattern_ops" in str(sql))]
        c.execute(f"SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = '{R}'::regclass "
                  f"AND NOT indisprimary")
        for (index,) in c.fetchall():
            c.execute(f"DROP INDEX {index}")
        c.execute(f"INSERT INTO {R} (base_number, registered_on, declaration_id) "
                  f"SELECT base_number, registered_on, id FROM {D} ON CONFLICT (base_number) DO NOTHING")
        month = "SELECT DISTINCT date_trunc('month', registered_on)::date FROM {}"
        line_cols = [col for col in _columns(c, L) if col != "registered_on"]
        _convert(c, L, ("id", "registered_on"), month.format(D),
                 f"INSERT INTO {{new}} ({', '.join(line_cols)}, registered_on) "
                 f"SELECT {', '.join('l.' + col for col in line_cols)}, d.registered_on "
                 f"FROM {{old}} l JOIN {D} d ON d.id = l.declaration_id")
        _convert(c, S, ("declaration_id", "registered_on"), month.format(D), "INSERT INTO {new} SELECT * FROM {old}")
        _convert(c, D, ("id", "registered_on"), month.format(D), "INSERT INTO {new} SELECT * FROM {old}")
        c.execute(PG_REGISTRY_FUNCTION)
        for name, event, referencing in PG_TRIGGERS:
            c.execute(f"DROP TRIGGER IF EXISTS {name} ON {D}")
            c.execute(f"CREATE TRIGGER {name} AFTER {event} ON {D} REFERENCING {referencing} "
                      f"FOR EACH STATEMENT EXECUTE FUNCTION declarations_number_registry()")


class Migration(migrations.Migration):

    dependencies = [
        ("declarations", "0005_peer_prices"),
        ("risk", "0006_text_limits"),  # the stored scores are partitioned too
    ]

    operations = [
        migrations.CreateModel(
            name="DeclarationNumber",
            fields=[
                ("base_number", models.CharField(max_length=11, primary_key=True, serialize=False,
                                                 verbose_name="declaration number (11 digits)")),
                ("registered_on", models.DateField(verbose_name="registration date")),
                ("declaration", models.ForeignKey(db_constraint=False, db_index=False,
                                                  on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                                  to="declarations.declaration")),
            ],
            options={
                "verbose_name": "declaration number",
                "verbose_name_plural": "declaration numbers",
            },
        ),
        migrations.AddField(
            model_name="declarationline",
            name="registered_on",
            field=models.DateField(default=datetime.date(1970, 1, 1), verbose_name="registration date"),
            preserve_default=False,
        ),
        migrations.RemoveConstraint(
            model_name="declaration",
            name="decl_base_number_unique",
        ),
        migrations.AddConstraint(
            model_name="declaration",
            constraint=models.UniqueConstraint(fields=("base_number", "registered_on"), name="decl_number_date_unique",
                                               violation_error_message="This declaration number already exists."),
        ),
        migrations.RemoveConstraint(
            model_name="declarationline",
            name="decl_line_unique",
        ),
        migrations.AddConstraint(
            model_name="declarationline",
            constraint=models.UniqueConstraint(fields=("declaration", "line_no", "registered_on"),
                                               name="decl_line_unique",
                                               violation_error_message="This line number already exists."),
        ),
        migrations.RunPython(_forward),  # irreversible: the partitioned tables are not converted back
    ]
