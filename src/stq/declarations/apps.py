from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "stq.declarations"
    label = "declarations"
    verbose_name = _("Declarations")

    def ready(self):
        from . import policy  # noqa: F401  (registers the policy actions)

        try:
            from stq.enterprises.sections import register_section
        except ImportError:  # the enterprise directory is not installed
            return
        from .views import enterprise_activity_section

        register_section("activity", _("Import/export activity"), "declarations/enterprise_section.html",
                         enterprise_activity_section, order=20)
