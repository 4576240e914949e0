import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stq.settings")
application = get_wsgi_application()

# Build the API's schema table before the first request (once, in gunicorn's preloaded master): built lazily by two
# request threads at once, drf-spectacular's extension loading is not thread-safe.
from stq.core.contract import warm  # noqa: E402

warm()
