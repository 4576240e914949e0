"""Shared models: calendar swaps, the risk areas (reference data), number counters, case events, notifications, and
the workflow-case mixin."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .limits import NOTE_MAX, LimitedTextField


class CalendarDay(models.Model):
    """A government-announced change to the working-day calendar: an extra day off or a working weekend day."""

    class Kind(models.TextChoices):
        DAY_OFF = "off", _("Extra day off")
        WORKING_DAY = "working", _("Working day (swap)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("reason / announcing decision"), max_length=255)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar change")
        verbose_name_plural = _("calendar changes")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}"


class RiskArea(models.Model):
    """A risk area (lĩnh vực rủi ro), domain B4.4 — shared reference data, administrable: collections, audit
    proposals, cases and findings, risk criteria, reports and the STQ01 import all refer to it. Seeded from
    `stq.core.reference`. It was first defined in `collection`; its tables keep their names."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords(table_name="collection_historicalriskarea")

    class Meta:
        db_table = "collection_riskarea"
        verbose_name = _("risk area")
        verbose_name_plural = _("risk areas")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = (get_language() or "vi")[:2]
        return self.name_en if lang == "en" and self.name_en else self.name_vi


class NumberCounter(models.Model):
    """The last number issued per (unit, year, kind); locked and incremented with the insert it numbers."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=32)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year", "kind"], name="core_counter_unique")]


class CaseEvent(models.Model):
    """What happened to a case, in order: actor, action, from → to, note — a step of its workflow, a fact recorded
    on it (`action` names the fact; `before` / `after` what it changed), its creation or its import."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    case = GenericForeignKey("content_type", "object_id")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=64)
    from_state = models.CharField(_("from"), max_length=64, blank=True)
    to_state = models.CharField(_("to"), max_length=64, blank=True)
    note = LimitedTextField(_("note"), max_length=NOTE_MAX, blank=True)
    data = models.JSONField(default=dict, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"], name="core_event_case")]


class Notification(models.Model):
    """An in-app notification. `dedupe_key` keeps a scheduled reminder from being sent twice."""

    withheld = False  # set when read: the recipient no longer sees the case (see `notifications.notifications_of`)

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # the case the notification is about (None: not about a case): it is shown through the case type's visibility
    # scope when read, so a recipient who lost the grant no longer reads its number and state
    case_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    case_id = models.PositiveBigIntegerField(null=True, blank=True)
    title = models.CharField(_("title"), max_length=255)
    body = LimitedTextField(pgettext_lazy("notification", "message"), max_length=NOTE_MAX, blank=True)
    # the title and message as codes with parameters (`core.texts`), shown in the reader's language; `title` and
    # `body` keep the text as it read when sent (rows from before the codes have only that)
    message = models.JSONField(_("message code"), default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    level = models.CharField(max_length=16, default="info")
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    def shown_title(self) -> str:
        """The title in the reader's language (the stored text for rows sent before the codes)."""
        from .texts import render

        return render(self.message["title"]) if self.message.get("title") else self.title

    def shown_body(self) -> str:
        from .texts import render

        return render(self.message["body"]) if self.message.get("body") else self.body

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="core_notif_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=Q(dedupe_key__isnull=False), name="core_notif_dedupe"
            )
        ]


class WorkflowCase(models.Model):
    """Mixin for every case type run by the workflow engine (`stq.workflow.engine`).

    `state`, `due_on` and `due_kind` are written only by the engine. `version` is bumped on every change so that
    edits made on a stale copy are refused (optimistic concurrency) instead of overwriting silently.
    """

    state = models.CharField(_("state"), max_length=32, db_index=True, editable=False)
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due on"), null=True, blank=True, db_index=True, editable=False)
    due_kind = models.CharField(_("what is due"), max_length=64, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    workflow = None  # set by each concrete case type to its `stq.workflow.engine.Workflow`

    class Meta:
        abstract = True

    @property
    def owning_unit(self):
        return self.unit

    def get_state_display(self) -> str:
        """The state's label in the reader's language (the workflow declares the labels; `state` has no choices)."""
        return self.workflow.state_label(self.state) if self.workflow is not None else self.state

    def events(self):
        return CaseEvent.objects.filter(
            content_type=ContentType.objects.get_for_model(type(self)), object_id=self.pk
        ).select_related("actor")
