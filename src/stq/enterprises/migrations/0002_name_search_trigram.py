"""PostgreSQL only: a trigram GIN index on the normalised name, so `name_search LIKE '%fragment%'` is indexed.

On other databases (SQLite for the demo) this migration does nothing; search still works through the plain
`name_search` column (a sequential scan, fine at demo size).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS ent_name_search_trgm ON enterprises_enterprise "
        "USING gin (name_search gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS ent_name_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
