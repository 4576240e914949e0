"""The criteria point at `core.RiskArea` (moved from `collection`; same table, state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_riskarea_moved_from_collection'),
        ('risk', '0003_model_version_counter'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='criterion',
                name='risk_area',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.riskarea', verbose_name='risk area'),
            ),
            migrations.AlterField(
                model_name='historicalcriterion',
                name='risk_area',
                field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.riskarea', verbose_name='risk area'),
            ),
        ]),
    ]
