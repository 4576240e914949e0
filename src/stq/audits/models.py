"""Post-clearance audits (KTSTQ, domain A1.3, B4.2, B4.3, B9): proposals, cases, decisions, conclusions, handling.

The names below are a contract other apps code against (reports, risk, legacy): see the audits contract. Money is
integer VND (BigIntegerField) everywhere. Legacy rows (imported from STQ01, `legacy=True`) are read-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from stq.core.limits import NOTE_MAX, TEXT_MAX, LimitedTextField
from stq.core.models import WorkflowCase
from stq.core.uploads import GeneratedName

TAX_TYPES = ("import_duty", "vat", "excise", "environmental", "trade_remedy")


class AuditMode(models.TextChoices):
    DESK = "desk", _("Desk audit (at the customs office)")
    FIELD = "field", _("Field audit (at the declarant's premises)")


class AuditGround(models.TextChoices):
    VIOLATION_SIGNS = "78.1", _("Signs of violation (art. 78.1)")
    RISK_BASED = "78.2", _("Risk-based (art. 78.2)")
    COMPLIANCE = "78.3", _("Compliance assessment (art. 78.3)")


class DecisionKind(models.TextChoices):
    # the decisions' official names (context "decision kind": "Extension" alone means other things elsewhere)
    ORIGINAL = "original", pgettext_lazy("decision kind", "Audit decision")
    AMENDMENT = "amendment", pgettext_lazy("decision kind", "Amendment / supplement")
    EXTENSION = "extension", pgettext_lazy("decision kind", "Extension")
    SUSPENSION = "suspension", pgettext_lazy("decision kind", "Suspension")
    RESUMPTION = "resumption", pgettext_lazy("decision kind", "Resumption")
    CANCELLATION = "cancellation", pgettext_lazy("decision kind", "Cancellation")


class SuspensionReason(models.TextChoices):
    """ND08 art 99.2."""

    TAX_INSPECTION = "tax_inspection", _("The declarant is under tax inspection")
    INVESTIGATION = "investigation", _("The declarant is under investigation")
    STATE_AUDIT = "state_audit", _("The declarant is audited by the State Audit")
    POLICE = "police", _("The police handle the declarant's case")
    FORCE_MAJEURE = "force_majeure", _("Force majeure")


class CancellationReason(models.TextChoices):
    """ND08 art 99.3."""

    ABSCONDED = "absconded", _("The declarant absconded")
    DISSOLVED = "dissolved", _("The declarant was dissolved")
    BANKRUPT = "bankrupt", _("The declarant went bankrupt")
    MISSING = "missing", _("The declarant cannot be found at its address")
    CEASED = "ceased", _("The declarant ceased operation")
    OTHER_LEGAL = "other_legal", _("Another reason provided by law")


class DeliveryMethod(models.TextChoices):
    DIRECT = "direct", _("Handed over directly")
    REGISTERED_MAIL = "registered_mail", _("Registered mail")
    FAX = "fax", _("Fax / electronic")
    AT_ANNOUNCEMENT = "at_announcement", _("Handed over at the announcement (art. 78.1)")


class PaymentKind(models.TextChoices):
    TAX = "tax", _("Tax")
    FINE = "fine", _("Fine")
    LATE_INTEREST = "late_interest", _("Late-payment interest")


class ComplaintResult(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    PARTLY_UPHELD = "partly_upheld", _("Partly upheld")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def _user_fk(verbose, **kw):
    return models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=verbose, on_delete=models.PROTECT,
                             related_name="+", **kw)


def _money(verbose):
    return models.BigIntegerField(verbose, default=0)


class AuditProposal(WorkflowCase):
    """An audit proposal (phiếu đề xuất KTSTQ): desk or field audit of one enterprise."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted, awaiting approval")
        RETURNED = "returned", _("Returned for revision")
        APPROVED = "approved", _("Approved")
        SUSPENDED = "suspended", _("Suspended")
        CANCELLED = "cancelled", _("Cancelled")

    PENDING_STATES = ("submitted", "returned", "suspended")

    number = models.CharField(_("number"), max_length=64, editable=False)
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    approval_unit = models.ForeignKey("org.Unit", verbose_name=_("approving unit"), on_delete=models.PROTECT,
                                      related_name="+")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="audit_proposals")
    mode = models.CharField(_("audit mode"), max_length=8, choices=AuditMode.choices)
    ground = models.CharField(_("legal ground"), max_length=8, choices=AuditGround.choices)
    risk_areas = models.ManyToManyField("core.RiskArea", verbose_name=_("risk areas"),
                                        related_name="audit_proposals")
    period_from = models.DateField(_("audited period from"))
    period_to = models.DateField(_("audited period to"))
    declaration_numbers = models.JSONField(_("declarations concerned"), default=list, blank=True)
    reason = LimitedTextField(_("reason"), max_length=TEXT_MAX)
    planned_team = LimitedTextField(_("planned team"), max_length=NOTE_MAX, blank=True)
    planned_start = models.DateField(_("planned start"))
    info_collection = models.ForeignKey("collection.InfoCollection", verbose_name=_("from information collection"),
                                        null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="audit_proposals")
    department_scope = models.BooleanField(_("department scope"), default=False)
    proposed_by = _user_fk(_("proposing officer"), null=True, blank=True)
    searched_at = models.DateTimeField(_("enterprise searched at"), null=True, blank=True, editable=False)
    paper_approved_on = models.DateField(_("approved on paper on"), null=True, blank=True)
    recorded_late = models.BooleanField(_("recorded late"), default=False, editable=False)
    recording_delay_days = models.IntegerField(_("days from paper approval to recording"), default=0,
                                               editable=False)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True, editable=False)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True, editable=False, db_index=True)
    submitted_by = _user_fk(_("submitted by"), null=True, blank=True, editable=False)
    approved_by = _user_fk(_("approved by"), null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    approval_note = LimitedTextField(_("approval note"), max_length=NOTE_MAX, blank=True, editable=False)
    duplicates = models.JSONField(_("open cases found on submit"), default=list, blank=True, editable=False)
    duplicate_warning = models.BooleanField(_("duplicate warning"), default=False, editable=False)
    legacy = models.BooleanField(_("imported from STQ01"), default=False, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("audit proposal")
        verbose_name_plural = _("audit proposals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(  # SEED letter 7301 §2.2 (field audits): one per enterprise per year
                fields=["enterprise", "year"], condition=Q(state="approved", mode="field"),
                name="one_approved_field_proposal_per_enterprise_year",
                violation_error_message=_("This enterprise already has an approved field-audit proposal this year."),
            ),
            models.UniqueConstraint(
                fields=["unit", "number"], name="audit_proposal_number_unique_per_unit",
                violation_error_message=_("This number is already used in this unit."),
            ),
            models.CheckConstraint(
                condition=Q(period_to__gte=models.F("period_from")), name="audit_proposal_period",
                violation_error_message=_("The end of the audited period must not precede its start."),
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "state"], name="audit_prop_ent_state"),
                   models.Index(fields=["unit", "state", "due_on"], name="audit_prop_unit_state_due")]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("audits:proposal_detail", args=[self.pk])


class AuditCase(WorkflowCase):
    """An audit opened by an approved proposal, run by the state machine of B4.3 (field) or B4.2 (desk)."""

    class State(models.TextChoices):
        DECISION_SIGNED = "decision_signed", _("Decision signed")
        DELIVERED = "delivered", _("Decision delivered")
        FIELDWORK = "fieldwork", _("Audit under way")
        FIELDWORK_ENDED = "fieldwork_ended", _("Audit work ended")
        MINUTES_SIGNED = "minutes_signed", _("Minutes signed")
        DRAFT_SENT = "draft_sent", _("Draft conclusion sent")
        EXPLANATION_RECEIVED = "explanation_received", _("Explanation received or waived")
        AWAITING_EXPERT_OPINION = "awaiting_expert_opinion", _("Awaiting an expert opinion")
        CONCLUDED = "concluded", _("Concluded")
        HANDLING = "handling", _("Handling the results")
        CLOSED = "closed", _("Closed")
        SUSPENDED = "suspended", _("Suspended")
        CANCELLED = "cancelled", _("Cancelled")
        ESCALATED = "escalated", _("Referred to specialised inspection")

    ENDED_STATES = ("closed", "cancelled", "escalated")

    number = models.CharField(_("number"), max_length=64, editable=False)
    proposal = models.OneToOneField(AuditProposal, verbose_name=_("proposal"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="case")
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="audit_cases")
    mode = models.CharField(_("audit mode"), max_length=8, choices=AuditMode.choices)
    ground = models.CharField(_("legal ground"), max_length=8, choices=AuditGround.choices)
    risk_areas = models.ManyToManyField("core.RiskArea", verbose_name=_("risk areas"),
                                        related_name="audit_cases")
    # the unit whose leaders approve the case's decisions and conclusion: its proposal's approving unit (the
    # department for a department-scope audit); the case's leader steps are taken there (audits.workflow)
    approval_unit = models.ForeignKey("org.Unit", verbose_name=_("approving unit"), on_delete=models.PROTECT,
                                      related_name="+")
    legacy = models.BooleanField(_("imported from STQ01"), default=False, editable=False)
    # dates kept by the services
    decision_signed_on = models.DateField(_("decision signed on"), null=True, blank=True, editable=False)
    delivered_on = models.DateField(_("decision delivered on"), null=True, blank=True, editable=False)
    started_on = models.DateField(_("started on"), null=True, blank=True, editable=False)
    ended_on = models.DateField(_("audit work ended on"), null=True, blank=True, editable=False)
    minutes_signed_on = models.DateField(_("minutes signed on"), null=True, blank=True, editable=False)
    draft_sent_on = models.DateField(_("draft conclusion sent on"), null=True, blank=True, editable=False)
    explanation_on = models.DateField(_("explanation received on"), null=True, blank=True, editable=False)
    expert_requested_on = models.DateField(_("expert opinion requested on"), null=True, blank=True, editable=False)
    expert_received_on = models.DateField(_("expert opinion received on"), null=True, blank=True, editable=False)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True, editable=False, db_index=True)
    conclusion_recorded_by = _user_fk(_("conclusion recorded by"), null=True, blank=True, editable=False)
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)
    # the plan in force (original decision, amendments, extension)
    planned_start_on = models.DateField(_("start in the decision"), null=True, blank=True, editable=False)
    duration_working_days = models.PositiveSmallIntegerField(_("duration (working days)"), default=0,
                                                             editable=False)
    extension_working_days = models.PositiveSmallIntegerField(_("extension (working days)"), default=0,
                                                              editable=False)
    # suspension bookkeeping: where to return and how to shift the deadline on resumption
    suspended_from_state = models.CharField(max_length=32, blank=True, editable=False)
    suspended_on = models.DateField(_("suspended on"), null=True, blank=True, editable=False)
    suspended_due_on = models.DateField(null=True, blank=True, editable=False)
    suspended_due_kind = models.CharField(max_length=64, blank=True, editable=False)
    suspended_working_days = models.PositiveIntegerField(_("working days suspended"), default=0, editable=False)
    # a recorded decision awaiting a leader's approval (seed letter 7301 §1.3 "Cập nhật và phê duyệt Quyết định")
    pending_decision_kind = models.CharField(_("decision awaiting approval"), max_length=16, blank=True,
                                             editable=False)
    decision_recorded_by = _user_fk(_("decision recorded by"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("audit case")
        verbose_name_plural = _("audit cases")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="audit_case_number_unique_per_unit",
                                    violation_error_message=_("This number is already used in this unit.")),
            models.CheckConstraint(condition=Q(extension_working_days__lte=10), name="audit_case_extension_max",
                                   violation_error_message=_("An extension is at most 10 working days.")),
        ]
        indexes = [models.Index(fields=["unit", "state", "due_on"], name="audit_case_unit_state_due"),
                   models.Index(fields=["enterprise", "state"], name="audit_case_ent_state")]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("audits:case_detail", args=[self.pk])

    @property
    def is_field(self) -> bool:
        return self.mode == AuditMode.FIELD


class RecordedLate(models.Model):
    """Recording bookkeeping shared by decisions and conclusions (SEED policy: recorded within N days of signing)."""

    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    recorded_late = models.BooleanField(_("recorded late"), default=False, editable=False)
    recording_delay_days = models.IntegerField(_("days from signing to recording"), default=0, editable=False)

    class Meta:
        abstract = True


class AuditDecision(RecordedLate):
    """An audit decision: the original, or an amendment, extension, suspension, resumption, cancellation."""

    case = models.ForeignKey(AuditCase, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("kind"), max_length=16, choices=DecisionKind.choices)
    number = models.CharField(_("decision number"), max_length=64)
    signed_on = models.DateField(_("signed on"), db_index=True)
    signer_name = models.CharField(_("signer"), max_length=255)
    signer_title = models.CharField(_("signer's title"), max_length=255)
    signer_unit = models.ForeignKey("org.Unit", verbose_name=_("signer's unit"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    signer_authority = models.CharField(_("authority (e.g. by authorisation)"), max_length=255, blank=True)
    team_leader = models.CharField(_("team leader"), max_length=255, blank=True)
    team_members = LimitedTextField(_("team members"), max_length=NOTE_MAX, blank=True)
    start_on = models.DateField(_("start"), null=True, blank=True)
    duration_working_days = models.PositiveSmallIntegerField(_("duration (working days)"), null=True, blank=True)
    extension_working_days = models.PositiveSmallIntegerField(_("extension (working days)"), null=True, blank=True)
    reason_code = models.CharField(_("legal reason"), max_length=32, blank=True)
    reason = LimitedTextField(_("reason"), max_length=NOTE_MAX, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    delivery_method = models.CharField(_("delivery method"), max_length=16, choices=DeliveryMethod.choices,
                                       blank=True)
    delivery_due_on = models.DateField(_("deliver by"), null=True, blank=True, editable=False)
    parent = models.ForeignKey("self", verbose_name=_("original decision"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    created_by = _user_fk(_("recorded by"), null=True, blank=True)
    approved_by = _user_fk(_("approved by"), null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    # a leader may return a decision awaiting approval (it never takes effect; the officer records a corrected one)
    returned_by = _user_fk(_("returned by"), null=True, blank=True, editable=False)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True, editable=False)
    return_note = LimitedTextField(_("reason for returning"), max_length=NOTE_MAX, blank=True, editable=False)
    legacy = models.BooleanField(_("imported from STQ01"), default=False, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("audit decision")
        verbose_name_plural = _("audit decisions")
        ordering = ["signed_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(kind="original", returned_at__isnull=True),
                                    name="audit_one_original_decision",
                                    violation_error_message=_("The case already has its audit decision.")),
            models.UniqueConstraint(fields=["case"], condition=Q(kind="extension", returned_at__isnull=True),
                                    name="audit_one_extension",
                                    violation_error_message=_("The audit has already been extended once.")),
            models.UniqueConstraint(fields=["case"], condition=Q(approved_at__isnull=True, returned_at__isnull=True)
                                    & ~Q(kind="original"),
                                    name="audit_one_decision_awaiting_approval",
                                    violation_error_message=_("A decision of this case is awaiting approval.")),
            models.CheckConstraint(condition=Q(returned_at__isnull=True) | Q(approved_at__isnull=True),
                                   name="audit_decision_returned_not_approved",
                                   violation_error_message=_("A returned decision is not approved.")),
            models.CheckConstraint(condition=~Q(kind="cancellation") | ~Q(reason_code=""),
                                   name="audit_cancellation_has_reason",
                                   violation_error_message=_("A cancellation needs its legal reason.")),
            models.CheckConstraint(condition=~Q(kind="extension") | Q(extension_working_days__gte=1,
                                                                      extension_working_days__lte=10),
                                   name="audit_extension_length",
                                   violation_error_message=_("An extension is 1 to 10 working days.")),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_kind_display()})"

    @property
    def owning_unit(self):
        return self.case.unit


class AuditConclusion(RecordedLate):
    """The audit conclusion (form 05) or the desk audit's result notice (form 06); supplementary after an expert
    opinion. Only conclusions approved by a leader count in figures."""

    case = models.ForeignKey(AuditCase, on_delete=models.PROTECT, related_name="conclusions")
    is_result_notice = models.BooleanField(_("result notice (desk audit)"), default=False)
    supplementary = models.BooleanField(_("supplementary conclusion"), default=False)
    number = models.CharField(_("number"), max_length=64)
    signed_on = models.DateField(_("signed on"), db_index=True)
    signer_name = models.CharField(_("signer"), max_length=255)
    signer_title = models.CharField(_("signer's title"), max_length=255, blank=True)
    approved_by = _user_fk(_("approved by"), null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    has_violations = models.BooleanField(_("violations found"), default=False)
    declarations_concerned = models.PositiveIntegerField(_("declarations audited"), default=0)
    declarations_accepted = models.PositiveIntegerField(_("declarations accepted"), default=0)
    declarations_adjusted = models.PositiveIntegerField(_("declarations adjusted"), default=0)
    declarant_reservation = LimitedTextField(_("declarant's reservations"), max_length=TEXT_MAX, blank=True)
    handling_measures = LimitedTextField(_("handling measures"), max_length=TEXT_MAX, blank=True)
    created_by = _user_fk(_("recorded by"), null=True, blank=True)
    legacy = models.BooleanField(_("imported from STQ01"), default=False, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("audit conclusion")
        verbose_name_plural = _("audit conclusions")
        ordering = ["signed_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(supplementary=False),
                                    name="audit_one_main_conclusion",
                                    violation_error_message=_("The case already has its conclusion.")),
            models.CheckConstraint(
                condition=Q(declarations_accepted__lte=models.F("declarations_concerned"))
                & Q(declarations_adjusted__lte=models.F("declarations_concerned")),
                name="audit_conclusion_declaration_counts",
                violation_error_message=_("Accepted and adjusted declarations cannot exceed those audited."),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def owning_unit(self):
        return self.case.unit

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class ConclusionFinding(models.Model):
    """The finding of a conclusion for one risk area, with the amounts assessed (integer VND)."""

    conclusion = models.ForeignKey(AuditConclusion, on_delete=models.CASCADE, related_name="findings")
    risk_area = models.ForeignKey("core.RiskArea", verbose_name=_("risk area"), on_delete=models.PROTECT,
                                  related_name="+")
    finding = LimitedTextField(_("finding"), max_length=TEXT_MAX)
    has_violation = models.BooleanField(_("violation"), default=False)
    declarations_count = models.PositiveIntegerField(_("declarations"), default=0)
    import_duty = _money(_("import/export duty"))
    vat = _money(_("VAT"))
    excise = _money(_("excise tax"))
    environmental = _money(_("environmental protection tax"))
    trade_remedy = _money(_("trade remedy duty"))
    fine = _money(_("fines proposed"))
    late_interest = _money(_("late-payment interest"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("conclusion finding")
        verbose_name_plural = _("conclusion findings")
        ordering = ["risk_area__order", "risk_area__code", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(import_duty__gte=0, vat__gte=0, excise__gte=0, environmental__gte=0, trade_remedy__gte=0,
                            fine__gte=0, late_interest__gte=0),
                name="audit_finding_amounts_nonnegative",
                violation_error_message=_("Amounts cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(has_violation=True) | Q(import_duty=0, vat=0, excise=0, environmental=0, trade_remedy=0,
                                                    fine=0, late_interest=0),
                name="audit_finding_amounts_mark_violation",
                violation_error_message=_("A finding with amounts assessed is a violation."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conclusion} · {self.risk_area.code}"

    @property
    def has_amounts(self) -> bool:
        return bool(self.tax_total or self.fine or self.late_interest)

    def save(self, *args, **kwargs):
        # Form 20 counts violations by finding area: a finding with amounts assessed is a violation (derived)
        if self.has_amounts:
            self.has_violation = True
        super().save(*args, **kwargs)

    @property
    def tax_total(self) -> int:
        return sum(getattr(self, t) for t in TAX_TYPES)


class TaxAssessment(models.Model):
    """A tax-assessment decision (quyết định ấn định thuế) issued after the audit."""

    case = models.ForeignKey(AuditCase, on_delete=models.PROTECT, related_name="tax_assessments")
    number = models.CharField(_("number"), max_length=64)
    issued_on = models.DateField(_("issued on"))
    import_duty = _money(_("import/export duty"))
    vat = _money(_("VAT"))
    excise = _money(_("excise tax"))
    environmental = _money(_("environmental protection tax"))
    trade_remedy = _money(_("trade remedy duty"))
    created_by = _user_fk(_("recorded by"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tax-assessment decision")
        verbose_name_plural = _("tax-assessment decisions")
        ordering = ["issued_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(import_duty__gte=0, vat__gte=0, excise__gte=0, environmental__gte=0, trade_remedy__gte=0),
                name="audit_assessment_amounts_nonnegative", violation_error_message=_("Amounts cannot be negative."),
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def tax_total(self) -> int:
        return sum(getattr(self, t) for t in TAX_TYPES)


class PenaltyDecision(models.Model):
    """An administrative-penalty decision."""

    case = models.ForeignKey(AuditCase, on_delete=models.PROTECT, related_name="penalties")
    number = models.CharField(_("number"), max_length=64)
    issued_on = models.DateField(_("issued on"), db_index=True)
    legal_article = models.CharField(_("legal article"), max_length=255)
    amount = models.BigIntegerField(_("fine (VND)"), default=0)
    signer_name = models.CharField(_("signer"), max_length=255, blank=True)
    created_by = _user_fk(_("recorded by"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("penalty decision")
        verbose_name_plural = _("penalty decisions")
        ordering = ["issued_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="audit_penalty_amount_nonnegative",
                                              violation_error_message=_("Amounts cannot be negative."))]

    def __str__(self) -> str:
        return self.number


class Payment(models.Model):
    """An amount actually collected (partial payments are separate rows)."""

    case = models.ForeignKey(AuditCase, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField(_("paid on"), db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=PaymentKind.choices)
    amount = models.BigIntegerField(_("amount (VND)"))
    reference = models.CharField(_("reference (receipt, treasury voucher)"), max_length=255, blank=True)
    recorded_by = _user_fk(_("recorded by"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="audit_payment_amount_positive",
                                              violation_error_message=_("A payment is a positive amount."))]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount}"


class Referral(models.Model):
    """A referral to specialised inspection (thanh tra chuyên ngành) or another body."""

    case = models.ForeignKey(AuditCase, on_delete=models.PROTECT, related_name="referrals")
    referred_on = models.DateField(_("referred on"))
    body = models.CharField(_("referred to"), max_length=255)
    reason = LimitedTextField(_("reason"), max_length=NOTE_MAX)
    created_by = _user_fk(_("recorded by"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["referred_on", "id"]

    def __str__(self) -> str:
        return f"{self.referred_on} {self.body}"


class Complaint(models.Model):
    """A complaint against a decision of the audit (first or second instance)."""

    case = models.ForeignKey(AuditCase, on_delete=models.PROTECT, related_name="complaints")
    instance = models.PositiveSmallIntegerField(_("instance"), choices=[(1, _("First instance")),
                                                                       (2, _("Second instance"))])
    filed_on = models.DateField(_("filed on"))
    complainant = models.CharField(_("complainant"), max_length=255)
    contested = LimitedTextField(_("contested decision"), max_length=TEXT_MAX)
    resolver_name = models.CharField(_("resolver"), max_length=255, blank=True)
    resolver_unit = models.CharField(_("resolver's unit"), max_length=255, blank=True)
    decision_number = models.CharField(_("resolution decision number"), max_length=64, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=ComplaintResult.choices, blank=True)
    outcome = LimitedTextField(_("outcome"), max_length=TEXT_MAX, blank=True)
    created_by = _user_fk(_("recorded by"), null=True, blank=True)
    # simple-history's historical rows have an `instance` property of their own: keep that name off them
    history = HistoricalRecords(excluded_fields=["instance"])

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["filed_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(instance__in=[1, 2]), name="audit_complaint_instance",
                                              violation_error_message=_("The instance is 1 or 2."))]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_instance_display()}"


class CaseDocument(models.Model):
    """A scanned decision, minutes or conclusion (PDF), stored with its SHA-256 checksum."""

    case = models.ForeignKey(AuditCase, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("title"), max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    file = models.FileField(_("file"), upload_to=GeneratedName("audits"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0, editable=False)
    uploaded_by = _user_fk(_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title
