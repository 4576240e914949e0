from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "stq.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import api_schema, dates, limits  # noqa: F401  (api_schema: the schema extensions)

        dates.install()  # every date field, form or API, refuses dates outside 1900–2099
        limits.install()  # every text field, form or API, has a length limit
