"""Test settings: the one settings module, plus a tiny case type that exercises the workflow engine."""

import os

os.environ.setdefault("STQ_DEBUG", "1")
os.environ.setdefault("STQ_SERVER_TIMING", "1")  # the browser crawl holds pages under 1 s of server time

from stq.settings import *  # noqa: E402, F403
from stq.settings import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.caseapp"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
