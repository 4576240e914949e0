"""Both languages all the way (issue 18 item 7) for the risk engine's texts: an enterprise's risk and compliance
reasons and a declaration's explanations are stored as codes with typed parameters (``core.texts``), not as prose,
and read in the reader's language — the page's active language, the API request's Accept-Language."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override
from rest_framework.test import APIClient

from stq.core.texts import Number, Text, render, stored
from stq.declarations.models import Declaration
from stq.enterprises import services
from stq.enterprises.models import Enterprise
from stq.risk import scoring
from stq.risk.ml.wording import PRIOR_KEY, describe_contribution
from stq.risk.models import DeclarationScore, ModelVersion
from stq.risk.runner import run_criteria
from tests.risk import helpers as h

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 12, 1)
VIETNAMESE = re.compile(r"tiêu chí|tờ khai|chưa từng|đồng")


@pytest.fixture
def scored(org):
    h.load_fixture(org.kv01pt)
    h.all_criteria(org.risk_manager, org.chq)
    run_criteria(as_of=h.AS_OF)
    scoring.assess(DAY)
    return Enterprise.objects.get(tax_code=h.UNDERPRICER)


def _api(user, language):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def test_the_risk_reason_is_stored_as_codes_shown_in_the_readers_language_and_stable(org, client, scored):
    """Stored as codes; a re-scoring with the same facts writes nothing; the page and the API read it in the
    reader's language; a reason typed by hand (or stored before the codes) is shown as it was typed."""
    spec = json.loads(scored.risk_reason)
    assert isinstance(spec, list) and spec and all("m" in item for item in spec)
    assert spec[0]["m"] == "criterion %(code)s “%(name)s”: %(hits)s hit(s), latest on %(last)s"
    assert spec[0]["p"]["code"] == "PRICE" and set(spec[0]["p"]["hits"]) == {"n", "d"}  # a number, not "3"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", spec[0]["p"]["last"]["date"])
    assert not VIETNAMESE.search(scored.risk_reason) and "10.100.000" not in scored.risk_reason  # not rendered
    assert scored.compliance_reason == scored.risk_reason
    table = Enterprise._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        scoring.assess(DAY)
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith(f'UPDATE "{table}"')]
    before = scored.risk_reason
    scored.refresh_from_db()
    assert scored.risk_reason == before
    _the_enterprise_page_and_api_show_the_reason_in_the_readers_language(org, client, scored)
    _a_reason_typed_by_a_risk_manager_or_stored_before_the_codes_is_shown_as_typed(org, client, scored)


def _the_enterprise_page_and_api_show_the_reason_in_the_readers_language(org, client, scored):
    spec = json.loads(scored.risk_reason)
    with override("vi"):
        vi = render(spec)
    with override("en"):
        en = render(spec)
    assert vi.startswith("tiêu chí PRICE") and en.startswith("criterion PRICE") and "tờ khai" in vi
    client.force_login(org.officer1)
    pages = {lang: client.get(f"/enterprises/{scored.tax_code}/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
             for lang in ("vi", "en")}
    for lang, text in (("vi", vi), ("en", en)):
        reason = re.search(r'data-testid="risk-reason">([^<]*)<', pages[lang]).group(1)
        assert reason == text.replace("“", "&ldquo;").replace("”", "&rdquo;") or reason == _escaped(text), lang
        assert '"m"' not in pages[lang] and "&quot;m&quot;" not in pages[lang]
    for lang, text in (("vi", vi), ("en", en)):
        body = _api(org.officer1, lang).get(f"/api/v1/enterprises/{scored.tax_code}/").json()
        assert body["risk_reason"] == text and body["compliance_reason"] == text, lang


def _escaped(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


def _a_reason_typed_by_a_risk_manager_or_stored_before_the_codes_is_shown_as_typed(org, client, scored):
    with override("en"):
        engine = render(json.loads(scored.risk_reason))
    services.enterprise_update(actor=org.risk_manager, enterprise=scored, values={"risk_class": 6})
    services.enterprise_update(actor=org.risk_manager, enterprise=scored,
                               values={"risk_reason": "Rủi ro trị giá (ghi tay)"})
    client.force_login(org.officer1)
    page = client.get(f"/enterprises/{scored.tax_code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="risk-reason">Rủi ro trị giá (ghi tay)<' in page
    assert _escaped(engine) in page and "&quot;m&quot;" not in page  # the history shows the engine's reason read
    body = _api(org.officer1, "en").get(f"/api/v1/enterprises/{scored.tax_code}/").json()
    assert body["risk_reason"] == "Rủi ro trị giá (ghi tay)"


def test_a_declarations_explanations_are_codes_read_in_the_requests_language(org):
    h.load_fixture(org.kv01pt)
    declaration = Declaration.objects.filter(importer_exporter_tax_code=h.UNDERPRICER).first()
    version = ModelVersion.objects.create(number=1, source="x", training_from=dt.date(2025, 1, 1),
                                          training_to=dt.date(2025, 6, 30), artefact_path="/nowhere",
                                          artefact_sha256="0" * 64, is_active=True)
    row = {"Importer ID": "QLRUBN9", "HS6 Code": "854231", "Item Price": 5824800.0}
    values = {"fraud_rate__importer": (5 + 20 * 0.2) / 32, "past_count__importer": 2.5649493574615367,
              PRIOR_KEY: 0.2}
    sentences = [describe_contribution(f, values, row, 1.0) for f in ("fraud_rate__importer", "Item Price")]
    DeclarationScore.objects.create(
        declaration_id=declaration.pk, model=version, tax_code=h.UNDERPRICER,
        registered_on=declaration.registered_on, probability=0.4,  # a score carries its declaration's date
        duty_at_stake=1000, score=0.4, scored_at=timezone.now(),
        explanations=[{"feature": "fraud_rate__importer", "contribution": 0.8, "sentence": stored(sentences[0])},
                      {"feature": "Item Price", "contribution": 0.3, "sentence": stored(sentences[1])},
                      {"feature": "hs2", "contribution": 0.1, "sentence": "hàng thuộc chương HS 85"}])  # before
    stored_json = json.dumps(DeclarationScore.objects.get(pk=declaration.pk).explanations, ensure_ascii=False)
    assert "KRW" not in stored_json.replace("%(amount)s KRW", "") and '"n": 5824800' in stored_json
    bodies = {lang: _api(org.analyst, lang).get(f"/api/v1/risk/declarations/{declaration.number}/").json()
              for lang in ("vi", "en")}
    vi, en = (bodies[lang]["score"]["explanations"] for lang in ("vi", "en"))
    assert [e["sentence"] for e in vi] == [
        "nhà nhập khẩu QLRUBN9 đã có 5/12 tờ khai trước đây bị phát hiện gian lận (tỷ lệ ước tính 28%)",
        "trị giá khai báo là 5.824.800 KRW", "hàng thuộc chương HS 85"]
    assert [e["sentence"] for e in en] == [
        "importer QLRUBN9 has 5/12 past declarations found fraudulent (estimated rate 28%)",
        "the declared value is 5.824.800 KRW", "hàng thuộc chương HS 85"]
    assert [e["feature_label"] for e in vi][:2] == ["tỷ lệ vi phạm trước đây của nhà nhập khẩu", "trị giá tính thuế"]
    assert [e["feature_label"] for e in en][:2] == ["past violation rate of the importer", "customs value"]


def test_typed_parameters_are_formatted_when_read():
    spec = stored(Text("%(a)s / %(b)s", a=Number(1234567.891, 2), b=Number(None)))
    assert spec["p"] == {"a": {"n": 1234567.89, "d": 2}, "b": {"n": None, "d": 0}}
    with override("vi"):
        assert render(spec) == "1.234.567,89 / —"
