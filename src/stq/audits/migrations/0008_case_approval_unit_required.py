"""A case's leader steps are taken at its approving unit (audits.workflow), so every case names one: the cases
that had none take their own unit (what the approving unit of a unit-scope proposal is)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def fill(apps, schema_editor):
    apps.get_model("audits", "AuditCase").objects.filter(approval_unit__isnull=True).update(approval_unit=F("unit"))
    if schema_editor.connection.vendor == "postgresql":  # check the deferred FK now, before the ALTER TABLE below
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('audits', '0007_risk_area_in_core'),
        ('org', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='auditcase',
            name='approval_unit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='approving unit'),
        ),
    ]
