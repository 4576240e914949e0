"""An edit form posts back the version of the record the user saw; a tampered one is a conflict, never a 500.

Found by reading the views after tests/fuzz/test_hostile_html.py: the fuzz breaks the hidden `version` together with
the visible fields, so the form was invalid before the view read it, while `int(request.POST["version"])` was only
reached with a valid form — a ValueError (500) for any text there. Each page's own form is posted unchanged but for
the version."""

import datetime as dt

import pytest

from stq.audits.models import AuditProposal
from stq.collection.models import InfoCollection
from tests.audits import factories as audits
from tests.collection import factories as collection

pytestmark = pytest.mark.django_db
TAMPERED = ["NaN", "1e309", "99999999999999999999", "-1", "x" * 3000, "9" * 5000]


def unchanged(page) -> dict:
    """The data the page's form would post if the user saved it as shown."""
    data = {}
    for name, field in page.context["form"].fields.items():
        value = page.context["form"][name].value()
        if value in (None, "", [], False):
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, dt.date):
            data[name] = value.strftime("%d/%m/%Y") if "%d/%m/%Y" in getattr(field, "input_formats", []) else \
                value.isoformat()
        elif value is True:
            data[name] = "on"
        else:
            data[name] = str(value)
    return data


def _check(client, url, model, pk, saved_version):
    page = client.get(url)
    assert page.status_code == 200
    data = unchanged(page)
    assert client.post(url, {**data, "version": str(saved_version)}).status_code == 302  # the unchanged form saves
    version = model.objects.get(pk=pk).version
    for value in TAMPERED:
        response = client.post(url, {**data, "version": value}, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 200, value  # the form again, with the conflict's message
        assert model.objects.get(pk=pk).version == version, value


def test_a_tampered_version_on_the_collection_edit_form_is_a_conflict(client, org):
    ic = collection.proposal(org.officer1, org.kv01pt, collection.enterprise(collection.OTHER_CODE))
    client.force_login(org.officer1)
    _check(client, f"/collection/{ic.pk}/edit/", InfoCollection, ic.pk, ic.version)


def test_a_tampered_version_on_the_proposal_edit_form_is_a_conflict(client, org):
    p = audits.proposal(org.officer1, org.kv01pt)
    client.force_login(org.officer1)
    _check(client, f"/audits/proposals/{p.pk}/edit/", AuditProposal, p.pk, p.version)


def test_a_tampered_version_on_the_criterion_edit_form_is_a_conflict(client, org):
    from stq.risk.models import Criterion
    from tests.risk import helpers as h

    crit = h.criterion(org.risk_manager, org.chq, "GROWTH", "value_growth_vs_own_history",
                       {"factor": 3, "recent_months": 2, "min_recent_value": 0})
    client.force_login(org.risk_manager)
    _check(client, f"/risk/criteria/{crit.pk}/edit/", Criterion, crit.pk, crit.version)
