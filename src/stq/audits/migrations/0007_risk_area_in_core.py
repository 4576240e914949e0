"""Proposals, cases and findings point at `core.RiskArea` (moved from `collection`; same table, state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audits', '0006_decision_return_and_original_approval'),
        ('core', '0005_riskarea_moved_from_collection'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='auditcase',
                name='risk_areas',
                field=models.ManyToManyField(related_name='audit_cases', to='core.riskarea', verbose_name='risk areas'),
            ),
            migrations.AlterField(
                model_name='auditproposal',
                name='risk_areas',
                field=models.ManyToManyField(related_name='audit_proposals', to='core.riskarea', verbose_name='risk areas'),
            ),
            migrations.AlterField(
                model_name='conclusionfinding',
                name='risk_area',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.riskarea', verbose_name='risk area'),
            ),
            migrations.AlterField(
                model_name='historicalconclusionfinding',
                name='risk_area',
                field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.riskarea', verbose_name='risk area'),
            ),
        ]),
    ]
