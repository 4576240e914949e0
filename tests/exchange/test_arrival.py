"""Risk on arrival (each stored batch scored by the active model and the criteria, unusual transactions in the
managing unit's inbox), the outbound results on the broker, and the results export (file and API) that carries
the same records."""

import datetime as dt
import itertools
import json

import pytest
from django.utils import timezone

from stq.core.models import Notification
from stq.declarations.layouts import COLUMNS
from stq.enterprises.models import Enterprise
from stq.exchange import consumer, messages, outbound
from stq.exchange.consumer import Delivery, store_batch
from stq.exchange.models import Batch
from stq.risk import results_export, services, training
from stq.risk.models import Alert, AlertKind, AlertScan, CriterionHit, DeclarationScore, EnterpriseRisk, TargetPick
from tests.declarations.helpers import do_import
from tests.exchange.conftest import drain
from tests.exchange.test_consumer import consume, publish
from tests.risk import helpers as h
from tests.risk.test_alerts import SURGE, history_rows, new_rows
from tests.risk.test_model_versions import FAST, small_csv  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def bodies(rows: list[dict]) -> list[bytes]:
    return [messages.from_rows([[r[c] for c in COLUMNS] for r in group])
            for _, group in itertools.groupby(rows, key=lambda r: r["number"])]


@pytest.fixture
def history(org):
    for tax in h.PEERS:
        Enterprise.objects.get_or_create(tax_code=tax, defaults={"name": f"DN {tax}", "managing_unit": org.kv01pt})
    assert do_import(history_rows(), name="history.csv").status == "succeeded"
    h.criterion(org.risk_manager, org.chq, "PRICE", "price_below_peer_median", {"ratio": 0.5, "min_peers": 5})
    return org


def test_an_unusual_transaction_reaches_the_managing_units_inbox_and_the_changes_go_out(
        history, rabbit, django_capture_on_commit_callbacks):
    org = history
    sent = bodies(new_rows())
    publish(sent, rabbit.prefix)
    with django_capture_on_commit_callbacks(execute=True):  # the consumer runs outside a transaction: at once
        consume(rabbit.prefix)
    alerts = {(a.kind, a.tax_code) for a in Alert.objects.all()}
    assert (AlertKind.VOLUME_SURGE, SURGE) in alerts and (AlertKind.PRICE_OUTLIER, h.PEERS[1]) in alerts
    # in the bell of the managing unit's officer and approver (KV01-PT), not only in the national list
    for user in (org.officer1, org.approver1):
        titles = list(Notification.objects.filter(recipient=user).values_list("title", flat=True))
        assert any(SURGE in t for t in titles) and any(h.PEERS[1] in t for t in titles)
    assert not Notification.objects.filter(recipient=org.officer2).exists()  # another unit's officer
    batch = Batch.objects.get()
    assert batch.scored_at is not None and batch.risk["alerts"] == len(alerts)
    assert batch.latency_ms and all(0 <= ms < 60_000 for ms in batch.latency_ms)
    # criteria evaluated on the new declarations: the under-priced line is a hit
    hits = list(CriterionHit.objects.filter(criterion__code="PRICE"))
    assert [hit.tax_code for hit in hits] == [h.PEERS[1]]
    # enterprise risk recomputed for the batch's enterprises; what changed went out on the results exchange
    assert set(EnterpriseRisk.objects.values_list("tax_code", flat=True)) == set(h.PEERS)
    out = {p.type: json.loads(b) for p, b in drain(rabbit.channel, rabbit.results_queue)}
    assert set(out) == {"enterprise.risk", "criterion.hit"}
    assert out["criterion.hit"]["criteria_hits"] == results_export.hit_records([hit.pk for hit in hits])
    assert {r["tax_code"] for r in out["enterprise.risk"]["enterprises"]} == set(h.PEERS)  # all new: all changed
    for msg in out.values():
        assert (msg["schema"], msg["version"], msg["as_of"]) == ("stq.risk-results", 1,
                                                                 timezone.localdate().isoformat())
    # a redelivery of the same day raises nothing new and notifies nobody again
    n_alerts, n_notes = Alert.objects.count(), Notification.objects.count()
    publish(sent, rabbit.prefix)
    with django_capture_on_commit_callbacks(execute=True):
        consume(rabbit.prefix)
    assert (Alert.objects.count(), Notification.objects.count()) == (n_alerts, n_notes)
    assert Batch.objects.order_by("-pk").first().declarations == 0


def test_each_stored_batch_is_scored_by_the_active_model(org, rabbit, small_csv, tmp_path, settings):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    version = training.train_from_files([small_csv], config=FAST)
    outcome = store_batch([Delivery(body=b) for b in bodies(h.fixture_rows()[:40])])
    scored = DeclarationScore.objects.filter(declaration__import_job_id__in=outcome.batch.jobs)
    assert outcome.batch.declarations > 0 and scored.count() == outcome.batch.declarations
    assert {s.model_id for s in scored} == {version.pk} and all(0 <= s.probability <= 1 for s in scored)
    assert outcome.batch.risk["model_version"] == version.number and outcome.batch.risk["scored"] == scored.count()


def test_the_export_file_reads_back_as_the_stored_results_and_a_re_export_is_idempotent(history, tmp_path,
                                                                                          client):
    org = history
    store_batch([Delivery(body=b) for b in bodies(new_rows())])
    for e in Enterprise.objects.filter(tax_code__in=h.PEERS):
        EnterpriseRisk.objects.filter(tax_code=e.tax_code).update(enterprise=e, classification="target", score=90)
    services.target_list_generate(actor=org.risk_manager, unit=org.kv01pt, period=str(timezone.localdate().year),
                                  capacity=3, exploration_share=0, seed=1)
    path, written = results_export.write_file(tmp_path)
    assert written and path.name.startswith(f"stq-risk-results-{timezone.localdate().isoformat()}-")
    doc = results_export.read_file(path)
    assert (doc["schema"], doc["version"], doc["model_version"]) == ("stq.risk-results", 1, None)
    # every stored result is in the file, and nothing else
    stored = {r.tax_code: (r.risk_class, r.compliance_level, r.classification) for r in EnterpriseRisk.objects.all()}
    assert {e["tax_code"]: (e["risk_class"], e["compliance_level"], e["classification"])
            for e in doc["enterprises"]} == stored
    picks = {(p.enterprise.tax_code, p.rank, p.kind, p.target_list.unit.code)
             for p in TargetPick.objects.select_related("enterprise", "target_list__unit")}
    assert len(picks) == 3
    assert {(p["tax_code"], p["rank"], p["kind"], p["unit"]) for p in doc["target_picks"]} == picks
    hits = {(x.criterion.code, x.tax_code, f"{x.declaration.base_number}{x.declaration.revision}")
            for x in CriterionHit.objects.select_related("criterion", "declaration")}
    assert hits and {(x["criterion"], x["tax_code"], x["declaration"]) for x in doc["criteria_hits"]} == hits
    # a re-export of the same results writes nothing and names the same file
    mtime = path.stat().st_mtime_ns
    again, written_again = results_export.write_file(tmp_path)
    assert (again, written_again, again.stat().st_mtime_ns) == (path, False, mtime)
    assert json.loads((tmp_path / "latest.json").read_bytes()) == doc
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, "latest.json"])
    # the API serves the same document
    client.force_login(org.risk_manager)
    response = client.get("/api/v1/risk/results/")
    assert response.status_code == 200 and response.json() == doc
    client.force_login(org.nobody)
    assert client.get("/api/v1/risk/results/").status_code == 403


def test_a_new_target_list_is_published_with_the_exports_records(history, rabbit,
                                                                  django_capture_on_commit_callbacks):
    org = history
    store_batch([Delivery(body=b) for b in bodies(new_rows())])
    drain(rabbit.channel, rabbit.results_queue)
    EnterpriseRisk.objects.update(classification="target", score=90)
    for e in Enterprise.objects.filter(tax_code__in=h.PEERS):
        EnterpriseRisk.objects.filter(tax_code=e.tax_code).update(enterprise=e)
    with django_capture_on_commit_callbacks(execute=True):
        tl = services.target_list_generate(actor=org.risk_manager, unit=org.kv01pt,
                                           period=str(timezone.localdate().year), capacity=2, exploration_share=0,
                                           seed=1)
    out = [(p.type, json.loads(b)) for p, b in drain(rabbit.channel, rabbit.results_queue)]
    assert [t for t, _ in out] == ["target.pick"]
    assert out[0][1]["target_picks"] == results_export.pick_records(target_list_id=tl.pk)
    assert len(out[0][1]["target_picks"]) == 2


def test_outbound_messages_use_the_export_records():
    assert outbound.messages_for({}) == []
    assert dt.date.today()  # (module imported without a broker: nothing connects)


def test_batches_of_the_same_day_add_to_the_open_alert_instead_of_raising_it_again(history):
    store_batch([Delivery(body=b) for b in bodies(new_rows())])
    store_batch([Delivery(body=b) for b in bodies(new_rows())])  # the same anomalies, new declarations
    price = Alert.objects.filter(kind=AlertKind.PRICE_OUTLIER, tax_code=h.PEERS[1])
    assert price.count() == 1 and len(price.get().declaration_numbers) == 2
    price.update(state="acknowledged")  # handled: a later anomaly is a new alert
    store_batch([Delivery(body=b) for b in bodies(new_rows())])
    assert price.count() == 2


def test_a_batch_is_scanned_for_alerts_once_in_its_round_not_by_the_import_hook_on_its_own(
        history, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the hook's task would run at once here
        outcome = store_batch([Delivery(body=b) for b in bodies(new_rows())], consumer="c3", defer=True)
    [job] = outcome.batch.jobs
    assert not AlertScan.objects.filter(import_job_id=job).exists()  # deferred to the round
    assert consumer.recover("c3") == 1
    assert AlertScan.objects.get(import_job_id=job).alerts == Alert.objects.filter(scan__import_job_id=job).count() > 0
