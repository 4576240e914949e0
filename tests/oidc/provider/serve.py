"""Set up the provider's database, users and client, then serve: python -m tests.oidc.provider.serve PORT.

Reads PROVIDER_SETUP (JSON): {"client_id", "client_secret", "redirect_uri", "post_logout_uri",
"users": [{"username", "password", "email", "first_name", "last_name"}]}; prints "sub <username> <sub>" lines.
"""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc.provider.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402

setup = json.loads(os.environ["PROVIDER_SETUP"])
call_command("migrate", verbosity=0)
for spec in setup["users"]:
    user = User.objects.create_user(**spec)
    print("sub", user.username, user.pk, flush=True)
Application.objects.create(
    name="STQ", client_id=setup["client_id"], client_secret=setup["client_secret"], hash_client_secret=False,
    client_type=Application.CLIENT_CONFIDENTIAL, authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
    redirect_uris=setup["redirect_uri"], post_logout_redirect_uris=setup["post_logout_uri"],
    algorithm=Application.RS256_ALGORITHM, skip_authorization=True,
)
print("ready", flush=True)
call_command("runserver", f"127.0.0.1:{sys.argv[1]}", use_reloader=False, use_threading=True, skip_checks=True)
