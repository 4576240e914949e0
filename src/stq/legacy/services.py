"""The STQ01 import: parse and validate the file (layout in `layout.py`), report row errors on a dry run, and on the
real run write every record in ONE transaction — all or nothing — as audits rows marked `legacy=True`.

Idempotent twice over: a file already imported (same SHA-256) changes nothing and reports its batch; a row whose
STQ01 id an earlier batch imported is an upsert: unchanged (same row checksum) it is skipped, changed it updates the
rows it became in place — each changed field saved with its history (`save_as`, reason "STQ01 re-import") — and
adds what is new (a decision, a conclusion, a penalty, a payment). A re-import may not remove a decision or a
conclusion STQ01 once had (a row error). The audits services refuse legacy rows by design, so the rows are written
here, never through those services: the proposal and the case through the workflow engine's named entry point for
imports (`Workflow.import_case`: the state STQ01 had, a history row, an "import" event with what a re-import
changed), the other rows with `save_as` (attributed history); a new penalty or payment is also a case fact
(`Workflow.record`), so that the case's timeline shows it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stq.audits.models import (
    AuditCase,
    AuditConclusion,
    AuditDecision,
    AuditGround,
    AuditMode,
    AuditProposal,
    ConclusionFinding,
    DecisionKind,
    Payment,
    PaymentKind,
    PenaltyDecision,
)
from stq.core.errors import AppError, Conflict, Forbidden
from stq.core.history import save_as
from stq.core.limits import whole_number
from stq.core.models import RiskArea
from stq.enterprises.models import Enterprise
from stq.enterprises.taxcode import clean_digits
from stq.org.models import Unit
from stq.workflow.engine import snapshot

from .layout import AMOUNT_COLUMNS, NAMES, REQUIRED
from .models import ImportBatch, LegacyRecord
from .policy import may_import

MAX_ROWS = 50_000
TAX_COLUMNS = ("import_duty", "vat", "excise", "environmental", "trade_remedy")
TRUE_WORDS = {"1", "true", "yes", "y", "x", "có", "co"}
FALSE_WORDS = {"0", "false", "no", "n", "không", "khong", ""}


@dataclass
class RowError:
    row: int
    column: str
    code: str
    message: str


@dataclass
class ImportReport:
    dry_run: bool
    filename: str
    checksum: str
    rows: int = 0
    to_import: int = 0
    to_update: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    batch: ImportBatch | None = None
    already_imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {"dry_run": self.dry_run, "filename": self.filename, "checksum": self.checksum, "rows": self.rows,
                "to_import": self.to_import, "to_update": self.to_update, "skipped": self.skipped, "ok": self.ok,
                "already_imported": self.already_imported, "batch": self.batch.pk if self.batch else None,
                "errors": [e.__dict__ for e in self.errors]}


@dataclass
class Row:
    """One valid row, resolved."""

    line: int
    stq01_id: str
    enterprise: Enterprise
    unit: Unit
    values: dict
    risk_areas: list
    checksum: str = ""
    existing: LegacyRecord | None = None


# --- parsing --------------------------------------------------------------------------------------------------
def read_rows(content: bytes) -> list[tuple[int, dict]]:
    """(line number, {column: text}) for every non-empty data row."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AppError("invalid_file", _("The file is not UTF-8 text."), field="file") from None
    if not text.strip():
        raise AppError("empty_file", _("The file is empty."), field="file")
    dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        pass
    reader = csv.reader(io.StringIO(text), dialect)
    headers = [h.strip().lower() for h in next(reader)]
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        raise AppError("missing_columns", _("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)},
                       field="file")
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        rows.append((line, {h: v.strip() for h, v in zip(headers, values, strict=False) if h in NAMES}))
        if len(rows) > MAX_ROWS:
            raise AppError("too_many_rows", _("Import at most %(n)s rows per file.") % {"n": f"{MAX_ROWS:,}"},
                           field="file")
    return rows


def _date(text: str) -> date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _amount(text: str) -> int:
    if not text.replace(".", "").replace(" ", "").replace("\u00a0", ""):
        return 0
    value = whole_number(text)
    if value is None:
        raise ValueError(text)
    return value


# --- validation -----------------------------------------------------------------------------------------------
class _Errors:
    def __init__(self):
        self.items: list[RowError] = []

    def add(self, line, column, code, message):
        self.items.append(RowError(line, column, code, str(message)))


# the model field each free-text column is stored in: a longer value is refused with its line, never cut
TEXT_COLUMNS = {
    "proposal_number": (AuditProposal, "number"), "reason": (AuditProposal, "reason"),
    "decision_number": (AuditDecision, "number"), "signer_name": (AuditDecision, "signer_name"),
    "signer_title": (AuditDecision, "signer_title"), "team_leader": (AuditDecision, "team_leader"),
    "conclusion_number": (AuditConclusion, "number"), "conclusion_signer": (AuditConclusion, "signer_name"),
    "findings": (ConclusionFinding, "finding"), "penalty_number": (PenaltyDecision, "number"),
}


def _check_row(line: int, raw: dict, refs: dict, err: _Errors) -> Row | None:
    before = len(err.items)
    for column in REQUIRED:
        if not raw.get(column):
            err.add(line, column, "required", _("This column is required."))
    if len(err.items) > before:
        return None
    v: dict = {}
    enterprise = refs["enterprises"].get(clean_digits(raw["tax_code"]))
    if enterprise is None:
        err.add(line, "tax_code", "unknown_enterprise",
                _("No enterprise with this tax code in the directory. Import the directory first."))
    unit = refs["units"].get(raw["unit_code"])
    if unit is None:
        err.add(line, "unit_code", "unknown_unit", _("No unit with this code."))
    codes = [c.strip() for c in raw["risk_areas"].replace(",", ";").split(";") if c.strip()]
    areas = [refs["areas"].get(c) for c in codes]
    if not codes or None in areas:
        err.add(line, "risk_areas", "unknown_risk_area", _("Unknown risk-area code: %(codes)s.")
                % {"codes": ", ".join(c for c, a in zip(codes, areas, strict=True) if a is None) or "—"})
    if raw["mode"] not in AuditMode.values:
        err.add(line, "mode", "invalid", _("Write desk or field."))
    if raw["ground"] not in AuditGround.values:
        err.add(line, "ground", "invalid", _("Write 78.1, 78.2 or 78.3."))
    try:
        v["proposal_year"] = int(raw["proposal_year"])
        if not 1990 <= v["proposal_year"] <= timezone.localdate().year:
            raise ValueError
    except ValueError:
        err.add(line, "proposal_year", "invalid", _("Write a year such as 2024, not in the future."))
    for column in ("proposal_date", "period_from", "period_to", "decision_signed_on", "start_on", "end_on",
                   "conclusion_signed_on", "penalty_issued_on", "paid_on"):
        try:
            v[column] = _date(raw[column]) if raw.get(column) else None
        except ValueError:
            err.add(line, column, "invalid_date", _("Write the date as dd/mm/yyyy or yyyy-mm-dd."))
            continue
        if v[column] and v[column] > timezone.localdate():
            err.add(line, column, "future_date", _("The date cannot be in the future."))
    for column in (*AMOUNT_COLUMNS, "declarations_concerned", "duration_working_days"):
        try:
            v[column] = _amount(raw.get(column, ""))
        except ValueError:
            err.add(line, column, "invalid_amount", _("Write a whole number, zero or more."))
    if v.get("period_from") and v.get("period_to") and v["period_to"] < v["period_from"]:
        err.add(line, "period_to", "invalid_period", _("The end of the audited period must not precede its start."))
    has_decision = bool(raw.get("decision_number"))
    if has_decision:
        for column in ("decision_signed_on", "signer_name"):
            if not raw.get(column):
                err.add(line, column, "required", _("Required with a decision number."))
    if raw.get("conclusion_number"):
        if not has_decision:
            err.add(line, "conclusion_number", "conclusion_without_decision",
                    _("A conclusion needs the audit decision (decision_number)."))
        if not raw.get("conclusion_signed_on"):
            err.add(line, "conclusion_signed_on", "required", _("Required with a conclusion number."))
    tax = sum(v.get(c) or 0 for c in (*TAX_COLUMNS, "late_interest"))
    if tax and not raw.get("conclusion_number"):
        err.add(line, "conclusion_number", "amounts_without_conclusion",
                _("Amounts assessed need the conclusion (conclusion_number)."))
    if v.get("fine") and not (raw.get("penalty_number") and raw.get("penalty_issued_on") and has_decision):
        err.add(line, "fine", "fine_without_decision", _("A fine needs the penalty decision's number and date."))
    if v.get("collected") and not (v.get("paid_on") and has_decision):
        err.add(line, "paid_on", "required", _("An amount collected needs its payment date (and the decision)."))
    flag = raw.get("has_violations", "").lower()
    if flag in TRUE_WORDS:
        v["has_violations"] = True
    elif flag in FALSE_WORDS:
        v["has_violations"] = bool(tax or v.get("fine"))  # amounts assessed mark the violation (derived)
    else:
        err.add(line, "has_violations", "invalid", _("Write 1 or 0."))
    state = raw.get("case_state") or ""
    if state and (state not in AuditCase.State.values or not has_decision):
        err.add(line, "case_state", "invalid", _("Unknown case state, or a state without a decision."))
    v["case_state"] = state or ("closed" if raw.get("conclusion_number") else "decision_signed")
    for column in ("mode", "ground", "proposal_number", "reason", "decision_number", "signer_name", "signer_title",
                   "team_leader", "conclusion_number", "conclusion_signer", "findings", "penalty_number"):
        v[column] = raw.get(column, "")
    for column, (model, name) in TEXT_COLUMNS.items():
        limit = model._meta.get_field(name).max_length
        if len(v[column]) > limit:
            err.add(line, column, "max_length", _("At most %(limit)d characters.") % {"limit": limit})
    if len(err.items) > before:
        return None
    return Row(line, raw["stq01_id"], enterprise, unit, v, areas, row_checksum(raw))


def row_checksum(raw: dict) -> str:
    """The SHA-256 of a row's values (column order and empty columns do not matter)."""
    text = "\x1f".join(f"{k}={raw[k]}" for k in sorted(raw) if raw[k])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def validate(rows: list[tuple[int, dict]]) -> tuple[list[Row], int, list[RowError]]:
    """(rows to import or update, rows skipped as already imported unchanged, errors). Checks each row, then the
    rules across rows and against the database: one approved proposal per enterprise and year, proposal numbers
    unique per unit (a record's own earlier rows left out)."""
    err = _Errors()
    ids = [raw.get("stq01_id", "") for _line, raw in rows]
    done = {r.stq01_id: r for r in LegacyRecord.objects.filter(stq01_id__in=ids).select_related("case")}
    refs = {
        "enterprises": {e.tax_code: e for e in Enterprise.objects.filter(
            tax_code__in={clean_digits(raw.get("tax_code", "")) for _line, raw in rows})},
        "units": {u.code: u for u in Unit.objects.filter(code__in={raw.get("unit_code") for _line, raw in rows})},
        "areas": {a.code: a for a in RiskArea.objects.all()},
    }
    seen_ids: dict[str, int] = {}
    clean: list[Row] = []
    skipped = 0
    for line, raw in rows:
        sid = raw.get("stq01_id", "")
        if sid and sid in seen_ids:
            err.add(line, "stq01_id", "duplicate_row",
                    _("The same STQ01 id is on line %(line)s.") % {"line": seen_ids[sid]})
            continue
        seen_ids[sid] = line
        existing = done.get(sid)
        if existing is not None and existing.row_checksum == row_checksum(raw):
            skipped += 1
            continue
        row = _check_row(line, raw, refs, err)
        if row is not None and existing is not None:
            row.existing = existing
            if existing.case_id and not row.values["decision_number"]:
                err.add(line, "decision_number", "cannot_remove",
                        _("STQ01 record %(id)s was imported with an audit decision: a re-import cannot remove it.")
                        % {"id": sid})
                continue
            if (existing.case_id and not row.values["conclusion_number"]
                    and existing.case.conclusions.filter(legacy=True).exists()):
                err.add(line, "conclusion_number", "cannot_remove",
                        _("STQ01 record %(id)s was imported with a conclusion: a re-import cannot remove it.")
                        % {"id": sid})
                continue
        if row is not None:
            clean.append(row)
    # one approved proposal per enterprise and year (the database rule): in the file and against the database
    per_year: dict[tuple, int] = {}
    numbers: dict[tuple, int] = {}
    for row in clean:
        key = (row.enterprise.pk, row.values["proposal_year"])
        if row.values["mode"] != AuditMode.FIELD:  # one per year binds field audits only (letter 7301 §2.2)
            key = (None, row.line)
        if key in per_year:
            err.add(row.line, "proposal_year", "one_per_year",
                    _("Line %(line)s already has an approved proposal for this enterprise and year.")
                    % {"line": per_year[key]})
        per_year.setdefault(key, row.line)
        nkey = (row.unit.pk, row.values["proposal_number"])
        if nkey in numbers:
            err.add(row.line, "proposal_number", "duplicate_number",
                    _("Line %(line)s has the same proposal number in this unit.") % {"line": numbers[nkey]})
        numbers.setdefault(nkey, row.line)
    if clean:
        own = {r.existing.proposal_id for r in clean if r.existing is not None}
        taken = set(AuditProposal.objects.filter(
            state=AuditProposal.State.APPROVED, mode=AuditMode.FIELD,
            enterprise_id__in={r.enterprise.pk for r in clean},
            year__in={r.values["proposal_year"] for r in clean}).exclude(pk__in=own)
            .values_list("enterprise_id", "year"))
        used = set(AuditProposal.objects.filter(
            unit_id__in={r.unit.pk for r in clean}, number__in={r.values["proposal_number"] for r in clean}
        ).exclude(pk__in=own).values_list("unit_id", "number"))
        for row in clean:
            if row.values["mode"] == AuditMode.FIELD and (row.enterprise.pk, row.values["proposal_year"]) in taken:
                err.add(row.line, "proposal_year", "one_per_year",
                        _("This enterprise already has an approved audit proposal in %(year)s.")
                        % {"year": row.values["proposal_year"]})
            if (row.unit.pk, row.values["proposal_number"]) in used:
                err.add(row.line, "proposal_number", "duplicate_number",
                        _("This proposal number is already used in this unit."))
    err.items.sort(key=lambda e: (e.row, e.column))
    return clean, skipped, err.items


# --- writing --------------------------------------------------------------------------------------------------
NOTE = "STQ01"  # the note of the events of imported records


def _at(day: date | None):
    return timezone.make_aware(datetime.combine(day, time(8, 0))) if day else None


def _upsert(obj, model, values: dict, actor, changed: list):
    """Create `model(**values)`, or set the values that differ on `obj` and save it with its history."""
    if obj is None:
        obj = save_as(model(**values), actor, reason="STQ01 import")
        changed.append(model.__name__)
        return obj
    diff = [k for k, v in values.items() if getattr(obj, k) != v]
    if diff:
        for k in diff:
            setattr(obj, k, values[k])
        save_as(obj, actor, reason="STQ01 re-import")
        changed.append(model.__name__)
    return obj


def _import(obj, model, values: dict, state: str, actor, changed: list, data: dict):
    """The proposal or the case of a record, created or updated in place through the engine's entry point for
    imports (`Workflow.import_case`: its state, its history row, an "import" event with what changed)."""
    if obj is None:
        obj = model.workflow.import_case(actor=actor, case=model(**values), state=state, note=NOTE, data=data,
                                         reason="STQ01 import")
        changed.append(model.__name__)
        return obj
    diff = [k for k, v in values.items() if getattr(obj, k) != v]
    if diff or obj.state != state:
        before = snapshot(obj, [*diff, "state"])
        for k in diff:
            setattr(obj, k, values[k])
        model.workflow.import_case(actor=actor, case=obj, state=state, note=NOTE, data=data,
                                   before=before, after={**snapshot(obj, diff), "state": state},
                                   reason="STQ01 re-import")
        changed.append(model.__name__)
    return obj


def _write_row(row: Row, actor, batch: ImportBatch) -> tuple[bool, bool, bool]:
    """Store one STQ01 record as audits rows marked legacy — or, for a record imported before, update those rows in
    place; returns (has a case, has a conclusion, something changed)."""
    v = row.values
    record = row.existing
    changed: list[str] = []
    decision_on = v["decision_signed_on"]
    source = {"stq01_id": row.stq01_id, "batch": batch.filename}
    proposal = _import(record.proposal if record else None, AuditProposal, dict(
        unit=row.unit, approval_unit=row.unit, number=v["proposal_number"], year=v["proposal_year"],
        enterprise=row.enterprise, mode=v["mode"], ground=v["ground"],
        period_from=v["period_from"], period_to=v["period_to"],
        reason=v["reason"] or _("Imported from STQ01 (record %(id)s).") % {"id": row.stq01_id},
        planned_start=v["start_on"] or decision_on or v["proposal_date"] or date(v["proposal_year"], 1, 1),
        filed_at=_at(v["proposal_date"]), approved_at=_at(v["proposal_date"] or decision_on), legacy=True,
    ), AuditProposal.State.APPROVED, actor, changed, source)
    if set(proposal.risk_areas.all()) != set(row.risk_areas):
        proposal.risk_areas.set(row.risk_areas)
        changed.append("risk_areas")
    case = record.case if record else None
    if v["decision_number"]:
        concluded_on = v["conclusion_signed_on"]
        case = _import(case, AuditCase, dict(
            unit=row.unit, approval_unit=row.unit, number=f"STQ01-{row.stq01_id}"[:64], proposal=proposal,
            enterprise=row.enterprise, mode=proposal.mode, ground=proposal.ground, legacy=True,
            decision_signed_on=decision_on, started_on=v["start_on"],
            ended_on=v["end_on"], concluded_on=concluded_on,
            closed_on=(concluded_on or v["end_on"] or decision_on) if v["case_state"] == "closed" else None,
            planned_start_on=v["start_on"], duration_working_days=v["duration_working_days"],
        ), v["case_state"], actor, changed, {**source, "decision": v["decision_number"], "signed_on": decision_on})
        if set(case.risk_areas.all()) != set(row.risk_areas):
            case.risk_areas.set(row.risk_areas)
        _upsert(case.decisions.filter(kind=DecisionKind.ORIGINAL).first(), AuditDecision, dict(
            case=case, kind=DecisionKind.ORIGINAL, number=v["decision_number"], signed_on=decision_on,
            signer_name=v["signer_name"], signer_title=v["signer_title"], signer_unit=row.unit,
            team_leader=v["team_leader"], start_on=v["start_on"],
            duration_working_days=v["duration_working_days"] or None, legacy=True,
            approved_at=_at(decision_on),  # historical: approved in STQ01, in effect as imported
        ), actor, changed)
        if v["conclusion_number"]:
            conclusion = _upsert(case.conclusions.filter(supplementary=False).first(), AuditConclusion, dict(
                case=case, is_result_notice=proposal.mode == AuditMode.DESK, number=v["conclusion_number"],
                signed_on=concluded_on, signer_name=v["conclusion_signer"] or v["signer_name"],
                approved_at=_at(concluded_on), has_violations=v["has_violations"],
                declarations_concerned=v["declarations_concerned"], legacy=True,
            ), actor, changed)
            _upsert(conclusion.findings.first(), ConclusionFinding, dict(
                conclusion=conclusion, risk_area=row.risk_areas[0],
                finding=v["findings"] or _("Result imported from STQ01."), has_violation=v["has_violations"],
                declarations_count=v["declarations_concerned"], late_interest=v["late_interest"], fine=v["fine"],
                **{c: v[c] for c in TAX_COLUMNS},
            ), actor, changed)
        if v["fine"] or v["penalty_number"]:
            old = case.penalties.first()
            _upsert(old, PenaltyDecision, dict(
                case=case, number=v["penalty_number"], issued_on=v["penalty_issued_on"], legal_article="",
                amount=v["fine"]), actor, changed)
            if old is None:
                AuditCase.workflow.record(actor=actor, case=case, kind="penalty", note=NOTE, data={
                    "number": v["penalty_number"], "issued_on": v["penalty_issued_on"], "amount": v["fine"]})
        if v["collected"]:
            old = case.payments.filter(reference=f"STQ01 {row.stq01_id}").first()
            _upsert(old, Payment, dict(
                case=case, paid_on=v["paid_on"], kind=PaymentKind.TAX, amount=v["collected"],
                reference=f"STQ01 {row.stq01_id}"), actor, changed)
            if old is None:
                AuditCase.workflow.record(actor=actor, case=case, kind="payment", note=NOTE, data={
                    "paid_on": v["paid_on"], "payment_kind": PaymentKind.TAX, "amount": v["collected"],
                    "reference": f"STQ01 {row.stq01_id}"})
    if record is None:
        LegacyRecord.objects.create(batch=batch, stq01_id=row.stq01_id, tax_code=row.enterprise.tax_code,
                                    proposal=proposal, case=case, row_checksum=row.checksum)
    else:
        record.case, record.tax_code, record.row_checksum = case, row.enterprise.tax_code, row.checksum
        if changed:
            record.updated_batch = batch
        save_as(record, actor, reason="STQ01 re-import")
    return case is not None, bool(case and v["conclusion_number"]), bool(changed)


def legacy_import(*, actor, content: bytes, filename: str, dry_run: bool = True) -> ImportReport:
    """Check (dry run) or import an STQ01 file. The real run writes nothing unless every row is valid."""
    if not may_import(actor):
        raise Forbidden("forbidden", _("You do not have permission to do this."))
    checksum = hashlib.sha256(content).hexdigest()
    report = ImportReport(dry_run=dry_run, filename=filename, checksum=checksum)
    previous = ImportBatch.objects.filter(checksum=checksum).first()
    if previous is not None:
        report.already_imported, report.batch, report.rows = True, previous, previous.rows
        return report
    rows = read_rows(content)
    report.rows = len(rows)
    clean, report.skipped, report.errors = validate(rows)
    report.to_update = sum(r.existing is not None for r in clean)
    report.to_import = len(clean) - report.to_update
    if dry_run or report.errors:
        return report
    try:
        with transaction.atomic():
            # validate again inside the transaction, so that a concurrent import cannot slip between
            clean, report.skipped, report.errors = validate(rows)
            if report.errors:
                transaction.set_rollback(True)
                return report
            batch = ImportBatch.objects.create(filename=filename[:255], checksum=checksum, rows=len(rows),
                                               skipped=report.skipped, imported_by=actor)
            for row in clean:
                has_case, has_conclusion, changed = _write_row(row, actor, batch)
                if row.existing is None:
                    batch.imported += 1
                    batch.cases += has_case
                    batch.conclusions += has_conclusion
                elif changed:
                    batch.updated += 1
                else:
                    batch.skipped += 1
            batch.save()
    except IntegrityError:
        raise Conflict("import_conflict", _("Another import or a new proposal changed the same records meanwhile. "
                                            "Run the import again.")) from None
    report.batch = batch
    return report
