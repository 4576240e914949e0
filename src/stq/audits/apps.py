from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "stq.audits"
    label = "audits"
    verbose_name = _("Post-clearance audits")

    def ready(self):
        from . import (
            sections,  # noqa: F401  (the enterprise page's audit sections)
            selectors,  # noqa: F401  (registers the duplicate sources)
            workflow,  # noqa: F401  (binds the workflows to the models, registers the policy actions)
        )
