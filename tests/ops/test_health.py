"""Liveness and readiness probes."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_answers_anonymously_without_io(django_assert_num_queries):
    with django_assert_num_queries(0):
        answer = Client().get("/healthz/")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    assert "no-cache" in answer["Cache-Control"]


def test_readyz_checks_database_migrations_and_cache():
    answer = Client().get("/readyz/")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "cache": "ok"}}


def test_readyz_fails_when_the_cache_does_not_keep_values(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    answer = Client().get("/readyz/")
    assert answer.status_code == 503
    assert answer.json()["checks"] == {"database": "ok", "migrations": "ok", "cache": "failing"}


def test_readyz_fails_when_a_migration_is_not_applied(monkeypatch):
    from django.db.migrations.recorder import MigrationRecorder

    from stq.core import health

    monkeypatch.setattr(health, "_migrations_seen_applied", False)
    MigrationRecorder.Migration.objects.filter(app="org").order_by("-id")[:1].get().delete()  # rolled back after
    answer = Client().get("/readyz/")
    assert answer.status_code == 503 and answer.json()["checks"]["migrations"] == "failing"


def test_probes_only_answer_get():
    assert Client().post("/healthz/").status_code == 405
