"""The one permission policy.

"May this user do this action on this object?" is answered from the user's active role grants (role, unit,
with or without the units below) and the object's owning unit. Apps register their actions here; nothing else
in STQ decides permissions. Exposed three ways:
  - `access(queryset, user, action, **lookup)`: fetch and authorise at once (same NotFound for missing and
    forbidden objects);
  - `visible(queryset, user, ...)` / `scope_q(user, action, ...)`: queryset filters for `<things>_visible_to()`;
  - `abilities(user, obj, actions)`: a dict for templates.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from stq.core.errors import Forbidden, NotFound

from .models import Role, RoleGrant, Unit

ALL_ROLES = frozenset(Role.values)
WORKING_ROLES = frozenset({Role.OFFICER, Role.APPROVER})

# action name -> roles that may perform it on an object of a unit their grant covers.
ACTIONS: dict[str, frozenset[str]] = {
    "view": ALL_ROLES,
    "org.view_grants": frozenset({Role.UNIT_ADMIN}),
    "org.grant": frozenset({Role.UNIT_ADMIN}),
}


def register_action(name: str, roles: Iterable[str]) -> None:
    """Declare an action and the roles allowed to take it (apps call this from their `policy` module)."""
    ACTIONS[name] = frozenset(roles)


def roles_for(action: str) -> frozenset[str]:
    try:
        return ACTIONS[action]
    except KeyError:  # a typo must not silently grant or deny
        raise LookupError(f"Unknown policy action {action!r}; register it with register_action()") from None


def active_grants(user) -> list[RoleGrant]:
    """The user's active grants, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_stq_grants", None)
    if cached is None:
        cached = list(RoleGrant.objects.active().filter(user=user).select_related("unit"))
        user._stq_grants = cached
    return cached


def forget_grants(user) -> None:
    if hasattr(user, "_stq_grants"):
        del user._stq_grants


def roles_at(user, unit: Unit) -> set[str]:
    """Roles the user holds for `unit` (directly or through a grant that includes the units below)."""
    return {g.role for g in active_grants(user) if g.covers(unit)}


def has_role(user, role: str, unit: Unit) -> bool:
    return role in roles_at(user, unit)


def owning_unit(obj) -> Unit:
    """The unit that owns an object: a Unit is its own owner; other objects expose `owning_unit`."""
    if isinstance(obj, Unit):
        return obj
    unit = getattr(obj, "owning_unit", None)
    if unit is None:
        raise LookupError(f"{type(obj).__name__} has no owning_unit")
    return unit() if callable(unit) else unit


def can_at(user, action: str, unit: Unit) -> bool:
    """May the user take `action` on an object owned by `unit`?"""
    return bool(roles_for(action) & roles_at(user, unit))


def can(user, action: str, obj) -> bool:
    return can_at(user, action, owning_unit(obj))


def check(user, action: str, obj) -> None:
    """Raise Forbidden unless the user may take `action` on `obj`."""
    if not can(user, action, obj):
        raise Forbidden("forbidden", _("You do not have permission to do this."))


def can_anywhere(user, action: str) -> bool:
    """May the user take a national `action` (one that belongs to no unit)? One grant of an allowed role, at
    any unit, is enough."""
    allowed = roles_for(action)
    return any(g.role in allowed for g in active_grants(user))


def check_at(user, action: str, unit: Unit) -> None:
    if not can_at(user, action, unit):
        raise Forbidden("forbidden", _("You do not have permission to do this."))


def scope_q(user, action: str = "view", *, unit_field: str = "unit") -> Q:
    """A Q selecting the objects (whose owning unit is `unit_field`) the user may take `action` on."""
    allowed = roles_for(action)
    q = Q(pk__in=[])
    for grant in active_grants(user):
        if grant.role not in allowed:
            continue
        if grant.include_units_below:
            q |= Q(**{f"{unit_field}__path__startswith": grant.unit.path})
        else:
            q |= Q(**{f"{unit_field}_id": grant.unit_id})
    return q


def visible(queryset: QuerySet, user, action: str = "view", *, unit_field: str = "unit") -> QuerySet:
    return queryset.filter(scope_q(user, action, unit_field=unit_field))


def access(queryset: QuerySet, user, action: str = "view", *, unit_field: str = "unit", **lookup):
    """Fetch one object and authorise `action`: NotFound when missing or not visible, Forbidden when visible
    but the action is not allowed."""
    obj = visible(queryset, user, "view", unit_field=unit_field).filter(**lookup).first()
    if obj is None:
        raise NotFound("not_found", _("Not found."))
    if action != "view":
        check(user, action, obj)
    return obj


def abilities(user, obj, actions: Iterable[str]) -> dict[str, bool]:
    """{action: allowed} for templates, e.g. `{% if abilities.approve %}`."""
    roles = roles_at(user, owning_unit(obj))
    return {a.replace(".", "_"): bool(roles_for(a) & roles) for a in actions}


def administers(user, unit: Unit) -> bool:
    """Is the user the administrator of exactly this unit? (Administration never reaches units below.)"""
    return any(g.role == Role.UNIT_ADMIN and g.unit_id == unit.pk for g in active_grants(user))


def may_grant(user, role: str, unit: Unit) -> bool:
    """A unit administrator grants and revokes roles in their own unit. The unit_admin role itself is appointed
    by the administrator of the parent unit, or by a system operator (superuser)."""
    if role == Role.UNIT_ADMIN:
        return user.is_superuser or (unit.parent_id is not None and administers(user, unit.parent))
    return administers(user, unit)
