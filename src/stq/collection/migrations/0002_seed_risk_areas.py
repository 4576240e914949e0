"""Seed the risk areas of domain B4.4 (stq.core.reference)."""

from django.db import migrations

from stq.core.reference import ensure_risk_areas


def seed(apps, schema_editor):
    ensure_risk_areas(apps.get_model("collection", "RiskArea"))


class Migration(migrations.Migration):
    dependencies = [("collection", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
