"""Enterprise directory: enterprises (keyed by tax code), profile submissions (form 01/KTSTQ), the focus list
(danh sách doanh nghiệp trọng điểm) and the log of searches officers make ("search before you propose").

Field names of `Enterprise` are a contract with other apps (collection, declarations, risk): keep them stable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from stq.core.limits import NOTE_MAX, TEXT_MAX, LimitedTextField
from stq.core.texts import shown

from .taxcode import format_tax_code
from .text import normalize_name


class EnterpriseType(models.TextChoices):
    DOMESTIC = "domestic", _("Domestic enterprise")
    FDI = "fdi", _("Foreign-invested enterprise (FDI)")
    EPE = "epe", _("Export-processing enterprise (EPE)")


class ComplianceLevel(models.IntegerChoices):
    """TT81/2019 as amended by TT06/2024, art 10."""

    AEO = 1, _("Level 1 — priority (AEO)")
    VERY_HIGH = 2, _("Level 2 — very high compliance")
    HIGH = 3, _("Level 3 — high compliance")
    MEDIUM = 4, _("Level 4 — medium compliance")
    NON_COMPLIANT = 5, _("Level 5 — non-compliant")


class RiskClass(models.IntegerChoices):
    """TT81/2019 as amended, art 14."""

    AEO = 1, _("Class 1 — priority enterprise")
    VERY_LOW = 2, _("Class 2 — very low risk")
    LOW = 3, _("Class 3 — low risk")
    MEDIUM = 4, _("Class 4 — medium risk")
    HIGH = 5, _("Class 5 — high risk")
    VERY_HIGH = 6, _("Class 6 — very high risk")
    INACTIVE_CLEAN = 7, _("Class 7 — no activity in 365 days, never penalised")
    INACTIVE_PENALISED = 8, _("Class 8 — no activity in 365 days, penalised")
    INACTIVE_SERIOUS = 9, _("Class 9 — no activity in 365 days, serious violation")


class RiskArea(models.TextChoices):
    """Risk areas (lĩnh vực rủi ro), domain B4.4. Codes are inferred, not official."""

    DECLARATION_VS_DOCS = "DECLARATION_VS_DOCS", _("Declaration vs supporting documents")
    ACCOUNTING = "ACCOUNTING", _("Accounting books and records")
    USE_OF_GOODS = "USE_OF_GOODS", _("Management and use of goods")
    PHYSICAL = "PHYSICAL", _("Physical goods")
    VALUATION = "VALUATION", _("Customs valuation")
    CLASSIFICATION = "CLASSIFICATION", _("HS classification")
    ORIGIN = "ORIGIN", _("Origin")
    EXEMPTION_REFUND = "EXEMPTION_REFUND", _("Exemption, reduction, refund")
    PROCESSING_EXPORT_PRODUCTION = "PROCESSING_EXPORT_PRODUCTION", _("Processing, export production, EPE")
    RELATED_PARTY = "RELATED_PARTY", _("Related-party transactions")
    TRADE_POLICY = "TRADE_POLICY", _("Trade policy, licences, specialised inspection")


class EnterpriseSource(models.TextChoices):
    MANUAL = "manual", _("Entered by an officer")
    IMPORT = "import", pgettext_lazy("enterprise source", "Imported")
    DEMO = "demo", _("Demo data")


class Enterprise(models.Model):
    """An enterprise (or a branch of one) known to customs — the overall picture, domain B3."""

    # identity
    tax_code = models.CharField(
        _("tax code"), max_length=13, unique=True, help_text=_("10 digits, or 13 digits for a branch (0123456789-001)")
    )
    name = models.CharField(_("name"), max_length=500)
    name_search = models.CharField(max_length=500, editable=False, default="")
    international_name = models.CharField(_("international name"), max_length=500, blank=True)
    short_name = models.CharField(_("short name"), max_length=255, blank=True)
    head = models.ForeignKey(
        "self",
        verbose_name=_("head entity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
    )
    enterprise_type = models.CharField(
        _("enterprise type"), max_length=16, choices=EnterpriseType.choices, default=EnterpriseType.DOMESTIC
    )
    province_code = models.CharField(_("province code"), max_length=2, blank=True, editable=False)
    # addresses and premises
    head_office_address = models.CharField(_("head-office address"), max_length=500, blank=True)
    province = models.CharField(_("province / city"), max_length=128, blank=True)
    premises = LimitedTextField(
        _("branches, shops, production sites, warehouses"), max_length=TEXT_MAX, blank=True,
        help_text=_("One per line.")
    )
    factory_area_m2 = models.PositiveIntegerField(_("factory area (m²)"), null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # ownership and size
    legal_representative = models.CharField(_("legal representative"), max_length=255, blank=True)
    owner = models.CharField(_("owner"), max_length=255, blank=True)
    charter_capital = models.BigIntegerField(_("charter capital (VND)"), null=True, blank=True)
    year_established = models.PositiveSmallIntegerField(_("year established"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("number of employees"), null=True, blank=True)
    is_listed = models.BooleanField(_("listed on a stock exchange"), default=False)
    iso_9001 = models.BooleanField(_("ISO 9001 certified"), default=False)
    audited_financial_statements = models.BooleanField(_("audited financial statements"), default=False)
    accounting_software = models.CharField(_("accounting software"), max_length=255, blank=True)
    internal_control = LimitedTextField(_("internal control of the supply chain"), max_length=TEXT_MAX, blank=True)
    main_goods = LimitedTextField(_("main goods"), max_length=TEXT_MAX, blank=True)
    # AEO
    is_aeo = models.BooleanField(_("priority enterprise (AEO)"), default=False)
    aeo_decision_number = models.CharField(_("AEO decision number"), max_length=64, blank=True)
    aeo_decision_date = models.DateField(_("AEO decision date"), null=True, blank=True)
    aeo_valid_until = models.DateField(_("AEO valid until"), null=True, blank=True)
    # management
    managing_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("managing customs unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_enterprises",
    )
    # risk fields: written by the risk engine, editable only by risk managers
    compliance_level = models.PositiveSmallIntegerField(
        _("compliance level"), choices=ComplianceLevel.choices, null=True, blank=True
    )
    compliance_assessed_on = models.DateField(_("compliance assessed on"), null=True, blank=True)
    compliance_reason = LimitedTextField(_("compliance reason"), max_length=NOTE_MAX, blank=True)
    risk_class = models.PositiveSmallIntegerField(_("risk class"), choices=RiskClass.choices, null=True, blank=True)
    risk_classified_on = models.DateField(_("risk classified on"), null=True, blank=True)
    risk_reason = LimitedTextField(_("risk class reason"), max_length=NOTE_MAX, blank=True)
    # bookkeeping
    is_active = models.BooleanField(pgettext_lazy("enterprise", "active"), default=True)
    source = models.CharField(_("source"), max_length=16, choices=EnterpriseSource.choices, default="manual")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    RISK_FIELDS = (
        "compliance_level",
        "compliance_assessed_on",
        "compliance_reason",
        "risk_class",
        "risk_classified_on",
        "risk_reason",
    )
    # written by the risk engine as codes with parameters (`core.texts.encode`), or typed by a risk manager
    REASON_FIELDS = ("compliance_reason", "risk_reason")

    def shown_compliance_reason(self) -> str:
        """The compliance reason in the reader's language (a reason typed by hand as it was typed)."""
        return shown(self.compliance_reason)

    def shown_risk_reason(self) -> str:
        """The risk class reason in the reader's language (a reason typed by hand as it was typed)."""
        return shown(self.risk_reason)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name_search", "tax_code"]
        indexes = [
            models.Index(fields=["name_search"], name="ent_name_search_like", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["tax_code"], name="ent_tax_code_like", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["managing_unit"], name="ent_managing_unit"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(compliance_level__isnull=True) | Q(compliance_level__gte=1, compliance_level__lte=5),
                name="ent_compliance_level_range",
                violation_error_message=_("The compliance level is between 1 and 5."),
            ),
            models.CheckConstraint(
                condition=Q(risk_class__isnull=True) | Q(risk_class__gte=1, risk_class__lte=9),
                name="ent_risk_class_range",
                violation_error_message=_("The risk class is between 1 and 9."),
            ),
            models.CheckConstraint(
                condition=Q(aeo_valid_until__isnull=True)
                | Q(aeo_decision_date__isnull=True)
                | Q(aeo_valid_until__gte=models.F("aeo_decision_date")),
                name="ent_aeo_validity",
                violation_error_message=_("The AEO validity must not end before the decision date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tax_code_display} — {self.name}"

    def save(self, *args, **kwargs):
        self.name_search = normalize_name(self.name)
        self.province_code = (self.tax_code or "")[:2]
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_search"}
        super().save(*args, **kwargs)

    @property
    def tax_code_display(self) -> str:
        return format_tax_code(self.tax_code)

    @property
    def root_tax_code(self) -> str:
        return self.tax_code[:10]

    @property
    def is_branch(self) -> bool:
        return len(self.tax_code) == 13

    @property
    def owning_unit(self):
        """For the policy: the managing unit, or the root unit when there is none."""
        if self.managing_unit_id:
            return self.managing_unit
        from stq.org.models import Unit

        return Unit.objects.root()

    def aeo_valid_on(self, day) -> bool:
        return bool(self.is_aeo and (self.aeo_valid_until is None or self.aeo_valid_until >= day))


class SubmissionSource(models.TextChoices):
    SUPPLIED = "supplied", _("Supplied by the enterprise")
    COLLECTED = "collected", _("Collected by customs")


class ProfileSubmission(models.Model):
    """Form 01/KTSTQ: what an enterprise supplied (or what customs collected) about its profile, recorded by a
    named officer of a unit on a date. Recording it accepts it: the changed fields are written to the enterprise
    at once and kept here (`changes`: [{field, old, new}]) with the history of the enterprise."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="submissions"
    )
    submitted_on = models.DateField(_("submission date"))
    source = models.CharField(_("source"), max_length=16, choices=SubmissionSource.choices)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(_("submitted data"), default=dict)
    changes = models.JSONField(_("changes"), default=list)
    note = LimitedTextField(_("note"), max_length=NOTE_MAX, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("profile submission (form 01/KTSTQ)")
        verbose_name_plural = _("profile submissions (form 01/KTSTQ)")
        ordering = ["-submitted_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"01/KTSTQ {self.enterprise.tax_code_display} {self.submitted_on:%d/%m/%Y}"

    @property
    def owning_unit(self):
        return self.unit


class FocusListEntry(models.Model):
    """An entry of the focus list: the enterprise is high-risk in one risk area over a period (TT81 art 3.18)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="focus_entries"
    )
    risk_area = models.CharField(_("risk area"), max_length=40, choices=RiskArea.choices)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("to"), null=True, blank=True)
    reason = LimitedTextField(_("reason"), max_length=NOTE_MAX)
    designating_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("designating unit"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("focus-list entry")
        verbose_name_plural = _("focus list")
        ordering = ["-valid_from", "enterprise__tax_code"]
        indexes = [models.Index(fields=["enterprise", "risk_area", "valid_from"], name="ent_focus_lookup")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="ent_focus_valid_period",
                violation_error_message=_("The end of the period must not precede its start."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise.tax_code_display} · {self.get_risk_area_display()}"

    @property
    def owning_unit(self):
        return self.designating_unit

    def covers(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class EnterpriseSearch(models.Model):
    """One search an officer made in the directory (audit-proposal rule: search before you propose)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    query = models.CharField(_("query"), max_length=255)
    normalized_query = models.CharField(_("normalised query"), max_length=255)
    matched_count = models.PositiveIntegerField(_("matched enterprises"), default=0)
    matched_tax_codes = models.JSONField(_("matched tax codes (first page)"), default=list)
    searched_at = models.DateTimeField(_("searched at"), default=timezone.now)

    class Meta:
        verbose_name = _("enterprise search")
        verbose_name_plural = _("enterprise searches")
        ordering = ["-searched_at"]
        indexes = [models.Index(fields=["user", "searched_at"], name="ent_search_user_time")]

    def __str__(self) -> str:
        return f"{self.user} · {self.query}"
