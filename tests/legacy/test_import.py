"""STQ01 import: dry run vs real run, all-or-nothing, idempotence, read-only records that count in the duplicate
search and in the one-approved-proposal-per-year rule."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from stq.audits import services as audits
from stq.audits.models import AuditCase, AuditConclusion, AuditProposal, Payment, PenaltyDecision
from stq.audits.selectors import open_tax_codes
from stq.audits.views.common import timeline
from stq.collection.selectors import open_cases_for_enterprise
from stq.core.errors import AppError, Forbidden
from stq.core.models import RiskArea
from stq.enterprises.services import search_record
from stq.legacy.models import ImportBatch, LegacyRecord
from stq.legacy.services import legacy_import

from .helpers import HEAD, OTHER, THIS_YEAR, csv_bytes, enterprises, proposal_only, row

pytestmark = pytest.mark.django_db


def run(user, rows, *, dry_run, name="stq01.csv", delimiter=","):
    return legacy_import(actor=user, content=csv_bytes(rows, delimiter), filename=name, dry_run=dry_run)


def counts():
    return (AuditProposal.objects.count(), AuditCase.objects.count(), AuditConclusion.objects.count(),
            ImportBatch.objects.count(), LegacyRecord.objects.count())


def test_dry_run_reports_row_errors_and_writes_nothing(org):
    enterprises()
    bad = [
        row(),
        row(stq01_id="STQ01-0002", tax_code="0312345678", unit_code="NOPE", mode="onsite", ground="79",
            risk_areas="VALUATION;MAGIC", period_from="31/02/2020", import_duty="12,5"),
        row(stq01_id="STQ01-0001"),  # the same STQ01 id twice
        proposal_only(stq01_id="STQ01-0004", proposal_number="16/DX"),  # the same enterprise and year as line 2
        row(stq01_id="STQ01-0005", tax_code=OTHER, proposal_number="17/DX", decision_number="", conclusion_number=""),
    ]
    report = run(org.admin_chq, bad, dry_run=True)
    assert report.dry_run and not report.ok and report.rows == 5
    found = {(e.row, e.column, e.code) for e in report.errors}
    assert {(3, "tax_code", "unknown_enterprise"), (3, "unit_code", "unknown_unit"), (3, "mode", "invalid"),
            (3, "ground", "invalid"), (3, "risk_areas", "unknown_risk_area"), (3, "period_from", "invalid_date"),
            (3, "import_duty", "invalid_amount"), (4, "stq01_id", "duplicate_row"),
            (5, "proposal_year", "one_per_year"),  # line 2 already has the 2-years-ago proposal of HEAD
            (6, "conclusion_number", "amounts_without_conclusion")} <= found
    assert counts() == (0, 0, 0, 0, 0)
    good = run(org.admin_chq, [row(), row(stq01_id="STQ01-0002", tax_code=OTHER, proposal_number="16/DX")],
               dry_run=True)
    assert good.ok and good.to_import == 2 and counts() == (0, 0, 0, 0, 0)


def test_real_run_writes_legacy_audit_rows_in_one_batch(org):
    head, other = enterprises()
    report = run(org.admin_chq, [row(), proposal_only(stq01_id="STQ01-0002", tax_code=OTHER, proposal_number="9/DX",
                                                      proposal_year=str(THIS_YEAR - 1))],
                 dry_run=False, delimiter=";")
    assert report.ok and report.batch.imported == 2 and report.batch.cases == 1 and report.batch.conclusions == 1
    batch = ImportBatch.objects.get()
    assert batch.imported_by == org.admin_chq and len(batch.checksum) == 64 and batch.rows == 2
    p = AuditProposal.objects.get(enterprise=head)
    assert (p.legacy, p.state, p.year, p.number, p.unit, p.created_by) == (
        True, "approved", THIS_YEAR - 2, "15/DX-KTSTQ", org.kv01pt, org.admin_chq)
    assert set(p.risk_areas.values_list("code", flat=True)) == {"VALUATION", "ORIGIN"}
    case = p.case
    assert case.legacy and case.state == "closed" and case.decision_signed_on.year == THIS_YEAR - 2
    decision = case.decisions.get()
    assert decision.legacy and decision.kind == "original" and decision.number == "88/QĐ-KTSTQ"
    conclusion = case.conclusions.get()
    assert conclusion.legacy and conclusion.approved_at is not None and conclusion.has_violations
    finding = conclusion.findings.get()
    assert (finding.import_duty, finding.vat, finding.late_interest, finding.tax_total) == (
        120_000_000, 12_000_000, 3_500_000, 132_000_000)
    assert PenaltyDecision.objects.get(case=case).amount == 24_000_000
    assert Payment.objects.get(case=case).amount == 100_000_000
    assert p.history.first().history_user == org.admin_chq  # attributed history
    lone = AuditProposal.objects.get(enterprise=other)
    assert lone.legacy and lone.state == "approved" and not AuditCase.objects.filter(proposal=lone).exists()


def test_imported_records_come_through_the_engine_with_an_import_event(org):
    """Issue 15 item 3: the proposal and the case are stored by the engine's `import_case` (an "import" event, from
    nothing to the STQ01 state), their penalty and payment are case facts: the timeline shows them."""
    head, _other = enterprises()
    run(org.admin_chq, [row()], dry_run=False)
    p = AuditProposal.objects.get(enterprise=head)
    assert [(e.action, e.from_state, e.to_state, e.actor_id, e.note) for e in p.events()] == [
        ("import", "", "approved", org.admin_chq.pk, "STQ01")]
    assert p.events()[0].data["stq01_id"] == "STQ01-0001"
    assert [(e.action, e.to_state) for e in p.case.events()] == [("import", "closed"), ("penalty", "closed"),
                                                                 ("payment", "closed")]
    assert p.case.history.first().history_change_reason == "STQ01 import"
    with translation.override("vi"):
        labels = [str(item["label"]) for item in timeline(p.case, AuditCase.workflow)]
    assert labels == ["Nhập từ hệ thống cũ", "Ghi nhận quyết định xử phạt vi phạm hành chính",
                      "Ghi nhận số tiền đã thu"]


def test_the_real_run_is_all_or_nothing(org):
    enterprises()
    report = run(org.admin_chq, [row(), row(stq01_id="STQ01-0002", tax_code=OTHER, proposal_number="9/DX",
                                            decision_signed_on="")], dry_run=False)
    assert not report.ok and report.batch is None
    assert [(e.row, e.column) for e in report.errors] == [(3, "decision_signed_on")]
    assert counts() == (0, 0, 0, 0, 0)


def test_import_is_idempotent_by_file_and_by_record(org):
    enterprises()
    first = run(org.admin_chq, [row()], dry_run=False)
    assert first.ok and counts() == (1, 1, 1, 1, 1)
    again = run(org.admin_chq, [row()], dry_run=False)
    assert again.already_imported and again.batch == first.batch and counts() == (1, 1, 1, 1, 1)
    dry_again = run(org.admin_chq, [row()], dry_run=True)
    assert dry_again.already_imported
    # another file repeating the first record and adding one: the known record is skipped
    second = run(org.admin_chq, [row(), row(stq01_id="STQ01-0002", tax_code=OTHER, proposal_number="9/DX")],
                 dry_run=False, name="stq01-b.csv")
    assert second.ok and second.skipped == 1 and second.batch.imported == 1
    assert counts() == (2, 2, 2, 2, 2)


def test_only_the_national_administrator_or_a_risk_manager_imports(org, client):
    enterprises()
    with pytest.raises(Forbidden):
        run(org.officer1, [row()], dry_run=True)
    with pytest.raises(Forbidden):
        run(org.admin_kv01pt, [row()], dry_run=True)  # a unit administrator below the root
    assert run(org.risk_manager, [row()], dry_run=True).ok
    client.force_login(org.officer1)
    assert client.get(reverse("legacy:index")).status_code == 404


def _new_proposal(org, ent, *, year_start):
    search_record(actor=org.officer1, query=ent.tax_code, matched_count=1, matched_tax_codes=[ent.tax_code])
    today = timezone.localdate()
    with transaction.atomic():
        p = audits.proposal_create(
            actor=org.officer1, unit=org.kv01pt, enterprise=ent, mode="field", ground="78.2",
            risk_areas=list(RiskArea.objects.filter(code="VALUATION")), period_from=today - timedelta(days=700),
            period_to=today - timedelta(days=30), reason="Dấu hiệu khai sai trị giá",
            planned_start=today + timedelta(days=year_start), paper_approved_on=today)
    with transaction.atomic():
        return audits.proposal_act(actor=org.officer1, proposal=p, action="submit")


def test_a_legacy_case_blocks_a_duplicate_proposal_and_is_found_by_the_duplicate_search(org):
    """Through the audits services: an approved STQ01 proposal of this year blocks approving a new one (the one-per-
    year rule), and an open STQ01 case raises the duplicate warning on submit."""
    head, other = enterprises()
    run(org.admin_chq, [
        row(proposal_year=str(THIS_YEAR)),  # closed case, proposal approved this year
        row(stq01_id="STQ01-0002", tax_code=OTHER, proposal_number="9/DX", conclusion_number="",
            conclusion_signed_on="", import_duty="", vat="", late_interest="", fine="", penalty_number="",
            collected="", case_state="fieldwork"),  # an audit still under way when STQ01 was retired
    ], dry_run=False)
    assert OTHER in open_tax_codes() and HEAD not in open_tax_codes()
    assert [d["number"] for d in open_cases_for_enterprise(OTHER)] == ["STQ01-STQ01-0002"]

    p = _new_proposal(org, head, year_start=20)
    assert p.year == THIS_YEAR
    with pytest.raises(AppError) as err, transaction.atomic():
        audits.proposal_act(actor=org.approver1, proposal=p, action="approve")
    # refused because of the STQ01 proposal: it was filed first (priority) and is approved for this year
    assert err.value.code in ("priority", "already_approved") and "15/DX-KTSTQ" in str(err.value.message)
    assert AuditProposal.objects.get(pk=p.pk).state == "submitted"

    q = _new_proposal(org, other, year_start=20)
    assert q.duplicate_warning and q.duplicates[0]["number"] == "STQ01-STQ01-0002"


def test_the_database_constraint_also_counts_legacy_proposals(org):
    enterprises()
    run(org.admin_chq, [row(proposal_year=str(THIS_YEAR))], dry_run=False)
    legacy = AuditProposal.objects.get()
    clone = AuditProposal.objects.get(pk=legacy.pk)
    clone.pk, clone.number, clone.legacy = None, "X-1", False
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_legacy_records_are_read_only_for_the_audits_services(org):
    enterprises()
    run(org.admin_chq, [row(conclusion_number="", conclusion_signed_on="", import_duty="", vat="",
                            late_interest="", fine="", penalty_number="", collected="", case_state="fieldwork"),
                        proposal_only(stq01_id="STQ01-0002", tax_code=OTHER, proposal_number="9/DX")],
        dry_run=False)
    case = AuditCase.objects.get()
    with pytest.raises(AppError) as err, transaction.atomic():
        audits.penalty_record(actor=org.officer1, case=case, number="1/XP", issued_on=timezone.localdate(),
                              legal_article="Điều 9", amount=1_000_000)
    assert err.value.code == "legacy_read_only"
    with pytest.raises(AppError) as err, transaction.atomic():
        audits.case_act(actor=org.officer1, case=case, action="end")
    assert err.value.code == "legacy_read_only"
    lone = AuditProposal.objects.get(enterprise__tax_code=OTHER)
    with pytest.raises(AppError) as err, transaction.atomic():
        audits.proposal_act(actor=org.approver1, proposal=lone, action="cancel", note="Hủy thử")
    assert err.value.code == "legacy_read_only"
    assert AuditProposal.objects.get(pk=lone.pk).state == "approved" and AuditCase.objects.get().state == "fieldwork"


def test_pages_api_and_enterprise_section(org, client):
    head, _other = enterprises()
    client.force_login(org.admin_chq)
    content = csv_bytes([row()])
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post(reverse("legacy:index"), {"mode": "dry_run", "file": SimpleUploadedFile("a.csv", content)})
    assert r.status_code == 200 and 'data-testid="report-ok"' in r.content.decode() and not ImportBatch.objects.exists()
    r = client.post(reverse("legacy:index"), {"mode": "import", "file": SimpleUploadedFile("a.csv", content)})
    batch = ImportBatch.objects.get()
    assert r.status_code == 302 and r["Location"] == batch.get_absolute_url()
    assert "15/DX-KTSTQ" in client.get(batch.get_absolute_url()).content.decode()
    r = client.post("/api/v1/legacy/imports/", {"dry_run": "false", "file": SimpleUploadedFile("a.csv", content)})
    assert r.status_code == 200 and r.json()["already_imported"]
    bad = csv_bytes([row(stq01_id="STQ01-9", tax_code="0312345678")])
    r = client.post("/api/v1/legacy/imports/", {"dry_run": "false", "file": SimpleUploadedFile("b.csv", bad)})
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "unknown_enterprise"
    assert len(client.get("/api/v1/legacy/imports/").json()) == 1
    # issue #17 item 5: a PDF is not read as CSV, on the page and in the API (the file type is checked)
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
    r = client.post("/api/v1/legacy/imports/", {"dry_run": "true", "file": SimpleUploadedFile("x.pdf", pdf)})
    assert r.status_code == 400 and "file" in r.json()["fields"]
    r = client.post("/api/v1/legacy/imports/", {"dry_run": "true", "file": SimpleUploadedFile("x.csv", pdf)})
    assert r.status_code == 400 and "file" in r.json()["fields"]
    r = client.post(reverse("legacy:index"), {"mode": "dry_run", "file": SimpleUploadedFile("x.pdf", pdf)})
    assert r.status_code == 200 and 'data-testid="report-ok"' not in r.content.decode()
    assert len(client.get("/api/v1/legacy/imports/").json()) == 1
    client.force_login(org.officer2)  # another unit: the STQ01 facts show on the enterprise page
    page = client.get(reverse("enterprises:detail", args=[head.tax_code])).content.decode()
    assert 'data-testid="enterprise-legacy"' in page and "15/DX-KTSTQ" in page


def test_the_command_checks_then_imports(org, tmp_path):
    from django.core.management import call_command

    enterprises()
    path = tmp_path / "stq01.csv"
    path.write_bytes(csv_bytes([row()]))
    call_command("import_stq01", str(path), "--user", org.admin_chq.username)
    assert counts() == (0, 0, 0, 0, 0)
    call_command("import_stq01", str(path), "--user", org.admin_chq.username, "--commit")
    assert counts() == (1, 1, 1, 1, 1)


def test_a_text_longer_than_its_column_is_a_row_error_not_a_cut(org):
    enterprises()
    report = run(org.admin_chq, [row(reason="x" * 10_001, signer_name="y" * 256)], dry_run=False)
    assert not report.ok
    assert {(e.row, e.column, e.code) for e in report.errors} >= {(2, "reason", "max_length"),
                                                                   (2, "signer_name", "max_length")}
    assert counts() == (0, 0, 0, 0, 0)
