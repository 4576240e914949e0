"""`RiskArea` (and its history) moves here from `collection`, in the state only: its tables keep their names
(`collection_riskarea`, `collection_historicalriskarea`), so nothing in the database changes but the content types,
which follow the model (the permissions and admin log entries keep pointing at it)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def _move(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("riskarea", "historicalriskarea"):
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types(apps, schema_editor):
    _move(apps, "collection", "core")


def move_content_types_back(apps, schema_editor):
    _move(apps, "core", "collection")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('collection', '0002_seed_risk_areas'),
        ('core', '0004_caseevent_before_after'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='RiskArea',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('code', models.CharField(max_length=64, unique=True, verbose_name='code')),
                    ('name_vi', models.CharField(max_length=255, verbose_name='name (Vietnamese)')),
                    ('name_en', models.CharField(blank=True, max_length=255, verbose_name='name (English)')),
                    ('active', models.BooleanField(default=True, verbose_name='active')),
                    ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                ],
                options={
                    'verbose_name': 'risk area',
                    'verbose_name_plural': 'risk areas',
                    'db_table': 'collection_riskarea',
                    'ordering': ['order', 'code'],
                },
            ),
            migrations.CreateModel(
                name='HistoricalRiskArea',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('code', models.CharField(db_index=True, max_length=64, verbose_name='code')),
                    ('name_vi', models.CharField(max_length=255, verbose_name='name (Vietnamese)')),
                    ('name_en', models.CharField(blank=True, max_length=255, verbose_name='name (English)')),
                    ('active', models.BooleanField(default=True, verbose_name='active')),
                    ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.TextField(null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'historical risk area',
                    'verbose_name_plural': 'historical risk areas',
                    'db_table': 'collection_historicalriskarea',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
        ]),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
