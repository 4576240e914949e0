"""Model-version numbers now come from the numbering service (the national unit's "RISK-MODEL" counter, year 0):
start that counter at the highest version already stored, so that the next number follows it."""

from django.db import migrations
from django.db.models import Max


def forwards(apps, schema_editor):
    ModelVersion = apps.get_model("risk", "ModelVersion")
    NumberCounter = apps.get_model("core", "NumberCounter")
    Unit = apps.get_model("org", "Unit")
    last = ModelVersion.objects.aggregate(m=Max("number"))["m"]
    national = Unit.objects.filter(parent__isnull=True).order_by("path").first()
    if last and national is not None:
        NumberCounter.objects.update_or_create(unit=national, year=0, kind="RISK-MODEL", defaults={"last": last})


class Migration(migrations.Migration):
    dependencies = [
        ("risk", "0002_scoring_run_policy_backtest"),
        ("core", "0004_caseevent_before_after"),
        ("org", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
