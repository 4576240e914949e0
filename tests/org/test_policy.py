"""The one permission policy: role × unit relation × action."""

import pytest
from django.db import IntegrityError, transaction

from stq.core.errors import Conflict, Forbidden, NotFound
from stq.org import policy, services
from stq.org.models import Role, RoleGrant, Unit
from tests.caseapp.models import Ticket

# (user fixture attribute, unit attribute of the object, action, expected)
MATRIX = [
    # officers act in their own unit only
    ("officer1", "kv01pt", "test_ticket.submit", True),
    ("officer1", "kv02pt", "test_ticket.submit", False),
    ("officer1", "kv01", "test_ticket.submit", False),  # not upwards
    ("officer1", "kv01pt", "test_ticket.approve", False),  # officers never approve
    # approvers approve in their own unit; a leader with "units below" approves below
    ("approver1", "kv01pt", "test_ticket.approve", True),
    ("approver1", "kv02pt", "test_ticket.approve", False),
    ("leader_kv01", "kv01pt", "test_ticket.approve", True),
    ("leader_kv01", "kv01", "test_ticket.approve", True),
    ("leader_kv01", "kv02pt", "test_ticket.approve", False),
    # analysts read everything in scope and change nothing
    ("analyst", "kv02pt", "view", True),
    ("analyst", "kv02pt", "test_ticket.submit", False),
    ("analyst", "kv02pt", "test_ticket.approve", False),
    # unit administrators manage grants, not cases (and read no case content)
    ("admin_kv01pt", "kv01pt", "org.grant", True),
    ("admin_kv01pt", "kv01pt", "view", False),
    ("admin_kv01pt", "kv01pt", "test_ticket.approve", False),
    ("admin_kv01pt", "kv02pt", "org.grant", False),
    # a user without grants may do nothing
    ("nobody", "kv01pt", "view", False),
]


@pytest.mark.parametrize(("who", "where", "action", "expected"), MATRIX)
def test_policy_matrix(org, who, where, action, expected):
    assert policy.can_at(getattr(org, who), action, getattr(org, where)) is expected


def test_unknown_action_is_an_error(org):
    with pytest.raises(LookupError):
        policy.can_at(org.officer1, "no.such.action", org.kv01pt)


def test_revoked_grant_and_inactive_user_give_nothing(org):
    grant = RoleGrant.objects.get(user=org.approver1, role=Role.APPROVER)
    services.role_revoke(actor=org.admin_kv01pt, grant=grant)
    policy.forget_grants(org.approver1)
    assert not policy.can_at(org.approver1, "test_ticket.approve", org.kv01pt)
    org.officer1.is_active = False
    org.officer1.save()
    assert not policy.can_at(org.officer1, "view", org.kv01pt)


def _visible(user):
    return Ticket.objects.filter(policy.visible_q(user, Ticket))


def test_visible_and_access(org):
    mine = Ticket.objects.create(title="a", unit=org.kv01pt, state="draft", created_by=org.officer1)
    theirs = Ticket.objects.create(title="b", unit=org.kv02pt, state="draft", created_by=org.officer2)
    assert list(_visible(org.officer1)) == [mine]
    assert set(_visible(org.analyst)) == {mine, theirs}
    assert set(_visible(org.leader_kv01)) == {mine}
    # the decision on one object reads the same scope as the queryset filter
    for user in (org.officer1, org.analyst, org.leader_kv01, org.approver2, org.admin_kv01pt, org.nobody):
        assert {t for t in (mine, theirs) if policy.sees(user, t)} == set(_visible(user))
    # missing and forbidden give the same answer
    with pytest.raises(NotFound):
        policy.access(_visible(org.officer1), org.officer1, pk=theirs.pk)
    with pytest.raises(NotFound):
        policy.access(_visible(org.officer1), org.officer1, pk=999999)
    with pytest.raises(Forbidden):
        policy.access(_visible(org.officer1), org.officer1, "test_ticket.approve", pk=mine.pk)
    assert policy.abilities(org.approver1, mine, ["test_ticket.approve", "view"]) == {
        "test_ticket_approve": True, "view": True}


def test_unit_administrator_sees_no_case_content(org):
    """Issue #15: holding only the unit-administrator role gives no access to case content."""
    Ticket.objects.create(title="a", unit=org.kv01pt, state="draft", created_by=org.officer1)
    assert not _visible(org.admin_kv01pt).exists()
    assert not policy.can_at(org.admin_kv01pt, "view", org.kv01pt)
    assert policy.can_at(org.admin_kv01pt, "org.grant", org.kv01pt)


def test_unit_admin_grants_only_in_own_unit(org):
    grant = services.role_grant(actor=org.admin_kv01pt, user=org.officer1, role=Role.APPROVER, unit=org.kv01pt)
    assert grant.granted_by == org.admin_kv01pt
    before = RoleGrant.objects.count()
    with pytest.raises(Forbidden):
        services.role_grant(actor=org.admin_kv01pt, user=org.officer2, role=Role.APPROVER, unit=org.kv02pt)
    # the parent unit's administrator does not administer the team either
    with pytest.raises(Forbidden):
        services.role_grant(actor=org.admin_kv01, user=org.officer1b, role=Role.APPROVER, unit=org.kv01pt)
    # a user of another unit cannot be granted a role here
    with pytest.raises(Exception) as excinfo:
        services.role_grant(actor=org.admin_kv01pt, user=org.officer2, role=Role.OFFICER, unit=org.kv01pt)
    assert excinfo.value.code == "user_not_in_unit"
    assert RoleGrant.objects.count() == before


def test_grants_are_logged_with_who_and_when(org):
    grant = services.role_grant(actor=org.admin_kv01pt, user=org.officer1b, role=Role.APPROVER, unit=org.kv01pt)
    services.role_revoke(actor=org.admin_kv01pt, grant=grant)
    log = list(RoleGrant.history.filter(id=grant.pk).order_by("history_date"))
    assert [(h.history_type, h.history_user, h.history_change_reason) for h in log] == [
        ("+", org.admin_kv01pt, "grant"), ("~", org.admin_kv01pt, "revoke")]
    assert log[-1].revoked_at is not None and log[0].revoked_at is None


def test_second_unit_admin_refused_by_database(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(user=org.officer1, role=Role.UNIT_ADMIN, unit=org.kv01pt)


def test_second_unit_admin_refused_by_service(org):
    # appointing is for the parent unit's administrator, and the unit already has one
    with pytest.raises(Conflict) as excinfo:
        services.role_grant(actor=org.admin_kv01, user=org.officer1, role=Role.UNIT_ADMIN, unit=org.kv01pt)
    assert excinfo.value.code == "unit_admin_exists"
    assert RoleGrant.objects.filter(unit=org.kv01pt, role=Role.UNIT_ADMIN).count() == 1


def test_parent_admin_appoints_after_revoke(org):
    old = RoleGrant.objects.get(unit=org.kv01pt, role=Role.UNIT_ADMIN)
    services.role_revoke(actor=org.admin_kv01, grant=old)
    new = services.role_grant(actor=org.admin_kv01, user=org.officer1, role=Role.UNIT_ADMIN, unit=org.kv01pt)
    assert new.is_active and RoleGrant.objects.filter(unit=org.kv01pt, role=Role.UNIT_ADMIN).count() == 2


def test_subtree_is_a_prefix_filter(org):
    assert set(Unit.objects.subtree(org.kv01)) == {org.kv01, org.kv01pt}
    assert org.kv01pt.department() == org.kv01
    assert org.kv01pt.is_within(org.chq) and not org.kv01pt.is_within(org.kv02)
