"""Demo-data seeders, run in order by `manage.py seed_demo`. Each app registers its own; each is idempotent."""

from __future__ import annotations

from collections.abc import Callable

SEEDERS: list[tuple[int, str, Callable[[dict], str]]] = []


def register_seeder(order: int, name: str):
    def deco(fn):
        SEEDERS.append((order, name, fn))
        return fn
    return deco


def run_seeders(options: dict, on_start: Callable[[str], None] | None = None):
    import importlib

    from django.apps import apps

    for config in apps.get_app_configs():  # each app may ship a `demo` module that registers seeders
        if config.name.startswith("stq."):
            try:
                importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
    for _order, name, fn in sorted(SEEDERS, key=lambda s: s[0]):
        if on_start is not None:
            on_start(name)
        yield name, fn(options)
