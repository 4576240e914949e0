"""`RiskArea` has moved to `core` (same tables, state only): the collection fields point there, and the model leaves
this app's state once every other app points at its new place."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audits', '0007_risk_area_in_core'),
        ('collection', '0002_seed_risk_areas'),
        ('core', '0005_riskarea_moved_from_collection'),
        ('risk', '0004_risk_area_in_core'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='collectionresult',
                name='risk_area',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.riskarea', verbose_name='risk area'),
            ),
            migrations.AlterField(
                model_name='historicalcollectionresult',
                name='risk_area',
                field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='core.riskarea', verbose_name='risk area'),
            ),
            migrations.AlterField(
                model_name='infocollection',
                name='risk_areas',
                field=models.ManyToManyField(related_name='info_collections', to='core.riskarea', verbose_name='risk areas'),
            ),
            migrations.DeleteModel(
                name='HistoricalRiskArea',
            ),
            migrations.DeleteModel(
                name='RiskArea',
            ),
        ]),
    ]
