"""Writes on units, users and grants. Each function is one transaction and checks the policy."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError, Conflict, Forbidden
from stq.core.history import save_as

from . import policy
from .models import Role, RoleGrant, Unit, User

logger = logging.getLogger(__name__)


@transaction.atomic
def role_grant(*, actor, user: User, role: str, unit: Unit, include_units_below: bool = False) -> RoleGrant:
    if role not in Role.values:
        raise AppError("invalid_role", _("Unknown role."), field="role")
    if not policy.may_grant(actor, role, unit):
        if role == Role.UNIT_ADMIN:
            raise Forbidden("forbidden", _("The unit administrator role is appointed by the administrator of the "
                                           "unit above, not by the unit's own administrator."), field="role")
        raise Forbidden("forbidden", _("Only the administrator of this unit may grant roles in it."))
    if user.unit_id != unit.pk and not policy.may_grant_across_tree(actor, user, role, unit):
        raise AppError("user_not_in_unit", _("The user does not belong to this unit."), field="user")
    if not user.is_active:
        raise AppError("user_inactive", _("The user account is deactivated."), field="user")
    grant = RoleGrant(
        user=user, role=role, unit=unit, include_units_below=include_units_below, granted_by=actor,
        granted_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            save_as(grant, actor, reason="grant")
    except IntegrityError:
        if role == Role.UNIT_ADMIN:
            raise Conflict("unit_admin_exists", _("This unit already has an active unit administrator.")) from None
        raise Conflict("grant_exists", _("This user already holds this role at this unit.")) from None
    policy.forget_grants(user)
    return grant


@transaction.atomic
def role_revoke(*, actor, grant: RoleGrant) -> RoleGrant:
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if not policy.may_grant(actor, grant.role, grant.unit):
        raise Forbidden("forbidden", _("Only the administrator of this unit may revoke roles in it."))
    if grant.revoked_at is not None:
        raise Conflict("already_revoked", _("This grant was already revoked."))
    if grant.user_id == actor.pk and grant.role == Role.UNIT_ADMIN:
        raise AppError("self_revoke", _("You cannot revoke your own administrator role."))
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    save_as(grant, actor, reason="revoke")
    policy.forget_grants(grant.user)
    return grant


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool) -> User:
    """Deactivate or reactivate an account of the administrator's unit (grants stop counting while inactive)."""
    if user.unit is None or not policy.administers(actor, user.unit):
        raise Forbidden("forbidden", _("Only the administrator of the user's unit may do this."))
    if user.pk == actor.pk:
        raise AppError("self_deactivate", _("You cannot deactivate your own account."))
    user.is_active = active
    save_as(user, actor, reason="activate" if active else "deactivate")
    return user


def unit_path_changed(unit: Unit) -> None:
    """Recompute the paths below a unit after it was moved (the tree is data)."""
    for child in unit.children.all():
        child.save()
        unit_path_changed(child)


PROVIDER_REASON = "central sign-in"


@transaction.atomic
def grants_sync_from_provider(*, user: User, wanted: set[tuple[str, bool]]) -> list[RoleGrant]:
    """Make the grants that the central identity provider claims for `user` at the user's unit.

    `wanted` is {(role, include_units_below)}. Missing grants are made, and grants that the provider made earlier
    but no longer claims are revoked; grants made by a unit administrator are left alone. Every change is recorded
    in the grant history with the reason "central sign-in" and no acting user. Returns the grants made."""
    made: list[RoleGrant] = []
    provider_made = set(
        RoleGrant.history.filter(user_id=user.pk, history_type="+", history_change_reason=PROVIDER_REASON)
        .values_list("id", flat=True)
    )
    active = list(RoleGrant.objects.active().filter(user=user))
    held = {(g.role, g.unit_id, g.include_units_below) for g in active}
    wanted_keys = {(role, user.unit_id, below) for role, below in wanted} if user.unit_id else set()
    for grant in active:
        if grant.pk in provider_made and (grant.role, grant.unit_id, grant.include_units_below) not in wanted_keys:
            grant.revoked_at = timezone.now()
            save_as(grant, None, reason=PROVIDER_REASON)
    for role, unit_id, below in sorted(wanted_keys - held):
        grant = RoleGrant(user=user, role=role, unit_id=unit_id, include_units_below=below, granted_at=timezone.now())
        try:
            with transaction.atomic():
                save_as(grant, None, reason=PROVIDER_REASON)
        except IntegrityError:  # e.g. the unit already has its one administrator: the provider cannot add another
            logger.warning("central sign-in could not grant %s at unit %s to %s", role, unit_id, user.username)
            continue
        made.append(grant)
    policy.forget_grants(user)
    return made
