"""The one permission policy.

"May this user do this action on this object?" is answered from the user's active role grants (role, unit,
with or without the units below) and the object's owning unit. Apps register their actions here; nothing else
in STQ decides permissions. Exposed three ways:
  - `access(visible_queryset, user, action, **lookup)`: fetch one object from a `<things>_visible_to()` queryset and
    authorise the action on it (same NotFound for missing and not visible; no second scoping);
  - `visible_q(user, model)`: the one visibility scope of a case type, for its `<things>_visible_to()` selector;
    `scope_q(user, action, ...)`: the objects a user may take one action on (e.g. "my work");
  - `abilities(user, obj, actions)`: a dict for templates.

Visibility (one scope per case type, design "Visibility"): a user sees the cases of the units they hold a grant of a
case-reading role for (with or without the units below, as granted) and the cases they may act on — a grant of a role
that takes one of the case type's actions at the unit the action is taken at (e.g. `approval_unit` for a department
leader approving a department-scope proposal). A case type registers its `Scope` (the workflow engine does it from
the workflow's transitions); the queryset filter and the decision on one object come from the same pairs.
Holding only the unit-administrator role gives no access to case content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from stq.core.errors import Forbidden, NotFound

from .models import Role, RoleGrant, Unit, UnitKind

ALL_ROLES = frozenset(Role.values)
WORKING_ROLES = frozenset({Role.OFFICER, Role.APPROVER})
# Roles that read case content at the units their grants cover: every role but the unit administrator's, which
# administers grants only.
CASE_READERS = ALL_ROLES - {Role.UNIT_ADMIN}

# action name -> roles that may perform it on an object of a unit their grant covers.
ACTIONS: dict[str, frozenset[str]] = {
    "view": CASE_READERS,
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


def units_where(user, action: str):
    """Units where the user may take `action` (their grants' units, and the units below where the grant says so)."""
    allowed = roles_for(action)
    ids = set()
    for grant in active_grants(user):
        if grant.role in allowed:
            if grant.include_units_below:
                ids.update(Unit.objects.subtree(grant.unit).values_list("pk", flat=True))
            else:
                ids.add(grant.unit_id)
    return Unit.objects.filter(pk__in=ids).order_by("path")


def check_at(user, action: str, unit: Unit) -> None:
    if not can_at(user, action, unit):
        raise Forbidden("forbidden", _("You do not have permission to do this."))


def scope_q(user, action: str = "view", *, unit_field: str = "unit") -> Q:
    """A Q selecting the objects (whose owning unit is `unit_field`) the user may take `action` on."""
    return _grants_q(user, roles_for(action), unit_field)


def _grants_q(user, roles: frozenset[str], unit_field: str) -> Q:
    q = Q(pk__in=[])
    for grant in active_grants(user):
        if grant.role not in roles:
            continue
        if grant.include_units_below:
            q |= Q(**{f"{unit_field}__path__startswith": grant.unit.path})
        else:
            q |= Q(**{f"{unit_field}_id": grant.unit_id})
    return q


@dataclass(frozen=True)
class Scope:
    """The visibility of one case type: (unit field, roles) pairs. A user sees a case when one of their grants of
    one of a pair's roles covers the unit the case names in the pair's field. `q()` (for querysets) and `allows()`
    (for one object) read the same pairs, so a list and a detail page cannot disagree."""

    parts: tuple[tuple[str, frozenset[str]], ...]

    @classmethod
    def of(cls, *pairs: tuple[str, Iterable[str]]) -> Scope:
        merged: dict[str, set[str]] = {}
        for unit_field, roles in pairs:
            merged.setdefault(unit_field, set()).update(roles)
        return cls(tuple((f, frozenset(r)) for f, r in merged.items() if r))

    def q(self, user, *, prefix: str = "") -> Q:
        """The filter on the case type's queryset, or (with `prefix`, e.g. "case__") on records of its cases."""
        q = Q(pk__in=[])
        for unit_field, roles in self.parts:
            q |= _grants_q(user, roles, prefix + unit_field)
        return q

    def allows(self, user, obj) -> bool:
        grants = active_grants(user)
        for unit_field, roles in self.parts:
            unit = getattr(obj, unit_field, None)
            if unit is not None and any(g.role in roles and g.covers(unit) for g in grants):
                return True
        return False


SCOPES: dict[type, Scope] = {}


def register_scope(model, scope: Scope) -> Scope:
    """Declare a case type's visibility (the workflow engine does it when a workflow is bound to its model)."""
    SCOPES[model] = scope
    return scope


def scope_for(model) -> Scope:
    model = model if isinstance(model, type) else type(model)
    try:
        return SCOPES[model]
    except KeyError:
        raise LookupError(f"No visibility scope registered for {model.__name__}") from None


def visible_q(user, model, *, prefix: str = "") -> Q:
    """The one visibility filter of a case type (see the module docstring); with `prefix` (e.g. "case__"), the
    filter on records that belong to a case of that type."""
    return scope_for(model).q(user, prefix=prefix)


SELECTORS: dict[type, Callable[[object], QuerySet]] = {}


def selector_of(model):
    """Register a case type's `<things>_visible_to(user)` selector (decorator), so that code outside its app —
    notifications read back, for one — shows that case type through the same one selector."""
    def register(fn):
        SELECTORS[model] = fn
        return fn
    return register


def visible_to(user, model) -> QuerySet:
    try:
        return SELECTORS[model](user)
    except KeyError:
        raise LookupError(f"No visibility selector registered for {model.__name__}") from None


def sees(user, obj) -> bool:
    """May the user see this case? The same rule as `visible_q`, decided on the object."""
    return scope_for(obj).allows(user, obj)


def access(visible: QuerySet, user, action: str = "view", **lookup):
    """Fetch one object from a queryset a `<things>_visible_to()` selector scoped, and authorise `action` on it:
    NotFound when missing or not visible, Forbidden when visible but the action is not allowed. The queryset is not
    scoped a second time: the selector's scope is the only one."""
    obj = visible.filter(**lookup).first()
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


# Roles the national administrator may grant at the top of the tree (with the units below) to a user of a central
# audit unit, who belongs to another unit: a read-only scope across the tree (issue 16 item 13).
NATIONAL_SCOPE_ROLES = frozenset({Role.ANALYST})


def may_grant_across_tree(actor, user, role: str, unit: Unit) -> bool:
    """May `actor` grant `role` at `unit` to `user`, who belongs to another unit? Only the national administrator
    (administrator of the top unit), only at the top unit, only a national-scope role, only to a user of a central
    audit unit (letter 7301 §2.5: the central audit unit aggregates and reviews every unit's reports)."""
    return (unit.parent_id is None and administers(actor, unit) and role in NATIONAL_SCOPE_ROLES
            and user.unit is not None and user.unit.kind == UnitKind.CENTRAL_AUDIT)


def reviews_nationally(user, action: str) -> bool:
    """Does `user` hold a grant for `action` at a central audit unit? Letter 7301 §2.5: "Cục KTSTQ: thực hiện tổng
    hợp kết quả báo cáo theo mẫu 19 và 20 của các đơn vị; chủ động rà soát thông tin báo cáo của các đơn vị" — the
    central unit's officers and leaders review the reports of every unit, whatever their own place in the tree."""
    roles = roles_for(action)
    return any(g.role in roles and g.unit.kind == UnitKind.CENTRAL_AUDIT for g in active_grants(user))


def may_grant(user, role: str, unit: Unit) -> bool:
    """A unit administrator grants and revokes roles in their own unit. The unit_admin role itself is appointed
    by the administrator of the parent unit, or by a system operator (superuser)."""
    if role == Role.UNIT_ADMIN:
        return user.is_superuser or (unit.parent_id is not None and administers(user, unit.parent))
    return administers(user, unit)
