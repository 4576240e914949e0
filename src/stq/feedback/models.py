"""Change requests (phiếu đề xuất sửa đổi chức năng, domain A1.7): any user proposes a change to a function of STQ;
the central PCA unit reviews it, comments and sets its status."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from stq.core.limits import NOTE_MAX, TEXT_MAX, LimitedTextField
from stq.core.models import WorkflowCase


class ChangeRequest(WorkflowCase):
    """One proposed change. `unit` is the proposing unit; `handling_unit` the central PCA unit that reviews it."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        DONE = "done", _("Done")
        DECLINED = "declined", _("Declined")

    number = models.CharField(_("number"), max_length=64, editable=False)
    function_name = models.CharField(_("function name"), max_length=255)
    proposed_change = LimitedTextField(_("proposed change"), max_length=TEXT_MAX)
    reason = LimitedTextField(_("reason"), max_length=TEXT_MAX)
    proposed_on = models.DateField(_("date"), default=timezone.localdate)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    handling_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("handling unit"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    status_note = LimitedTextField(_("last status note"), max_length=NOTE_MAX, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-proposed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "number"], name="feedback_number_unique_per_unit",
                violation_error_message=_("This number is already used in this unit."),
            ),
        ]
        indexes = [models.Index(fields=["state", "proposed_on"], name="feedback_state_date")]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:detail", args=[self.pk])

    @property
    def state_label(self) -> str:
        return str(dict(self.State.choices).get(self.state, self.state))


class ChangeRequestComment(models.Model):
    """A comment on a change request, by the central PCA unit or by the proposer."""

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="+")
    text = LimitedTextField(_("comment"), max_length=NOTE_MAX)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.change_request} · {self.author}"
