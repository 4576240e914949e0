from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "stq.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import dates, services  # noqa: F401  (services registers the calendar policy action)

        dates.install()  # every date field, form or API, refuses dates outside 1900–2099
