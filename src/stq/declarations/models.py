"""Customs declarations (tờ khai hải quan) at national scale — domain A1.6, B7, B8.

Storage. Vietnam files 15–20 M declarations a year (≈ 50–80 M goods lines); five years are kept live. On PostgreSQL
the headers, the goods lines and the stored scores (``risk.DeclarationScore``) are **partitioned by month** on
``registered_on`` (migration 0006, ``partitions``; design, plans and limits in ``benchmarks/PARTITIONING.md``):

- every query that reads them bounds ``registered_on`` on *each* of them — the lines carry their header's date
  (``DeclarationLine.registered_on``, written by the import) because a partitioned table is pruned on its own
  columns only;
- every unique key holds the date: the database's primary keys are ``(id, registered_on)`` (headers, lines) and
  ``(declaration_id, registered_on)`` (scores), while Django's state keeps ``id`` as the ORM's primary key (Django
  5.2 cannot point a foreign key at a composite primary key; the ids come from one sequence and stay unique);
- the number alone cannot be a unique key of the headers any more: the registry ``DeclarationNumber``, kept by
  database triggers, holds it (B7) and serves every lookup by number (``selectors.by_number``);
- partitions are made ahead by the daily job (``manage.py ensure_partitions``) and by the import for the months of
  an older file; ``manage.py archive_declarations --before YYYY-MM`` detaches old months into the schema
  ``archive``. The activity profile (``ActivityMonth``) is not partitioned and keeps an enterprise's history.

SQLite (the demo) keeps plain tables with the same columns and Django's keys, and the same registry triggers. Indexes:
``(importer_exporter_tax_code, registered_on)``, ``(declarant_tax_code, registered_on)`` and ``(registered_on)``
serve every search of this app (tax code + date range, date range alone) within the months asked.

Tax codes are plain indexed strings (no foreign key to ``enterprises.Enterprise``): declarations arrive before the
enterprise is known to STQ, and a FK check on 50 M rows a year is pure cost.

History. django-simple-history on these tables would double every bulk write (one historical row per line). The
only change a declaration undergoes is an *amendment* (a higher revision digit, B7): the replaced revision is kept
as one ``DeclarationRevision`` row holding its header and lines as JSON, written in the same SQL statement batch
that replaces it. ``ImportJob`` is an ordinary business object and keeps simple-history.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from stq.core.limits import NOTE_MAX, LimitedTextField


class Flow(models.TextChoices):
    IMPORT = "I", _("Import")
    EXPORT = "E", _("Export")


class Channel(models.IntegerChoices):
    GREEN = 1, _("Green")
    YELLOW = 2, _("Yellow")
    RED = 3, _("Red")


class Declaration(models.Model):
    """The current revision of a declaration (header). Money in integer VND, invoice value in its currency."""

    # unique through Meta.constraints (a unique *field* would add a second, LIKE-only index on PostgreSQL that no
    # query uses: numbers are looked up by equality)
    base_number = models.CharField(_("declaration number (11 digits)"), max_length=11)
    revision = models.PositiveSmallIntegerField(_("revision"), default=0)
    registered_on = models.DateField(_("registration date"))
    customs_office = models.CharField(_("customs office"), max_length=10)
    procedure_type = models.CharField(_("procedure type"), max_length=5)
    flow = models.CharField(_("flow"), max_length=1, choices=Flow.choices)
    channel = models.PositiveSmallIntegerField(_("channel"), choices=Channel.choices)
    declarant_tax_code = models.CharField(_("declarant tax code"), max_length=13)
    importer_exporter_tax_code = models.CharField(_("importer/exporter tax code"), max_length=13)
    partner_name = models.CharField(_("foreign partner"), max_length=200, blank=True)
    partner_country = models.CharField(_("partner country"), max_length=2, blank=True)
    transport_mode = models.CharField(_("transport mode"), max_length=2, blank=True)
    incoterms = models.CharField(_("Incoterms"), max_length=3, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="VND")
    exchange_rate = models.DecimalField(_("exchange rate"), max_digits=14, decimal_places=4, default=1)
    invoice_value = models.DecimalField(_("invoice value"), max_digits=20, decimal_places=2, default=0)
    customs_value = models.BigIntegerField(_("customs value (VND)"), default=0)
    total_tax = models.BigIntegerField(_("total taxes (VND)"), default=0)
    line_count = models.PositiveIntegerField(_("goods lines"), default=0)
    import_job = models.ForeignKey("ImportJob", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", db_constraint=False)

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        indexes = [
            models.Index(fields=["importer_exporter_tax_code", "registered_on"], name="decl_ie_tax_date"),
            models.Index(fields=["declarant_tax_code", "registered_on"], name="decl_decl_tax_date"),
            models.Index(fields=["registered_on"], name="decl_date"),
        ]
        constraints = [
            # the number alone is unique through the registry (DeclarationNumber); a partitioned table's unique
            # keys must hold its partition key
            models.UniqueConstraint(fields=["base_number", "registered_on"], name="decl_number_date_unique",
                                    violation_error_message=_("This declaration number already exists.")),
            models.CheckConstraint(condition=models.Q(revision__lte=9), name="decl_revision_digit",
                                   violation_error_message=_("The revision is one digit (0–9).")),
            models.CheckConstraint(condition=models.Q(customs_value__gte=0), name="decl_value_not_negative",
                                   violation_error_message=_("The customs value cannot be negative.")),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        """The 12-character number: the 11-character base + the revision digit."""
        return f"{self.base_number}{self.revision}"

    def goods_lines(self):
        """Its goods lines in order, read from its month's partition only (the lines carry the header's date)."""
        return self.lines.filter(registered_on=self.registered_on).order_by("line_no")


class DeclarationLine(models.Model):
    # No index of its own: the unique (declaration, line_no) index serves every lookup by declaration. No database
    # constraint: lines are written only by the import, in the statement that reads the declaration ids it has just
    # written in the same transaction, and declarations are never deleted by SQL (a new revision keeps the id); a
    # per-row foreign-key check cost 6–8 s of the 2 M-line import (at commit). Deletes through Django still cascade.
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="lines", db_index=False,
                                    db_constraint=False)
    line_no = models.PositiveSmallIntegerField(_("line"))
    # the header's registration date, copied by the import: the partition key of the lines (a partitioned table is
    # pruned on its own columns only), so every query that reads lines bounds this date too
    registered_on = models.DateField(_("registration date"))
    hs_code = models.CharField(_("HS code"), max_length=8)
    description = models.CharField(_("description"), max_length=500, blank=True)
    origin_country = models.CharField(_("origin"), max_length=2)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=3, default=0)
    unit = models.CharField(pgettext_lazy("unit of measure", "unit"), max_length=10, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=20, decimal_places=4, default=0)
    customs_value = models.BigIntegerField(_("customs value (VND)"), default=0)
    import_duty_rate = models.DecimalField(_("import duty rate (%)"), max_digits=7, decimal_places=3, default=0)
    import_duty = models.BigIntegerField(_("import duty (VND)"), default=0)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=7, decimal_places=3, default=0)
    vat = models.BigIntegerField(_("VAT (VND)"), default=0)
    excise_rate = models.DecimalField(_("excise rate (%)"), max_digits=7, decimal_places=3, default=0)
    excise = models.BigIntegerField(_("excise (VND)"), default=0)
    environmental_tax = models.BigIntegerField(_("environmental tax (VND)"), default=0)
    trade_remedy_tax = models.BigIntegerField(_("trade remedy tax (VND)"), default=0)
    inspection_result = models.CharField(_("inspection result"), max_length=10, blank=True,
                                         help_text=_("Outcome of a physical/documentary inspection, when known."))

    class Meta:
        verbose_name = _("goods line")
        verbose_name_plural = _("goods lines")
        constraints = [
            models.UniqueConstraint(fields=["declaration", "line_no", "registered_on"], name="decl_line_unique",
                                    violation_error_message=_("This line number already exists.")),
        ]
        # no index on hs_code: every query filters it with LIKE 'prefix%' or SUBSTR, which a default B-tree cannot
        # serve under the database's collation (C.UTF-8 is not "C" for PostgreSQL 15; plans use a sequential scan)

    def __str__(self):
        return f"{self.declaration_id}/{self.line_no}"

    @property
    def total_tax(self) -> int:
        return self.import_duty + self.vat + self.excise + self.environmental_tax + self.trade_remedy_tax


class PeerPrice(models.Model):
    """The unit price of one import goods line (flow I, quantity and customs value above 0) with its peer group
    (HS code, origin, unit) and registration date: the sorted prices the peer medians of risk on arrival are read
    from (``stq.declarations.peer_prices``). Written only by the import, in the merge transaction that writes the
    lines (a replaced revision's prices go with its lines), so it always holds exactly the stored lines' prices."""

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    hs_code = models.CharField(_("HS code"), max_length=8)
    origin_country = models.CharField(_("origin"), max_length=2)
    unit = models.CharField(pgettext_lazy("unit of measure", "unit"), max_length=10, blank=True)
    registered_on = models.DateField(_("registration date"))
    price = models.FloatField(_("unit price (VND)"))  # customs value ÷ quantity, as DOUBLE PRECISION

    class Meta:
        verbose_name = _("peer price")
        verbose_name_plural = _("peer prices")
        # a group's prices in order, with their dates: its size in a period and its middle price are read from
        # the index alone (no sort, no join with the declarations)
        indexes = [models.Index(fields=["hs_code", "origin_country", "unit", "price"], include=["registered_on"],
                                name="decl_peer_price")]


class OriginDay(models.Model):
    """How many goods lines one enterprise declared with one (HS-6 code, origin) pair on one day, any flow: the
    pairs it has traded, from which the ``new_origin`` alert of risk on arrival reads whether a pair was seen
    before a day (its first day seen is its smallest ``registered_on``) and how many lines the enterprise had
    (``stq.declarations.origins``). Written only by the import, in the merge transaction that writes the lines: a
    replaced revision's lines are subtracted, an archived month's days deleted, so it always counts exactly the
    live stored lines (the count is what lets a line leave without reading the enterprise's other lines)."""

    tax_code = models.CharField(_("tax code"), max_length=13)
    hs6 = models.CharField(_("HS-6 code"), max_length=6)
    origin_country = models.CharField(_("origin"), max_length=2)
    registered_on = models.DateField(_("registration date"))
    lines = models.PositiveIntegerField(_("goods lines"))

    class Meta:
        verbose_name = _("traded origin")
        verbose_name_plural = _("traded origins")
        constraints = [
            # also the index of every read: an enterprise's pair before a day, an enterprise's days before a day
            models.UniqueConstraint(fields=["tax_code", "hs6", "origin_country", "registered_on"],
                                    name="decl_origin_day_unique"),
        ]


class DeclarationNumber(models.Model):
    """The registry of declaration numbers: one row per number, with its declaration's date and id (B7: one
    declaration per number). The headers are partitioned by month and a partitioned table cannot hold a unique key
    of the number alone, so this small plain table holds it, kept by database triggers on the headers (migration
    0006: every path that writes a header writes here in the same statement, and a second declaration with a stored
    number is refused by this primary key). It also serves every lookup by number alone (``selectors.by_number``):
    one index probe, then the header in its month's partition. An archived month's numbers stay here."""

    base_number = models.CharField(_("declaration number (11 digits)"), max_length=11, primary_key=True)
    registered_on = models.DateField(_("registration date"))
    declaration = models.ForeignKey(Declaration, on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                                    db_constraint=False)

    class Meta:
        verbose_name = _("declaration number")
        verbose_name_plural = _("declaration numbers")


class DeclarationRevision(models.Model):
    """A replaced revision of a declaration, kept whole (header and lines as JSON)."""

    base_number = models.CharField(_("declaration number (11 digits)"), max_length=11, db_index=True)
    revision = models.PositiveSmallIntegerField(_("revision"))
    header = models.JSONField(_("header"))
    lines = models.JSONField(_("lines"))
    replaced_at = models.DateTimeField(_("replaced at"), auto_now_add=True)
    replaced_by_job = models.ForeignKey("ImportJob", on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+")

    class Meta:
        verbose_name = _("replaced revision")
        verbose_name_plural = _("replaced revisions")
        ordering = ["base_number", "-revision"]

    @property
    def number(self) -> str:
        return f"{self.base_number}{self.revision}"


class ImportFormat(models.TextChoices):
    STQ = "stq", _("STQ layout (national system export)")
    KCS = "kcs", _("Public customs dataset (df_syn_*_eng.csv)")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Imported")
    VALIDATED = "validated", _("Validated (dry run)")
    FAILED = "failed", _("Refused: errors in the file")
    SKIPPED = "skipped", _("Already imported (no change)")
    CRASHED = "crashed", _("Stopped by an error")


def _import_path(instance, filename):
    return f"declarations/imports/{uuid.uuid4().hex}.csv"


def _errors_path(instance, filename):
    return f"declarations/errors/{uuid.uuid4().hex}.csv"


class ImportJob(models.Model):
    file = models.FileField(_("file"), upload_to=_import_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    format = models.CharField(_("format"), max_length=5, choices=ImportFormat.choices, default=ImportFormat.STQ)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    errors_count = models.PositiveIntegerField(_("errors"), default=0)
    errors_file = models.FileField(_("errors CSV"), upload_to=_errors_path, blank=True, max_length=200)
    declarations_new = models.PositiveIntegerField(_("new declarations"), default=0)
    declarations_replaced = models.PositiveIntegerField(_("replaced revisions"), default=0)
    lines_written = models.PositiveIntegerField(_("lines written"), default=0)
    message = LimitedTextField(_("message"), max_length=NOTE_MAX, blank=True)
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("declaration import")
        verbose_name_plural = _("declaration imports")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"#{self.pk} {self.original_name}"

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 100 if self.is_finished else 0
        return min(100, int(self.rows_done * 100 / self.rows_total))

    @property
    def is_finished(self) -> bool:
        return self.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING)


class ActivityMonth(models.Model):
    """One enterprise's activity in one month and flow — the activity profile, refreshed after each import."""

    tax_code = models.CharField(_("tax code"), max_length=13)
    month = models.DateField(_("month"))
    flow = models.CharField(_("flow"), max_length=1, choices=Flow.choices)
    declarations = models.PositiveIntegerField(_("declarations"), default=0)
    lines = models.PositiveIntegerField(_("goods lines"), default=0)
    value = models.BigIntegerField(_("customs value (VND)"), default=0)
    taxes = models.BigIntegerField(_("taxes (VND)"), default=0)
    channel_green = models.PositiveIntegerField(_("green"), default=0)
    channel_yellow = models.PositiveIntegerField(_("yellow"), default=0)
    channel_red = models.PositiveIntegerField(_("red"), default=0)
    procedure_types = models.JSONField(_("procedure types"), default=dict)
    # full maps {chapter or country: customs value} (summable; the profile shows the top ones)
    top_hs_chapters = models.JSONField(_("top HS chapters"), default=dict)
    top_origins = models.JSONField(_("top origin countries"), default=dict)
    first_on = models.DateField(_("first activity"))
    last_on = models.DateField(_("last activity"))

    class Meta:
        verbose_name = _("monthly activity")
        verbose_name_plural = _("monthly activity")
        constraints = [
            models.UniqueConstraint(fields=["tax_code", "month", "flow"], name="decl_activity_unique",
                                    violation_error_message=_("This month is already profiled.")),
        ]
        indexes = [models.Index(fields=["last_on"], name="decl_activity_last")]
