"""Units (a tree), users and role grants."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    # A context keeps these role names from lending their translations to the same words elsewhere.
    UNIT_ADMIN = "unit_admin", pgettext_lazy("role", "Unit administrator")
    OFFICER = "officer", pgettext_lazy("role", "Officer")
    APPROVER = "approver", pgettext_lazy("role", "Approver (leader)")
    ANALYST = "analyst", pgettext_lazy("role", "Analyst (read-only)")
    RISK_MANAGER = "risk_manager", pgettext_lazy("role", "Risk manager")


class UnitQuerySet(models.QuerySet):
    def subtree(self, unit: "Unit") -> "UnitQuerySet":
        """The unit and every unit below it: one indexed prefix filter."""
        return self.filter(path__startswith=unit.path)

    def root(self) -> "Unit | None":
        """The top of the tree (the national department)."""
        return self.filter(parent__isnull=True).order_by("path").first()

    def active_on(self, day) -> "UnitQuerySet":
        return self.filter(Q(valid_from__lte=day) | Q(valid_from__isnull=True)).filter(
            Q(valid_to__gte=day) | Q(valid_to__isnull=True)
        )


class UnitKind(models.TextChoices):
    """What a unit is, in both trees (before and after the 2025 reorganisation). Only a clearing office clears goods
    itself — a "Chi cục Hải quan" at a border gate or inland port before 3/2025, a border or inland customs office
    ("Hải quan cửa khẩu") after — so only it is bound by the 60-day limit of desk audits of its own dossiers
    (TT38-39 art 142.1.a, domain B9.2). The central audit unit and the regional sub-departments (Chi cục Hải quan
    khu vực) are not clearing offices, whatever their label."""

    NATIONAL = "national", _("National department")
    DEPARTMENT = "department", _("Provincial or regional department")
    CENTRAL_AUDIT = "central_audit", _("Central post-clearance audit unit")
    REGIONAL_SUBDEPARTMENT = "regional_subdepartment", _("Regional sub-department")
    AUDIT_SUBDEPARTMENT = "audit_subdepartment", _("Post-clearance audit sub-department")
    CLEARING_OFFICE = "clearing_office", _("Clearing office (border or inland customs office)")
    DIVISION = "division", _("Division or team")


class Unit(models.Model):
    """A customs unit. The tree is data: `path` is the materialised path of unit codes ("CHQ/KV01/KV01-PT/")."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=64, blank=True)
    level_label = models.CharField(
        _("level"), max_length=64, help_text=_("Cục, Chi cục, Phòng, Đội… — a label, not a fixed hierarchy")
    )
    kind = models.CharField(_("kind of unit"), max_length=32, choices=UnitKind.choices, default=UnitKind.DIVISION)
    customs_office_codes = models.JSONField(
        _("customs office codes"), default=list, blank=True,
        help_text=_("For a clearing office: the office codes its declarations carry (VNACCS), e.g. 01B1."),
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=512, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    region = models.CharField(_("region"), max_length=255, blank=True)
    valid_from = models.DateField(_("active from"), null=True, blank=True)
    valid_to = models.DateField(_("active until"), null=True, blank=True)
    is_department_scope = models.BooleanField(
        _("department level"),
        default=False,
        help_text=_("Leaders of a department-level unit approve proposals in the department's scope."),
    )
    history = HistoricalRecords()

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        indexes = [models.Index(fields=["path"], name="org_unit_path_like", opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="clearing_office") | Q(customs_office_codes=[]),
                name="org_unit_office_codes_only_for_clearing_offices",
                violation_error_message=_("Only a clearing office has customs office codes."),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="org_unit_valid_period",
                violation_error_message=_("The end of the active period must not precede its start."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def compute_path(self) -> str:
        return f"{self.parent.path if self.parent_id else ''}{self.code}/"

    def save(self, *args, **kwargs):
        self.path = self.compute_path()
        self.depth = self.path.count("/") - 1
        super().save(*args, **kwargs)

    @property
    def is_clearing_office(self) -> bool:
        return self.kind == UnitKind.CLEARING_OFFICE

    def is_within(self, other: "Unit") -> bool:
        """True when this unit is `other` or below it."""
        return self.path.startswith(other.path)

    def ancestors(self) -> "UnitQuerySet":
        codes = self.path.strip("/").split("/")
        return Unit.objects.filter(code__in=codes).order_by("depth")

    def department(self) -> "Unit":
        """The nearest department-scope unit at or above this one (the unit itself when none)."""
        for unit in reversed(list(self.ancestors())):
            if unit.is_department_scope:
                return unit
        return self


class User(AbstractUser):
    """A user account. `external_subject` is the central identity provider's `sub` claim."""

    full_name = models.CharField(_("full name"), max_length=255, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    title = models.CharField(pgettext_lazy("job title", "title"), max_length=128, blank=True)
    external_subject = models.CharField(_("external subject id"), max_length=255, null=True, blank=True, unique=True)
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username


class RoleGrantQuerySet(models.QuerySet):
    def active(self) -> "RoleGrantQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class RoleGrant(models.Model):
    """A role held by a user at a unit, optionally covering every unit below it.

    Grants are never deleted: revoking sets `revoked_at`; history records who did what and when.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="grants")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="grants")
    include_units_below = models.BooleanField(_("including units below"), default=False)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by")
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("revoked by")
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    history = HistoricalRecords()

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["unit__path", "user__username", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(role="unit_admin", revoked_at__isnull=True),
                name="org_one_active_unit_admin_per_unit",
                violation_error_message=_("This unit already has an active unit administrator."),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=Q(revoked_at__isnull=True),
                name="org_grant_unique_active",
                violation_error_message=_("This user already holds this role at this unit."),
            ),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"], name="org_grant_user_active")]

    def __str__(self) -> str:
        below = "+" if self.include_units_below else ""
        return f"{self.user} · {self.get_role_display()} · {self.unit.code}{below}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def covers(self, unit: Unit) -> bool:
        if self.include_units_below:
            return unit.path.startswith(self.unit.path)
        return unit.pk == self.unit_id
