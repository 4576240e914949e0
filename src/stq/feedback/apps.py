from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "stq.feedback"
    label = "feedback"
    verbose_name = _("Change requests")

    def ready(self):
        from . import (  # noqa: F401
            selectors,  # registers the visibility selector
            workflow,  # binds the workflow to ChangeRequest, registers the policy actions
        )
