"""Risk engine (domain A1.6, B5): rule criteria and their hits, model versions and declaration scores, the
enterprise risk score, audit target lists and unusual-transaction alerts.

Declarations and enterprises are joined by tax code (declarations carry no FK to enterprises, see
``stq.declarations.models``), so the tables of this app that describe an enterprise keep the tax code as an
indexed string, plus an FK where the enterprise must exist (target-list picks, alerts turned into work).
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


class Criterion(models.Model):
    """A rule criterion (tiêu chí): a condition KIND from ``stq.risk.criteria.KINDS`` with JSON parameters
    validated by that kind, a weight and plain-language guidance, maintained by risk managers."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("condition kind"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    risk_area = models.ForeignKey("core.RiskArea", verbose_name=_("risk area"), on_delete=models.PROTECT,
                                  related_name="+")
    weight = models.PositiveSmallIntegerField(_("weight (1–100)"), default=50)
    rationale = LimitedTextField(_("rationale"), max_length=TEXT_MAX)
    instructions = LimitedTextField(_("instructions for the officer"), max_length=TEXT_MAX, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    owner_unit = models.ForeignKey("org.Unit", verbose_name=_("owner unit"), on_delete=models.PROTECT,
                                   related_name="+")
    active = models.BooleanField(pgettext_lazy("criterion", "active"), default=True)
    hit_count = models.PositiveIntegerField(_("hits"), default=0, editable=False)
    enterprise_count = models.PositiveIntegerField(_("enterprises hit"), default=0, editable=False)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1) & Q(weight__lte=100), name="risk_criterion_weight",
                                   violation_error_message=_("The weight is between 1 and 100.")),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                                   name="risk_criterion_validity",
                                   violation_error_message=_("The end of validity must not precede its start.")),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def owning_unit(self):
        return self.owner_unit

    def is_valid_on(self, day) -> bool:
        return self.active and self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class CriteriaRun(models.Model):
    """One batch evaluation of the criteria (all of them, or those of one import)."""

    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    as_of = models.DateField(_("as of"))
    trigger = models.CharField(_("trigger"), max_length=16, default="manual")
    criteria = models.PositiveIntegerField(_("criteria"), default=0)
    hits = models.PositiveIntegerField(_("hits"), default=0)
    seconds = models.FloatField(_("duration (s)"), default=0)

    class Meta:
        verbose_name = _("criteria run")
        verbose_name_plural = _("criteria runs")
        ordering = ["-started_at"]


class CriterionHit(models.Model):
    """A declaration (or an enterprise, for enterprise-level kinds) matching a criterion in the latest run."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="hits")
    run = models.ForeignKey(CriteriaRun, on_delete=models.CASCADE, related_name="+")
    tax_code = models.CharField(_("tax code"), max_length=13)
    declaration = models.ForeignKey("declarations.Declaration", on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="+", db_constraint=False)
    registered_on = models.DateField(_("date"))
    value = models.FloatField(_("measured value"), null=True, blank=True)
    reference = models.FloatField(_("reference value"), null=True, blank=True)

    class Meta:
        verbose_name = _("criterion hit")
        verbose_name_plural = _("criterion hits")
        indexes = [
            models.Index(fields=["tax_code", "registered_on"], name="risk_hit_tax_date"),
            models.Index(fields=["criterion", "registered_on"], name="risk_hit_criterion_date"),
        ]


class ModelVersion(models.Model):
    """A trained declaration-risk model (``stq.risk.ml``): its training window, features, metrics and artefact."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    created_at = models.DateTimeField(_("trained at"), default=timezone.now)
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    source = models.CharField(_("training data"), max_length=255)
    training_from = models.DateField(_("training from"))
    training_to = models.DateField(_("training to"))
    rows = models.PositiveIntegerField(_("training rows"), default=0)
    features = models.JSONField(_("features"), default=list)
    metrics = models.JSONField(_("metrics"), default=dict)
    config = models.JSONField(_("configuration"), default=dict)
    artefact_path = models.CharField(_("artefact directory"), max_length=500)
    artefact_sha256 = models.CharField(_("artefact checksum (SHA-256)"), max_length=64)
    seconds = models.FloatField(_("training time (s)"), default=0)
    is_active = models.BooleanField(_("in use"), default=False)

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="risk_one_active_model",
                                    violation_error_message=_("Only one model version is in use at a time.")),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"


class DeclarationScore(models.Model):
    """The learned model's score of one stored declaration (its highest-scoring goods line)."""

    declaration = models.OneToOneField("declarations.Declaration", on_delete=models.CASCADE, primary_key=True,
                                       related_name="+", db_constraint=False)
    model = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    tax_code = models.CharField(_("tax code"), max_length=13)
    registered_on = models.DateField(_("date"))
    probability = models.FloatField(_("probability of violation"))
    duty_at_stake = models.BigIntegerField(_("duty at stake (VND)"), default=0)
    score = models.FloatField(_("ranking score"))
    explanations = models.JSONField(_("top explanations"), default=list)
    # the place of the riskiest goods line among the declaration's lines (line_no order) of the declarations whose
    # explanations are shown — the riskiest of their scoring batch —, explained when first read
    # (``training.stored_explanations``); null: no explanations
    explain_row = models.IntegerField(_("line to explain"), null=True, blank=True)
    scored_at = models.DateTimeField(_("scored at"), default=timezone.now)

    class Meta:
        verbose_name = _("declaration score")
        verbose_name_plural = _("declaration scores")
        indexes = [models.Index(fields=["tax_code", "registered_on"], name="risk_dscore_tax_date")]


class Classification(models.TextChoices):
    TARGET = "target", _("PCA target")
    MONITOR = "monitor", _("To be monitored")
    NOT_TO_AUDIT = "not_to_audit", _("Not to be audited")


class EnterpriseRisk(models.Model):
    """The current risk assessment of one enterprise (recomputed daily and on demand), see ``scoring``."""

    tax_code = models.CharField(_("tax code"), max_length=13, unique=True)
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="+")
    computed_on = models.DateField(_("computed on"))
    score = models.FloatField(_("risk score (0–100)"))
    probability = models.FloatField(_("probability of violation"))
    impact = models.FloatField(_("impact"))
    detectability = models.FloatField(_("detectability"))
    duty_at_stake = models.BigIntegerField(_("taxes in the last 365 days (VND)"), default=0)
    risk_class = models.PositiveSmallIntegerField(_("risk class"), null=True, blank=True)
    compliance_level = models.PositiveSmallIntegerField(_("compliance level"), null=True, blank=True)
    classification = models.CharField(_("classification"), max_length=16, choices=Classification.choices)
    last_audit_on = models.DateField(_("last audit"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list)

    class Meta:
        verbose_name = _("enterprise risk")
        verbose_name_plural = _("enterprise risks")
        indexes = [models.Index(fields=["classification", "-score"], name="risk_ent_class_score")]


class EnterpriseRiskHistory(models.Model):
    tax_code = models.CharField(_("tax code"), max_length=13)
    computed_on = models.DateField(_("computed on"))
    score = models.FloatField(_("risk score (0–100)"))
    risk_class = models.PositiveSmallIntegerField(_("risk class"), null=True, blank=True)
    classification = models.CharField(_("classification"), max_length=16, choices=Classification.choices)

    class Meta:
        verbose_name = _("enterprise risk history")
        verbose_name_plural = _("enterprise risk history")
        constraints = [models.UniqueConstraint(fields=["tax_code", "computed_on"], name="risk_ent_history_day")]


class TargetList(models.Model):
    """A unit's audit target list for a period (year, half ``2026-H1`` or quarter ``2026-Q3``)."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=7)
    period_from = models.DateField(_("from"))
    period_to = models.DateField(_("to"))
    capacity = models.PositiveIntegerField(_("capacity"))
    exploration_share = models.FloatField(_("exploration share"), default=0.1)
    seed = models.BigIntegerField(_("random seed"))
    notes = models.JSONField(_("notes"), default=list)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    seconds = models.FloatField(_("generation time (s)"), default=0)

    class Meta:
        verbose_name = _("audit target list")
        verbose_name_plural = _("audit target lists")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="risk_one_list_per_unit_period",
                                    violation_error_message=_("This unit already has a list for this period.")),
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.period}"

    @property
    def owning_unit(self):
        return self.unit


class PickKind(models.TextChoices):
    SCORE = "score", _("Selected by risk score")
    EXPLORATION = "exploration", _("Random exploration (compliance assessment)")


class TargetPick(models.Model):
    target_list = models.ForeignKey(TargetList, on_delete=models.CASCADE, related_name="picks")
    period = models.CharField(_("period"), max_length=7)
    enterprise = models.ForeignKey("enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="+")
    rank = models.PositiveIntegerField(_("rank"))
    kind = models.CharField(_("kind"), max_length=12, choices=PickKind.choices)
    score = models.FloatField(_("risk score"), default=0)
    reasons = models.JSONField(_("reasons"), default=list)
    info_collection = models.ForeignKey("collection.InfoCollection", on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+")

    class Meta:
        verbose_name = _("target-list pick")
        verbose_name_plural = _("target-list picks")
        ordering = ["target_list", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "enterprise"], name="risk_one_list_per_enterprise_period",
                violation_error_message=_("This enterprise is already on another unit's list for this period."),
            ),
        ]

    @property
    def owning_unit(self):
        return self.target_list.unit


class AlertKind(models.TextChoices):
    VOLUME_SURGE = "volume_surge", _("Volume far above the enterprise's own history")
    PRICE_OUTLIER = "price_outlier", _("Unit price far from peers (same HS code and origin)")
    NEW_ORIGIN = "new_origin", _("Goods from an origin never used before by the enterprise")


class AlertState(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DISMISSED = "dismissed", _("Dismissed")
    CONVERTED = "converted", _("Turned into an information collection")


class AlertScan(models.Model):
    """One scan of an import for unusual transactions (one per import job: the scan is idempotent)."""

    import_job_id = models.BigIntegerField(_("import"), unique=True)
    scanned_at = models.DateTimeField(_("scanned at"), default=timezone.now)
    alerts = models.PositiveIntegerField(_("alerts"), default=0)
    seconds = models.FloatField(_("duration (s)"), default=0)


class Alert(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    tax_code = models.CharField(_("tax code"), max_length=13, db_index=True)
    enterprise = models.ForeignKey("enterprises.Enterprise", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    scan = models.ForeignKey(AlertScan, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    details = models.JSONField(_("details"), default=dict)
    declaration_numbers = models.JSONField(_("declarations"), default=list)
    state = models.CharField(_("state"), max_length=12, choices=AlertState.choices, default=AlertState.NEW)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    dismiss_reason = LimitedTextField(_("reason for dismissal"), max_length=NOTE_MAX, blank=True)
    info_collection = models.ForeignKey("collection.InfoCollection", on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["state", "-raised_at"], name="risk_alert_state")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="dismissed") | ~Q(dismiss_reason=""), name="risk_alert_dismiss_reason",
                violation_error_message=_("A dismissal needs a reason."),
            ),
        ]


class ScoringRun(models.Model):
    """One run of ``score_declarations``: the distribution of its scores and the drift of the model's main
    features against the training data (population stability index, ``stq.risk.ml.drift``)."""

    model = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="scoring_runs")
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    declarations = models.PositiveIntegerField(_("declarations scored"), default=0)
    lines = models.PositiveIntegerField(_("goods lines scored"), default=0)
    scored_from = models.DateField(_("declarations from"), null=True, blank=True)
    scored_to = models.DateField(_("declarations to"), null=True, blank=True)
    score_psi = models.FloatField(_("score drift (PSI)"), null=True, blank=True)
    max_feature_psi = models.FloatField(_("largest feature drift (PSI)"), null=True, blank=True)
    feature_psi = models.JSONField(_("feature drift (PSI)"), default=dict, blank=True)
    score_distribution = models.JSONField(_("score distribution"), default=dict, blank=True)

    class Meta:
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(condition=Q(score_psi__isnull=True) | Q(score_psi__gte=0),
                                   name="risk_scoring_run_psi_positive"),
        ]


class BacktestState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", pgettext_lazy("background job", "Done")  # finished (a change request's "Done" is "carried out")
    FAILED = "failed", _("Failed")


class BackgroundJob(models.Model):
    """Long work a user asks for from a page and the task queue does (a policy backtest, a model training): who and
    when, its state, ``progress`` 0–100 that the page polls, its result or error, when it finished."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=16, choices=BacktestState.choices, default=BacktestState.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = LimitedTextField(_("error"), max_length=NOTE_MAX, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True

    def advance(self, percent: int, **fields) -> None:
        """Record progress (and any other field) on the row at once, for the page that polls it."""
        self.progress = percent
        for name, value in fields.items():
            setattr(self, name, value)
        type(self).objects.filter(pk=self.pk).update(progress=percent, **fields)

    def finish(self, state: str, **fields) -> None:
        type(self).objects.filter(pk=self.pk).update(state=state, finished_at=timezone.now(), **fields)
        self.refresh_from_db()

    @staticmethod
    def error_text(exc: BaseException) -> str:
        """A crash as the requester reads it (the traceback goes to the worker's log)."""
        return f"{type(exc).__name__}: {exc}"[:NOTE_MAX]


class PolicyBacktest(BackgroundJob):
    """What a targeting policy (criteria, model version, capacity per unit and month, exploration share) would have
    found on the stored declarations of a past period, against random selection and the criteria alone
    (``stq.risk.policy_backtest``). Computed in the background; ``progress`` 0–100."""

    period_from = models.DateField(_("period from"))
    period_to = models.DateField(_("period to"))
    criteria = models.ManyToManyField(Criterion, verbose_name=_("criteria"), blank=True, related_name="+")
    model = models.ForeignKey(ModelVersion, verbose_name=_("model version"), on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+")
    capacity = models.PositiveIntegerField(_("inspections per unit and month"))
    exploration_share = models.FloatField(_("exploration share"), default=0.0)
    seed = models.PositiveIntegerField(_("random seed"), default=0)

    class Meta:
        verbose_name = _("policy backtest")
        verbose_name_plural = _("policy backtests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(period_from__lte=models.F("period_to")),
                                   name="risk_backtest_period_order"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="risk_backtest_capacity_positive"),
            models.CheckConstraint(condition=Q(exploration_share__gte=0) & Q(exploration_share__lte=0.5),
                                   name="risk_backtest_exploration_share_range"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="risk_backtest_progress_range"),
        ]

    def __str__(self) -> str:
        return f"{self.period_from} – {self.period_to}"


class TrainingRun(BackgroundJob):
    """A training of the declaration-risk model asked for from the models page: read the audit outcomes, train,
    put the new version in use and score the stored declarations, in the background (the task queue, like
    ``PolicyBacktest``); ``progress`` 0–100 and ``stage`` say where it is. One at a time (a database constraint).
    A failure keeps a ``failure`` code with its parameters, shown in the reader's language."""

    class Stage(models.TextChoices):
        QUEUED = "queued", _("Waiting for the background worker")
        READING = "reading", _("Reading the audit outcomes and their declarations")
        TRAINING = "training", _("Training the model")
        SCORING = "scoring", _("Scoring the stored declarations")
        DONE = "done", pgettext_lazy("background job", "Done")

    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.QUEUED)
    under_way = models.BooleanField(_("under way"), default=True)
    model_version = models.ForeignKey(ModelVersion, verbose_name=_("model version"), on_delete=models.SET_NULL,
                                      null=True, blank=True, related_name="+")
    failure = models.JSONField(_("failure"), default=dict, blank=True)

    class Meta:
        verbose_name = _("model training")
        verbose_name_plural = _("model trainings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["under_way"], condition=Q(under_way=True),
                                    name="risk_one_training_at_a_time",
                                    violation_error_message=_("A training is already under way.")),
            models.CheckConstraint(condition=Q(progress__lte=100), name="risk_training_progress_range"),
        ]
