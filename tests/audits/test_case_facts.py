"""Every fact of an audit case is a case event (issue 15 item 3): the handling after the conclusion (tax assessment,
penalty, payment, referral, complaint and its decision), documents, the results per risk area, the declarant's
reservation and a changed proposal are written through the engine's `Workflow.record`, with who, when and
before → after, so that the case's timeline (in Vietnamese) shows them."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from stq.audits import services
from stq.audits.models import AuditCase
from stq.audits.views.common import timeline

from .factories import concluded, proposal, step, today

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def facts(case):
    return [(e.action, e.actor_id) for e in case.events() if e.action in AuditCase.workflow.by_fact]


def test_handling_facts_are_events_with_who_and_before_after(org):
    case = step(org.approver1, concluded(org), "approve_conclusion")
    services.tax_assessment_record(actor=org.officer1, case=case, number="3/QĐ-AĐT", issued_on=today(),
                                   import_duty=200_000_000)
    services.penalty_record(actor=org.officer1, case=case, number="12/QĐ-XPHC", issued_on=today(),
                            legal_article="Điều 9 NĐ 128/2020", amount=22_000_000)
    services.payment_record(actor=org.officer1, case=case, paid_on=today(), kind="tax", amount=100_000_000)
    services.referral_record(actor=org.officer1, case=case, referred_on=today(), body="Cơ quan điều tra",
                             reason="Dấu hiệu buôn lậu")
    c = services.complaint_record(actor=org.officer1, case=case, instance=1, filed_on=today(),
                                  complainant="Công ty", contested="Kết luận 45/KL-KTSTQ")
    services.complaint_decide(actor=org.officer1, complaint=c, resolver_name="Cục trưởng", resolver_unit="KV01",
                              decision_number="7/QĐ-GQKN", decided_on=today(), result="rejected")
    services.document_upload(actor=org.officer1, case=case, title="Kết luận kiểm tra",
                             file=SimpleUploadedFile("kl.pdf", PDF, content_type="application/pdf"))
    me = org.officer1.pk
    assert facts(case) == [("findings", me), ("tax_assessment", me), ("penalty", me), ("payment", me),
                           ("referral", me), ("complaint", me), ("complaint_decided", me), ("document", me)]
    events = {e.action: e for e in case.events()}
    pay = events["payment"]
    assert pay.before["collected"] == 0 and pay.after["collected"] == 100_000_000
    assert pay.after["outstanding"] == pay.before["outstanding"] - 100_000_000
    assert pay.data["amount"] == 100_000_000 and pay.from_state == pay.to_state == "handling"
    fine = events["penalty"]
    assert fine.after["assessed"] - fine.before["assessed"] == 22_000_000
    decided = events["complaint_decided"]
    assert (decided.before["result"], decided.after["result"]) == ("", "rejected")
    assert events["findings"].after == {a.code: 113_000_000 for a in case.risk_areas.all()}


def test_the_timeline_shows_the_facts_in_vietnamese(org, client):
    case = step(org.approver1, concluded(org), "approve_conclusion")
    services.penalty_record(actor=org.officer1, case=case, number="12/QĐ-XPHC", issued_on=today(),
                            legal_article="Điều 9 NĐ 128/2020", amount=22_000_000)
    services.payment_record(actor=org.officer1, case=case, paid_on=today(), kind="tax", amount=100_000_000)
    services.complaint_record(actor=org.officer1, case=case, instance=1, filed_on=today(), complainant="Công ty",
                              contested="Kết luận 45/KL-KTSTQ")
    with translation.override("vi"):
        labels = [str(item["label"]) for item in timeline(case, AuditCase.workflow)]
        pay = next(item for item in timeline(case, AuditCase.workflow) if item["e"].action == "payment")
    assert "Ghi nhận số tiền đã thu" in labels and "Ghi nhận quyết định xử phạt vi phạm hành chính" in labels
    assert "Ghi nhận khiếu nại" in labels and "Ghi nhận kết quả theo lĩnh vực rủi ro" in labels
    assert "100.000.000" in pay["data"].values() and "Thuế" in pay["data"].values()  # the amount, the kind
    assert any(c["after"] == "100.000.000" for c in pay["changes"])  # collected: 0 → 100.000.000
    client.force_login(org.officer1)
    page = client.get(case.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Ghi nhận số tiền đã thu" in page and "Ghi nhận khiếu nại" in page and "12/QĐ-XPHC" in page


def test_a_changed_proposal_records_what_changed(org):
    p = proposal(org.officer1, org.kv01pt)
    services.proposal_update(actor=org.officer1, proposal=p, reason="Lý do mới", planned_team="Đội 2")
    edit = next(e for e in p.events() if e.action == "edit")
    assert edit.actor_id == org.officer1.pk
    assert edit.before == {"reason": "Giá khai báo thấp hơn giá tham chiếu", "planned_team": "Đội KTSTQ 1"}
    assert edit.after == {"reason": "Lý do mới", "planned_team": "Đội 2"}


def test_the_demo_concluded_case_shows_its_payment_penalty_and_complaint(db):
    """seed_demo's closed field audit: its timeline lists the payments, the penalty and the complaint (and its
    decision), in Vietnamese."""
    import importlib

    from stq.core.demo import SEEDERS

    for app in ("org", "enterprises", "collection", "audits"):
        importlib.import_module(f"stq.{app}.demo")
    wanted = ("organisation", "enterprises", "information collections", "audits")
    for _order, _name, seed in sorted((s for s in SEEDERS if s[1] in wanted), key=lambda s: s[0]):
        seed({"enterprises": 40})
    case = AuditCase.objects.filter(state="closed", mode="field", payments__isnull=False).distinct().first()
    assert case is not None
    with translation.override("vi"):
        items = timeline(case, AuditCase.workflow)
        labels = [str(item["label"]) for item in items]
    actions = [item["e"].action for item in items]
    assert actions.count("payment") == case.payments.count() == 3
    assert {"penalty", "tax_assessment", "complaint", "complaint_decided", "close"} <= set(actions)
    assert actions.index("complaint_decided") < actions.index("close")
    assert {"Ghi nhận số tiền đã thu", "Ghi nhận quyết định xử phạt vi phạm hành chính", "Ghi nhận khiếu nại",
            "Ghi nhận quyết định giải quyết khiếu nại"} <= set(labels)
