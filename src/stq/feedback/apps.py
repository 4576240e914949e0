from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "stq.feedback"
    label = "feedback"
    verbose_name = _("Change requests")

    def ready(self):
        from . import selectors  # noqa: F401  (registers the visibility selector)
