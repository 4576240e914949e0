from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "stq.enterprises"
    label = "enterprises"
    verbose_name = _("Enterprise directory")

    def ready(self):
        # registers the policy actions and the built-in (empty) sections of the enterprise page
        from . import policy, sections  # noqa: F401
