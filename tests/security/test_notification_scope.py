"""Issue #15, item 1: notifications are read through the case type's one visibility scope. A user whose grant is
revoked no longer reads, in old notifications either, the numbers and states of the cases they lost."""

from importlib import import_module

from django.apps import apps
from django.contrib.contenttypes.models import ContentType

from stq.collection.models import InfoCollection
from stq.core.models import Notification
from stq.core.notifications import notifications_of
from stq.org import services as org_services
from stq.org.models import Role, RoleGrant
from tests.collection import factories as collection


def _submitted(org):
    case = collection.proposal(org.officer1, org.kv01pt)
    return collection.act(org.officer1, case, "submit")


def test_a_revoked_approver_no_longer_reads_the_case_in_old_notifications(org, client,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = _submitted(org)
    note = Notification.objects.get(recipient=org.approver1)
    assert case.number in note.title and note.case_id == case.pk
    client.force_login(org.approver1)
    page = client.get("/notifications/").content.decode()
    assert case.number in page
    assert client.post(f"/notifications/{note.pk}/open/")["Location"] == case.get_absolute_url()

    grant = RoleGrant.objects.get(user=org.approver1, role=Role.APPROVER)
    org_services.role_revoke(actor=org.admin_kv01pt, grant=grant)
    page = client.get("/notifications/").content.decode()
    assert case.number not in page and 'data-testid="withheld"' in page
    # opening it leads back to the list, not to the case (whose page would answer 404 anyway)
    assert client.post(f"/notifications/{note.pk}/open/")["Location"] == "/notifications/"
    assert client.get(case.get_absolute_url()).status_code == 404


def test_notifications_not_about_a_case_are_shown_as_they_are(org):
    Notification.objects.create(recipient=org.admin_kv01pt, title="Đối soát mẫu 19", url="/reports/")
    [item] = notifications_of(org.admin_kv01pt)
    assert not item.withheld and item.title == "Đối soát mẫu 19"


def test_a_unit_administrator_reads_no_case_in_notifications(org):
    case = _submitted(org)
    Notification.objects.create(recipient=org.admin_kv01pt, title=f"{case.number}: submitted",
                                url=case.get_absolute_url(),
                                case_type=ContentType.objects.get_for_model(InfoCollection), case_id=case.pk)
    [item] = notifications_of(org.admin_kv01pt)
    assert item.withheld


def test_old_notifications_get_their_case_from_their_link(org):
    """The migration links notifications written before cases were named on them, so they are scoped too."""
    case = _submitted(org)
    old = Notification.objects.create(recipient=org.approver1, title=f"{case.number}", url=case.get_absolute_url())
    other = Notification.objects.create(recipient=org.approver1, title="x", url="/reports/")
    import_module("stq.core.migrations.0003_notification_case").link_cases(apps, None)
    old.refresh_from_db()
    other.refresh_from_db()
    assert (old.case_type.model_class(), old.case_id) == (InfoCollection, case.pk)
    assert other.case_type_id is None


def test_national_risk_pages_show_a_collection_number_only_to_who_sees_the_collection(org, client):
    """Alerts are national data (every role reads them); the information collection opened from one belongs to its
    unit's scope: another unit's officer reads that one was opened, not its number."""
    from rest_framework.test import APIClient

    from stq.risk.models import Alert

    case = _submitted(org)
    Alert.objects.create(kind="volume_surge", tax_code=case.enterprise.tax_code, enterprise=case.enterprise,
                         details={"factor": 8}, state="converted", info_collection=case, handled_by=org.risk_manager)
    for user, shown in ((org.approver1, True), (org.officer2, False), (org.risk_manager, True)):
        client.force_login(user)
        page = client.get("/risk/alerts/", {"state": "all"}).content.decode()
        assert (case.number in page) is shown, user
        api = APIClient()
        api.force_authenticate(user)
        [row] = api.get("/api/v1/risk/alerts/", {"state": "all"}).json()["results"]
        assert row["info_collection"] == (case.number if shown else None)
