from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "stq.exchange"
    label = "exchange"
    verbose_name = _("Connection to the clearance system")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401  (outbound results on target-list generation)
