from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegacyConfig(AppConfig):
    name = "stq.legacy"
    label = "legacy"
    verbose_name = _("Records of the previous system")

    def ready(self):
        from . import policy, sections  # noqa: F401  (policy action, the enterprise page's STQ01 section)
