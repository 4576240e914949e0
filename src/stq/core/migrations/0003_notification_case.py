"""Notifications name the case they are about, so that they are read through the case type's visibility scope;
the old ones get their case from their link."""

import re

import django.db.models.deletion
from django.db import migrations, models

# the case pages' links (stq.urls): app label, model, pattern
CASE_LINKS = [
    ("audits", "auditproposal", re.compile(r"^/audits/proposals/(\d+)/$")),
    ("audits", "auditcase", re.compile(r"^/audits/(\d+)/$")),
    ("collection", "infocollection", re.compile(r"^/collection/(\d+)/$")),
    ("feedback", "changerequest", re.compile(r"^/feedback/(\d+)/$")),
]


def link_cases(apps, schema_editor):
    Notification = apps.get_model("core", "Notification")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, model, pattern in CASE_LINKS:
        case_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        if case_type is None:
            continue
        for pk, url in Notification.objects.filter(case_type__isnull=True).exclude(url="").values_list("pk", "url"):
            match = pattern.match(url)
            if match:
                Notification.objects.filter(pk=pk).update(case_type=case_type, case_id=int(match.group(1)))


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0002_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='case_id',
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='notification',
            name='case_type',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name='+', to='contenttypes.contenttype'),
        ),
        migrations.RunPython(link_cases, migrations.RunPython.noop),
    ]
