"""`offer_units`: the unit fields of the create forms (collection, audits proposal, feedback) offer the units where
the user may act and preselect the user's own unit, else the only unit offered."""

import pytest

from stq.audits.forms import ProposalForm
from stq.org.models import Role
from stq.org.policy import forget_grants
from tests.factories import GrantFactory

pytestmark = pytest.mark.django_db


def test_own_unit_preselected_among_those_offered(org):
    form = ProposalForm(user=org.leader_kv01)  # department leader: the department and its teams
    offered = set(form.fields["unit"].queryset)
    assert {org.kv01, org.kv01pt} <= offered and org.kv02pt not in offered
    assert form.fields["unit"].initial == org.kv01.pk


def test_the_only_unit_offered_is_preselected_when_the_own_unit_is_not(org):
    GrantFactory(user=org.risk_manager, role=Role.OFFICER, unit=org.kv02pt, include_units_below=False)
    forget_grants(org.risk_manager)  # an officer's grant elsewhere than the user's own unit (chq)
    form = ProposalForm(user=org.risk_manager)
    assert list(form.fields["unit"].queryset) == [org.kv02pt]
    assert form.fields["unit"].initial == org.kv02pt.pk


def test_nothing_preselected_among_several_foreign_units(org):
    user = org.nobody  # belongs to KV01-PT and holds no grant there
    for unit in (org.kv01, org.kv02pt):
        GrantFactory(user=user, role=Role.OFFICER, unit=unit, include_units_below=False)
    forget_grants(user)
    form = ProposalForm(user=user)
    assert set(form.fields["unit"].queryset) == {org.kv01, org.kv02pt}
    assert form.fields["unit"].initial is None
