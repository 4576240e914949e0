"""Reads of units, users and grants."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from .models import RoleGrant, Unit, User


def users_with_roles(roles: Iterable[str], unit: Unit) -> QuerySet[User]:
    """Active users holding one of `roles` for `unit` (at the unit itself, or above it including units below)."""
    ancestor_paths = [unit.path[: i + 1] for i, ch in enumerate(unit.path) if ch == "/"]
    grants = RoleGrant.objects.active().filter(role__in=list(roles)).filter(
        Q(unit=unit) | Q(include_units_below=True, unit__path__in=ancestor_paths)
    )
    return User.objects.filter(is_active=True, pk__in=grants.values("user_id")).order_by("username")


def administered_unit(user, code: str) -> Unit | None:
    """The unit whose grants the user administers: its own, or a child whose administrator it appoints."""
    from . import policy
    from .models import Role

    unit = Unit.objects.filter(code=code).select_related("parent").first()
    if unit is None or not (policy.administers(user, unit) or policy.may_grant(user, Role.UNIT_ADMIN, unit)):
        return None
    return unit


def unit_tree() -> QuerySet[Unit]:
    return Unit.objects.order_by("path")


def grants_of_unit(unit: Unit, *, include_revoked: bool = False) -> QuerySet[RoleGrant]:
    qs = RoleGrant.objects.filter(unit=unit).select_related("user", "granted_by", "revoked_by", "unit")
    if not include_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return qs.order_by("user__username", "role")


def grant_log(unit: Unit) -> QuerySet:
    """Every change to the unit's grants (who, when, what), newest first."""
    return RoleGrant.history.filter(unit_id=unit.pk).select_related("history_user").order_by("-history_date")


def primary_grant(user) -> RoleGrant | None:
    """The grant shown in the layout: the highest role at the user's own unit, else any."""
    order = ["approver", "risk_manager", "analyst", "officer", "unit_admin"]
    grants = list(RoleGrant.objects.active().filter(user=user).select_related("unit"))
    grants.sort(key=lambda g: (g.unit_id != user.unit_id, order.index(g.role) if g.role in order else 99))
    return grants[0] if grants else None


def may_administer(user) -> bool:
    """May the user open the administration pages (the menu entry's check): a unit administrator, or whoever keeps
    the national working-day calendar."""
    from . import policy
    from .models import Role

    if any(g.role == Role.UNIT_ADMIN for g in policy.active_grants(user)):
        return True
    root = Unit.objects.root()
    return root is not None and policy.can_at(user, "core.manage_calendar", root)
