"""Writes on units, users and grants. Each function is one transaction and checks the policy."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError, Conflict, Forbidden
from stq.core.history import save_as

from . import policy
from .models import Role, RoleGrant, Unit, User


@transaction.atomic
def role_grant(*, actor, user: User, role: str, unit: Unit, include_units_below: bool = False) -> RoleGrant:
    if role not in Role.values:
        raise AppError("invalid_role", _("Unknown role."), field="role")
    if not policy.may_grant(actor, role, unit):
        raise Forbidden("forbidden", _("Only the administrator of this unit may grant roles in it."))
    if user.unit_id != unit.pk:
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
