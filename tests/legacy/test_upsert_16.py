"""STQ01 records that change are updated on re-import, by their STQ01 id, with history (issue 16 item 12)."""

import pytest

from stq.audits.models import AuditCase, AuditConclusion, AuditProposal, ConclusionFinding, Payment
from stq.legacy.models import ImportBatch, LegacyRecord
from stq.legacy.services import legacy_import

from .helpers import THIS_YEAR, csv_bytes, enterprises, proposal_only, row

pytestmark = pytest.mark.django_db


def run(user, rows, name, *, dry_run=False):
    return legacy_import(actor=user, content=csv_bytes(rows), filename=name, dry_run=dry_run)


def test_a_changed_stq01_record_updates_its_rows_with_history(org):
    """Domain A1.8 ("records from the previous system are imported so that duplicate searches cover both old and new
    cases"): STQ01 corrected record STQ01-0001 after the first export — the conclusion's assessed import duty
    (120 → 150 million đồng) and the amount collected. The second file updates the same rows, keeps their history,
    and creates nothing new."""
    enterprises()
    first = run(org.admin_chq, [row()], "stq01-2026-01.csv")
    assert first.ok and first.batch.imported == 1
    finding = ConclusionFinding.objects.get()
    assert finding.import_duty == 120_000_000
    changed = row(import_duty="150.000.000", collected="130000000", reason="Khai giá thấp, đã điều chỉnh")
    dry = run(org.admin_chq, [changed], "stq01-2026-02.csv", dry_run=True)
    assert dry.ok and dry.to_update == 1 and dry.to_import == 0 and dry.skipped == 0
    second = run(org.admin_chq, [changed], "stq01-2026-02.csv")
    assert second.ok and second.batch.updated == 1 and second.batch.imported == 0
    assert (AuditProposal.objects.count(), AuditCase.objects.count(), AuditConclusion.objects.count(),
            LegacyRecord.objects.count(), Payment.objects.count()) == (1, 1, 1, 1, 1)
    finding.refresh_from_db()
    assert finding.import_duty == 150_000_000
    assert Payment.objects.get().amount == 130_000_000
    assert AuditProposal.objects.get().reason == "Khai giá thấp, đã điều chỉnh"
    history = list(finding.history.order_by("history_date").values_list("import_duty", "history_change_reason",
                                                                       "history_user_id"))
    assert history == [(120_000_000, "STQ01 import", org.admin_chq.pk),
                       (150_000_000, "STQ01 re-import", org.admin_chq.pk)]
    record = LegacyRecord.objects.get()
    assert record.batch == first.batch and record.updated_batch == second.batch
    # the same content in a third file is unchanged: skipped, nothing written
    third = run(org.admin_chq, [changed, row(stq01_id="STQ01-0009", proposal_number="99/DX",
                                              proposal_year=str(THIS_YEAR - 3))], "stq01-2026-03.csv")
    assert third.ok and third.skipped == 1 and third.batch.imported == 1 and third.batch.updated == 0
    assert finding.history.count() == 2


def test_a_decision_added_in_stq01_later_opens_the_case(org):
    """A record exported as a bare proposal, later with its decision: the re-import adds the case to the same
    proposal."""
    enterprises()
    assert run(org.admin_chq, [proposal_only()], "a.csv").ok
    assert AuditCase.objects.count() == 0
    again = run(org.admin_chq, [row()], "b.csv")
    assert again.ok and again.batch.updated == 1
    assert AuditCase.objects.get().proposal == AuditProposal.objects.get()
    assert LegacyRecord.objects.get().case == AuditCase.objects.get()


def test_a_reimport_cannot_remove_the_decision(org):
    enterprises()
    assert run(org.admin_chq, [row()], "a.csv").ok
    report = run(org.admin_chq, [proposal_only()], "b.csv")
    assert not report.ok and {e.code for e in report.errors} == {"cannot_remove"}
    assert ImportBatch.objects.count() == 1 and AuditCase.objects.count() == 1
