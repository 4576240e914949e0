"""Shared set-up of the declarations benchmarks: a separate PostgreSQL database, migrated once."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
BENCH_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stq_bench_decl")


def setup(create: bool = True):
    import psycopg

    os.environ["DATABASE_URL"] = BENCH_URL
    os.environ.setdefault("STQ_DEBUG", "1")
    os.environ.setdefault("STQ_TASKS_BACKEND", "immediate")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stq.settings")
    os.environ.setdefault("STQ_MEDIA_ROOT", "/tmp/stq_bench_media")
    if create:
        admin = BENCH_URL.rsplit("/", 1)[0] + "/postgres"
        name = BENCH_URL.rsplit("/", 1)[1]
        with psycopg.connect(admin, autocommit=True) as c:
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                c.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def drop():
    import psycopg

    admin = BENCH_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{BENCH_URL.rsplit("/", 1)[1]}" WITH (FORCE)')
