"""The rules of audit proposals and decisions (domain A1.3, B4.2, B4.3, B9). Each raises AppError with a stable code
and a translated message. Law (F) and seed policy (SEED, A1.3 — configurable, not law) are marked per rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core import calendar
from stq.core.errors import AppError

from .models import AuditGround, AuditMode, AuditProposal, CancellationReason, DecisionKind, SuspensionReason

CONCLUDED_AUDIT = _("Concluded audit")  # the kind of a duplicate row: a concluded audit over the same time

# --- SEED policy (A1.3, B9 rules 12–14): configurable, not law -------------------------------------------------
SEARCH_VALID_DAYS = 30  # POLICY: the officer's recorded search of the enterprise counts for this many days
DECISION_RECORDING_DAYS = 1  # POLICY: a decision is recorded within 1 day of signing (later: flagged late)
CONCLUSION_RECORDING_DAYS = 3  # POLICY: a conclusion is recorded within 3 days of signing (later: flagged late)
PROPOSAL_RECORDING_DAYS = 1  # POLICY: a proposal is recorded within 1 day of its approval on paper (later: flagged)

# --- law ------------------------------------------------------------------------------------------------------
AUDIT_WINDOW_YEARS = 5  # LHQ 77.3: declarations registered at most 5 years before the decision (B9.1)
DESK_MAX_WORKING_DAYS = 5  # LHQ 79.1 (B9.2)
FIELD_MAX_WORKING_DAYS = 10  # LHQ 80.2a (B9.3)
EXTENSION_MAX_WORKING_DAYS = 10  # LHQ 80.2a: one extension, at most 10 working days (B9.3)
DELIVERY_WORKING_DAYS = 3  # LHQ 79.2, 80.2b: delivered ≤ 3 working days after signing (B9.4)
NOTICE_WORKING_DAYS = 5  # ... and ≥ 5 working days before the start, unless ground 78.1 (B9.4)
COMPLIANCE_CAP_RATE_PER_MILLE = 5  # TT81 art 23.2: compliance audits ≤ 0.5 % of last year's active enterprises


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def check_searched(user, enterprise, now: datetime | None = None) -> None:
    """SEED (B9.12, letter 7301 §2.2 "phải thực hiện tra cứu trước khi đề xuất"): the proposing officer made a search
    that identified the enterprise (its full tax code, or a search that found it and nothing beyond its own head
    office and branches — `enterprises.selectors.search_identified`) within the last 30 days."""
    from stq.enterprises.selectors import has_searched

    now = now or timezone.now()
    if not has_searched(user, enterprise.tax_code, now - timedelta(days=SEARCH_VALID_DAYS)):
        raise AppError("search_required", _("Search the enterprise in STQ first — by its tax code, or by a name that "
                                            "finds only it — and look at the cases found, then propose the audit."),
                       field="enterprise")


def check_focus_list(enterprise, *, days) -> None:
    """SEED (B9.12, letter 7301 §2.2 "không được đề xuất KTSTQ các doanh nghiệp mà doanh nghiệp đó thuộc danh sách
    doanh nghiệp trọng điểm"): an enterprise on the focus list — whatever the entry's field, also through its head
    office or a branch — on the filing day or the planned start cannot be proposed at all."""
    from stq.enterprises.selectors import family_focus_entries

    for day in days:
        entries = family_focus_entries(enterprise, day) if day else []
        if entries:
            entry = entries[0]
            raise AppError("focus_list", _("%(code)s %(name)s is on the focus list (%(area)s, from %(start)s) on "
                                           "%(day)s: the enterprise, its head office and its branches cannot be "
                                           "proposed for an audit.")
                           % {"code": entry.enterprise.tax_code_display, "name": entry.enterprise.name,
                              "area": entry.get_risk_area_display(), "start": entry.valid_from.strftime("%d/%m/%Y"),
                              "day": day.strftime("%d/%m/%Y")}, field="enterprise")


def check_period(period_from: date | None, reference: date, declaration_numbers=(), *, field="period_from") -> None:
    """LAW (B9.1): the audited declarations were registered at most 5 years before the decision (`reference`: the
    decision's signing date, or the planned start while only proposed — the decision comes before the start)."""
    limit = years_before(reference, AUDIT_WINDOW_YEARS)
    if period_from and period_from < limit:
        raise AppError("period_too_old", _("The audited period may start no earlier than %(limit)s (5 years before "
                                           "the decision).") % {"limit": limit.strftime("%d/%m/%Y")}, field=field)
    numbers = [n[:11] for n in declaration_numbers or [] if n]
    if numbers:
        from stq.declarations.models import DeclarationNumber

        # the number registry holds every number's date (one index probe each, archived months included)
        old = list(DeclarationNumber.objects.filter(base_number__in=numbers, registered_on__lt=limit)
                   .order_by("base_number").values_list("base_number", flat=True)[:5])
        if old:
            raise AppError("period_too_old", _("These declarations were registered more than 5 years before the "
                                               "decision: %(numbers)s.") % {"numbers": ", ".join(old)},
                           field="declaration_numbers")


CLEARING_OFFICE_DESK_WINDOW_DAYS = 60  # TT38-39 art 142.1.a (B9.2)


def check_desk_by_clearing_office(mode: str, signer_unit, signed_on: date, period_from: date | None,
                                  declaration_numbers=()) -> None:
    """LAW (B9.2, TT38-39 art 142.1.a): a desk audit decided by the head of a clearing office (the unit that cleared
    the goods: a "Chi cục Hải quan" at a border gate before 3/2025, a border or inland customs office after) covers
    only the dossiers that office cleared, at most 60 days before the decision. Whether a unit is a clearing office
    is its kind in the unit data (`Unit.kind`), never its label: the central audit unit and the 2025 regional
    sub-departments (Chi cục Hải quan khu vực), decided at department level, keep the 5-year window (B9.1).
    The registration date stands for the clearance date (the declarations we store carry no clearance date); a
    declaration belongs to the office when its office code is one of the unit's `customs_office_codes`."""
    if mode != AuditMode.DESK or signer_unit is None or not signer_unit.is_clearing_office:
        return
    limit = signed_on - timedelta(days=CLEARING_OFFICE_DESK_WINDOW_DAYS)
    if period_from and period_from < limit:
        raise AppError("desk_window", _("A desk audit decided by a clearing office covers the declarations it cleared "
                                        "at most 60 days before the decision: the audited period may start no "
                                        "earlier than %(limit)s, or the decision must be signed at department "
                                        "level.") % {"limit": limit.strftime("%d/%m/%Y")}, field="signer_unit")
    numbers = [n[:11] for n in declaration_numbers or [] if n]
    if numbers:
        from stq.declarations.models import Declaration, DeclarationNumber

        # through the number registry: the headers' dates first, then only their months' partitions
        days = set(DeclarationNumber.objects.filter(base_number__in=numbers).values_list("registered_on", flat=True))
        rows = Declaration.objects.filter(base_number__in=numbers, registered_on__in=days).values_list(
            "base_number", "registered_on", "customs_office")
        old = sorted({n for n, registered_on, _office in rows if registered_on < limit})[:5]
        if old:
            raise AppError("desk_window", _("A desk audit decided by a clearing office covers the declarations it "
                                            "cleared at most 60 days before the decision; these are older: "
                                            "%(numbers)s.") % {"numbers": ", ".join(old)}, field="signer_unit")
        offices = set(signer_unit.customs_office_codes or [])
        foreign = sorted({n for n, _day, office in rows if office not in offices})[:5]
        if foreign:
            raise AppError("desk_own_dossiers", _("A desk audit decided by a clearing office covers only the "
                                                  "declarations that office cleared; these were cleared elsewhere: "
                                                  "%(numbers)s.") % {"numbers": ", ".join(foreign)},
                           field="signer_unit")


def check_aeo(enterprise, mode: str, ground: str, day: date) -> None:
    """LAW (B9.8, ND08 art 9.4): a priority enterprise (AEO) gets a desk audit only on signs of violation."""
    if mode == AuditMode.DESK and ground != AuditGround.VIOLATION_SIGNS and enterprise.aeo_valid_on(day):
        raise AppError("aeo_desk_audit", _("The enterprise is a priority enterprise (AEO): a desk audit needs the "
                                           "ground “signs of violation” (art. 78.1)."), field="ground")


def check_proposal(enterprise, *, period_from: date | None, planned_start: date | None, declaration_numbers=(),
                   mode: str, ground: str) -> None:
    """The rules of a proposal, checked when it is recorded, changed, submitted and approved: the focus list on the
    filing day and the planned start (SEED, B9.12), the 5-year window (B9.1), the AEO desk-audit rule (B9.8)."""
    check_focus_list(enterprise, days=[timezone.localdate(), planned_start])
    check_period(period_from, planned_start, declaration_numbers)
    check_aeo(enterprise, mode, ground, planned_start)


def active_enterprises_in(year: int) -> int:
    """Enterprises active in `year`: those with declarations that year (activity profile); when no declaration data
    is loaded, the active enterprises of the directory created before the end of that year."""
    from stq.declarations.models import ActivityMonth
    from stq.enterprises.models import Enterprise

    n = (ActivityMonth.objects.filter(month__year=year, declarations__gt=0)
         .values("tax_code").distinct().count())
    if n:
        return n
    return Enterprise.objects.filter(is_active=True, created_at__year__lte=year).count()


def compliance_audit_cap(year: int) -> int:
    """LAW (B9.9, TT81 art 23.2): compliance-assessment audits in `year` ≤ 0.5 % of the enterprises active the
    previous year (rounded down)."""
    return active_enterprises_in(year - 1) * COMPLIANCE_CAP_RATE_PER_MILLE // 1000


def compliance_audits_used(year: int, *, exclude=None) -> int:
    """Approved (not cancelled) compliance-assessment proposals counting for `year`, legacy included."""
    qs = AuditProposal.objects.filter(year=year, ground=AuditGround.COMPLIANCE, state=AuditProposal.State.APPROVED)
    if exclude is not None and exclude.pk:
        qs = qs.exclude(pk=exclude.pk)
    return qs.count()


def check_compliance_cap(proposal) -> None:
    if proposal.ground != AuditGround.COMPLIANCE:
        return
    cap = compliance_audit_cap(proposal.year)
    used = compliance_audits_used(proposal.year, exclude=proposal)
    if used + 1 > cap:
        raise AppError("compliance_cap", _("The yearly cap of compliance-assessment audits is reached: %(used)s of "
                                           "%(cap)s (0.5%% of the enterprises active last year).")
                       % {"used": used, "cap": cap}, field="ground")


def returned_priority_cutoff(today: date | None = None) -> datetime:
    """A proposal returned before this moment and not resubmitted has lost its priority: SEED policy, configurable
    (`STQ_PROPOSAL_RETURNED_PRIORITY_WORKING_DAYS`, default 5 working days after the return)."""
    days = getattr(settings, "STQ_PROPOSAL_RETURNED_PRIORITY_WORKING_DAYS", 5)
    first_day = calendar.add_working_days(today or timezone.localdate(), -days)
    return timezone.make_aware(datetime.combine(first_day, datetime.min.time()))


def holding_priority_q(year: int) -> Q:
    """Proposals that hold the priority on their enterprise: submitted (awaiting approval), returned for revision
    less than `STQ_PROPOSAL_RETURNED_PRIORITY_WORKING_DAYS` working days ago, or approved for `year`. A suspended or
    cancelled proposal holds nothing — the leader suspends or cancels a duplicate so that another may go ahead —
    and neither does a draft, which is not yet before the leader."""
    S = AuditProposal.State
    return (Q(state=S.SUBMITTED) | Q(state=S.RETURNED, returned_at__gte=returned_priority_cutoff())
            | Q(state=S.APPROVED, year=year))


def earlier_proposals(proposal):
    """SEED (B9.12, letter 7301 §2.2 "căn cứ thời gian cập nhật đề xuất, đơn vị nào cập nhật đề xuất đầu tiên thì
    được ưu tiên phê duyệt"): field-audit proposals on the same enterprise RECORDED before this one (`created_at`,
    not the submission time) that still hold the priority (`holding_priority_q`). Desk audits get the duplicate
    warning only (the seed's section 2.2 is about audits at the declarant's premises)."""
    if proposal.mode != AuditMode.FIELD:
        return AuditProposal.objects.none()
    recorded = proposal.created_at or timezone.now()
    return (AuditProposal.objects.filter(enterprise_id=proposal.enterprise_id, mode=AuditMode.FIELD)
            .filter(holding_priority_q(proposal.year))
            .filter(Q(created_at__lt=recorded) | Q(created_at=recorded, pk__lt=proposal.pk or 0))
            .exclude(pk=proposal.pk).select_related("unit").order_by("created_at", "pk"))


def check_priority(proposal) -> None:
    earlier = earlier_proposals(proposal).first()
    if earlier is not None:
        raise AppError("priority", _("Proposal %(number)s of %(unit)s on this enterprise was recorded first and is "
                                     "“%(state)s”: it has priority; this one cannot be approved meanwhile.")
                       % {"number": earlier.number, "unit": earlier.unit.name,
                          "state": AuditProposal.workflow.state_label(earlier.state)})


def check_one_approved_per_year(proposal) -> None:
    """SEED (B9.12, letter 7301 §2.2 "mỗi phiếu đề xuất là duy nhất trong cùng một năm", in the section on audits at
    the declarant's premises): one approved FIELD-audit proposal per enterprise per year (also a database
    constraint); desk audits get the duplicate warning only."""
    if proposal.mode != AuditMode.FIELD:
        return
    other = (AuditProposal.objects.filter(enterprise_id=proposal.enterprise_id, year=proposal.year,
                                          state=AuditProposal.State.APPROVED, mode=AuditMode.FIELD)
             .exclude(pk=proposal.pk).select_related("unit").first())
    if other is not None:
        raise AppError("already_approved", _("The enterprise already has an approved field-audit proposal for "
                                             "%(year)s: %(number)s of %(unit)s.")
                       % {"year": proposal.year, "number": other.number, "unit": other.unit.name})


def concluded_overlaps(proposal, today: date | None = None) -> list[dict]:
    """Concluded audits of the last five years on the enterprise (its head office and branches included) whose
    audited period overlaps the proposal's, or which covered one of its declarations (domain A1.6: targets are
    chosen "without overlap in either the enterprise or the time of the audit"; LHQ 77.3 and TT38-39 art 142.1.b:
    dossiers already audited are not audited again without new information). Rows in the duplicate-warning shape."""
    from stq.collection.selectors import duplicate_row
    from stq.enterprises.selectors import enterprise_family_codes

    from .models import AuditCase

    today = today or timezone.localdate()
    numbers = {n[:11] for n in proposal.declaration_numbers or []}
    cases = (AuditCase.objects.filter(enterprise__tax_code__in=enterprise_family_codes(proposal.enterprise.tax_code),
                                      concluded_on__gte=years_before(today, AUDIT_WINDOW_YEARS),
                                      proposal__isnull=False)
             .exclude(proposal_id=proposal.pk).select_related("proposal", "unit", "enterprise")
             .order_by("concluded_on", "pk"))
    rows = []
    for case in cases:
        earlier = case.proposal
        same_time = earlier.period_from <= proposal.period_to and proposal.period_from <= earlier.period_to
        shared = numbers & {n[:11] for n in earlier.declaration_numbers or []}
        if same_time or shared:
            rows.append(duplicate_row(
                kind="concluded_audit", kind_label=CONCLUDED_AUDIT, unit=case.unit, number=case.number,
                state=case.state, state_label=AuditCase.workflow.state_label(case.state),
                tax_code=case.enterprise.tax_code, enterprise_name=case.enterprise.name,
                dates={"concluded_on": case.concluded_on, "period_from": earlier.period_from,
                       "period_to": earlier.period_to}))
    return rows


def check_duration(mode: str, days: int | None, *, field="duration_working_days") -> None:
    """LAW (B9.2, B9.3): desk audit ≤ 5 working days; field work ≤ 10 working days."""
    limit = DESK_MAX_WORKING_DAYS if mode == AuditMode.DESK else FIELD_MAX_WORKING_DAYS
    if not days or days < 1 or days > limit:
        raise AppError("duration", _("The duration is 1 to %(limit)s working days for this audit mode.")
                       % {"limit": limit}, field=field)


def without_notice(mode: str, ground: str) -> bool:
    """LAW (B9.4, LHQ 80.2b): only a FIELD audit on signs of violation (Đ78.1) is handed over when it is announced,
    with no advance notice; a desk audit keeps the delivery and notice rules whatever its ground (LHQ 79.2)."""
    return mode == AuditMode.FIELD and ground == AuditGround.VIOLATION_SIGNS


def earliest_start(signed_on: date, ground: str, mode: str = AuditMode.FIELD) -> date:
    """LAW (B9.4): delivered ≥ 5 working days before the start — so the start is at least 5 working days after the
    signing — unless it is a field audit on signs of violation (handed over at the announcement, LHQ 80.2b)."""
    if without_notice(mode, ground):
        return signed_on
    return calendar.add_working_days(signed_on, NOTICE_WORKING_DAYS)


def check_start(signed_on: date, start_on: date | None, ground: str, *, mode: str = AuditMode.FIELD,
                delivered_on: date | None = None) -> None:
    if start_on is None:
        raise AppError("required", _("Enter the start date."), field="start_on")
    earliest = earliest_start(delivered_on or signed_on, ground, mode)
    if start_on < earliest:
        raise AppError("start_too_early", _("The audit may start on %(day)s at the earliest: the decision is "
                                            "delivered at least 5 working days before the start (unless it is a "
                                            "field audit on signs of violation).")
                       % {"day": earliest.strftime("%d/%m/%Y")}, field="start_on")


def check_decision(case, kind: str, *, reason_code: str = "", reason: str = "", extension_working_days=None,
                   recorded=None) -> None:
    """What a decision of `kind` on `case` needs (B9.3, B9.6): a suspension names one of the legal reasons, a
    cancellation names one and explains it; an extension is for a field audit, once, 1 to 10 working days (LHQ
    80.2a). Checked by the service before the decision is stored and by the workflow step it takes (`recorded`: the
    decision just stored, which is not an earlier extension)."""
    if kind == DecisionKind.CANCELLATION:
        if reason_code not in CancellationReason.values:
            raise AppError("reason_required", _("A cancellation needs one of the legal reasons."), field="reason_code")
        if not (reason or "").strip():
            raise AppError("reason_required", _("Explain the reason for the cancellation."), field="reason")
    elif kind == DecisionKind.SUSPENSION:
        if reason_code not in SuspensionReason.values:
            raise AppError("reason_required", _("A suspension needs one of the legal reasons."), field="reason_code")
    elif kind == DecisionKind.EXTENSION:
        if case.mode != AuditMode.FIELD:
            raise AppError("extension_field_only", _("Only a field audit can be extended."), field="kind")
        earlier = case.decisions.filter(kind=DecisionKind.EXTENSION, returned_at__isnull=True)
        if recorded is not None:
            earlier = earlier.exclude(pk=recorded.pk)
        if case.extension_working_days or earlier.exists():
            raise AppError("second_extension", _("The audit work can be extended only once."))
        days = extension_working_days
        if not isinstance(days, int) or not 1 <= days <= EXTENSION_MAX_WORKING_DAYS:
            raise AppError("extension_length", _("An extension is 1 to 10 working days."),
                           field="extension_working_days")


def delivery_due(signed_on: date) -> date:
    return calendar.add_working_days(signed_on, DELIVERY_WORKING_DAYS)


def check_delivery(signed_on: date, delivered_on: date, start_on: date | None, ground: str,
                   mode: str = AuditMode.FIELD) -> None:
    """LAW (B9.4): delivered ≤ 3 working days after signing and ≥ 5 working days before the start (not for a field
    audit on ground 78.1, LHQ 80.2b; a desk audit always, LHQ 79.2)."""
    if delivered_on < signed_on:
        raise AppError("delivery_before_signing", _("The decision cannot be delivered before it was signed."),
                       field="delivered_on")
    due = delivery_due(signed_on)
    if delivered_on > due:
        raise AppError("delivery_late", _("The decision must be delivered within 3 working days of signing, by "
                                          "%(day)s.") % {"day": due.strftime("%d/%m/%Y")}, field="delivered_on")
    if not without_notice(mode, ground) and start_on is not None:
        latest = calendar.add_working_days(start_on, -NOTICE_WORKING_DAYS)
        if delivered_on > latest:
            raise AppError("delivery_too_close", _("The decision must be delivered at least 5 working days before the "
                                                   "start (%(start)s), by %(day)s: amend the start date first.")
                           % {"start": start_on.strftime("%d/%m/%Y"), "day": latest.strftime("%d/%m/%Y")},
                           field="delivered_on")


def recording(signed_on: date, days: int, today: date | None = None) -> dict:
    """SEED (B9.14, letter 7301 §2.3 "trong vòng 01 ngày kể từ ngày ban hành", §2.4 "trong vòng 03 ngày"): the
    recording bookkeeping of a decision or conclusion — calendar days from signing to recording, and late when
    recorded after the end of the N-day period, counted by the one calendar function (calendar days; a period ending
    on a day off ends on the next working day, Civil Code 2015 art 148.5)."""
    today = today or timezone.localdate()
    return {"recording_delay_days": (today - signed_on).days,
            "recorded_late": calendar.days_late(signed_on, days, today) > 0}


def check_signed_on(signed_on: date | None, *, field="signed_on", required=None, in_future=None) -> None:
    """A signing (or, with its own messages, payment) date: given, and not in the future; the messages name the
    date the field holds."""
    if signed_on is None:
        raise AppError("required", required or _("Enter the signing date."), field=field)
    if signed_on > timezone.localdate():
        raise AppError("signed_in_future", in_future or _("The signing date cannot be in the future."), field=field)


def check_not_legacy(obj) -> None:
    """Legacy rows (imported from STQ01) are read-only."""
    if getattr(obj, "legacy", False):
        raise AppError("legacy_read_only", _("This record was imported from STQ01 and cannot be changed."))
