"""Information collection (thu thập thông tin KTSTQ, domain A1.2, B4.1): risk areas, proposals and results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from stq.core.limits import NOTE_MAX, TEXT_MAX, LimitedTextField
from stq.core.models import RiskArea, WorkflowCase


class CollectionForm(models.TextChoices):
    DECLARANT = "declarant", _("Written request to the customs declarant")
    OUTSIDE_BODY = "outside_body", _("Written request to a body outside customs")


class Recommendation(models.TextChoices):
    CLOSE = "close", _("Close, no further action")
    DESK_AUDIT = "desk_audit", _("Propose a desk audit (at the customs office)")
    FIELD_AUDIT = "field_audit", _("Propose a field audit (at the declarant's premises)")
    HAND_OVER = "hand_over", _("Hand over to another unit")


class InfoCollection(WorkflowCase):
    """A proposal to collect information on an enterprise (phiếu đề xuất thu thập thông tin), and its results."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted, awaiting approval")
        IN_PROGRESS = "in_progress", _("Approved, collecting")
        RESULTS_RECORDED = "results_recorded", _("Results recorded")
        REPORT_SUBMITTED = "report_submitted", _("Report submitted")
        CLOSED = "closed", _("Closed")
        RETURNED = "returned", _("Returned for revision")
        SUSPENDED = "suspended", _("Suspended")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATES = ("submitted", "in_progress", "results_recorded", "report_submitted", "returned", "suspended")

    number = models.CharField(_("number"), max_length=64, editable=False)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT,
        related_name="info_collections",
    )
    signs = LimitedTextField(_("signs of violation"), max_length=TEXT_MAX)
    risk_areas = models.ManyToManyField(RiskArea, verbose_name=_("risk areas"), related_name="info_collections")
    collection_form = models.CharField(_("collection form"), max_length=16, choices=CollectionForm.choices)
    addressee = models.CharField(_("addressee"), max_length=500)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    department_scope = models.BooleanField(
        _("department scope"), default=False,
        help_text=_("Approved by the leaders of the department above the unit instead of the unit's own leaders."),
    )
    approval_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("approving unit"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposing officer"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", editable=False,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    duplicate_warning = models.BooleanField(_("duplicate warning"), default=False, editable=False)
    duplicates = models.JSONField(_("open cases found on submit"), default=list, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", editable=False,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    approval_note = LimitedTextField(_("approval note"), max_length=NOTE_MAX, blank=True, editable=False)
    report_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("report submitted by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", editable=False,
    )
    report_submitted_at = models.DateTimeField(_("report submitted at"), null=True, blank=True, editable=False)
    leader_opinion = LimitedTextField(_("leader's opinion"), max_length=NOTE_MAX, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("information collection")
        verbose_name_plural = _("information collections")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "number"], name="collection_number_unique_per_unit",
                violation_error_message=_("This number is already used in this unit."),
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")), name="collection_planned_period",
                violation_error_message=_("The planned end must not precede the planned start."),
            ),
        ]
        indexes = [models.Index(fields=["unit", "state", "due_on"], name="collection_unit_state_due")]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("collection:detail", args=[self.pk])


class CollectionResult(models.Model):
    """The result of the collection for one risk area of the proposal."""

    collection = models.ForeignKey(InfoCollection, on_delete=models.CASCADE, related_name="results")
    risk_area = models.ForeignKey(RiskArea, verbose_name=_("risk area"), on_delete=models.PROTECT, related_name="+")
    findings = LimitedTextField(_("findings"), max_length=TEXT_MAX)
    amount_at_risk = models.BigIntegerField(_("amount at risk (VND)"), default=0)
    recommendation = models.CharField(_("recommendation"), max_length=16, choices=Recommendation.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("collection result")
        verbose_name_plural = _("collection results")
        ordering = ["risk_area__order", "risk_area__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "risk_area"], name="collection_result_unique_area",
                violation_error_message=_("This risk area already has a result."),
            ),
            models.CheckConstraint(
                condition=Q(amount_at_risk__gte=0), name="collection_result_amount_nonnegative",
                violation_error_message=_("The amount at risk cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.collection} · {self.risk_area.code}"
