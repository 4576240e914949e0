"""The enterprise risk score (domain A1.6, B5) — documented here because officers must be able to explain it.

For every enterprise of the directory, as of day T:

* **Probability of violation** P = 1 − (1 − P_criteria)(1 − P_model)(1 − P_audits), where
  - P_criteria = 1 − Π_c (1 − w_c/100 · ½^(age_c/365)) over the criteria c the enterprise hit (w_c the weight,
    age_c the days since its latest hit): a rule hit counts for its weight and loses half of it per year;
  - P_model = the highest probability the learned model gave one of its declarations of the last 365 days;
  - P_audits = 1 − Π_a (1 − 0.6 · ½^(age_a/730)) over its concluded audits WITH violations (approved
    conclusions, via ``audit_outcomes``): a past violation weighs 0.6 and halves every two years.
* **Impact** I = min(1, log10(1 + taxes of the last 365 days in VND) / 11): 0 without taxes, 1 from 100 bn VND.
* **Detectability** D = 1 if never audited, else 0.2 + 0.8 · min(1, years since the last audit decision / 5):
  what an audit would find grows with the time nobody looked.
* **Score** = 100 · P · (0.4 + 0.6 I) · (0.4 + 0.6 D), in 0–100.

Mapping onto domain B5 (TT81 arts 10, 14) as far as the data allows:

* risk class 1 = AEO in force; 7 / 8 = no import-export in the last 365 days without / with a past violation
  (class 9 needs the violation group of appendix VI, which STQ does not record: such enterprises get 8);
  otherwise by score: < 5 → 2 very low, < 15 → 3 low, < 30 → 4 medium, < 50 → 5 high, ≥ 50 → 6 very high;
* compliance level 1 = AEO; 5 = a violation concluded in the last 365 days; otherwise 2 / 3 / 4 for risk class
  2 / 3 / 4–6; none for enterprises without activity (the level is assessed over the activity of 365 days);
* STQ classification: risk class 5–6 → PCA target; 4 → to be monitored; the rest → not to be audited
  (TT81 art 23: high and medium risk are selected; low are re-assessed next period).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core.limits import NOTE_MAX
from stq.core.texts import Date, Number, Text, encode
from stq.declarations.models import ActivityMonth
from stq.enterprises.models import Enterprise

from . import sources
from .bulk import bulk_set
from .models import Classification, Criterion, CriterionHit, DeclarationScore, EnterpriseRisk, EnterpriseRiskHistory

CRITERION_HALF_LIFE_DAYS = 365
AUDIT_HALF_LIFE_DAYS = 730
AUDIT_VIOLATION_WEIGHT = 0.6
CLASS_BANDS = ((5, 2), (15, 3), (30, 4), (50, 5))  # score below → class; ≥ 50 → 6


def _half(age_days: float, half_life: float) -> float:
    return 0.5 ** (max(0.0, age_days) / half_life)


def impact_of(taxes: int) -> float:
    return min(1.0, math.log10(1 + max(0, taxes)) / 11)


def detectability_of(last_audit: dt.date | None, day: dt.date) -> float:
    if last_audit is None:
        return 1.0
    return 0.2 + 0.8 * min(1.0, (day - last_audit).days / 365.25 / 5)


def combine(probability: float, impact: float, detectability: float) -> float:
    return 100 * probability * (0.4 + 0.6 * impact) * (0.4 + 0.6 * detectability)


def risk_class_of(score: float, *, aeo: bool, active: bool, violated_ever: bool) -> int:
    if aeo:
        return 1
    if not active:
        return 8 if violated_ever else 7
    for limit, klass in CLASS_BANDS:
        if score < limit:
            return klass
    return 6


def compliance_level_of(risk_class: int, *, recent_violation: bool) -> int | None:
    if risk_class == 1:
        return 1
    if risk_class >= 7:
        return None
    if recent_violation:
        return 5
    return {2: 2, 3: 3}.get(risk_class, 4)


def classification_of(risk_class: int) -> str:
    if risk_class in (5, 6):
        return Classification.TARGET
    if risk_class == 4:
        return Classification.MONITOR
    return Classification.NOT_TO_AUDIT


def _criteria_by_tax_code(tax_codes: set[str] | None) -> dict[str, list[tuple]]:
    qs = CriterionHit.objects.values("tax_code", "criterion_id").annotate(n=Count("id"), last=Max("registered_on"))
    if tax_codes is not None:
        qs = qs.filter(tax_code__in=tax_codes)
    criteria = {c.pk: c for c in Criterion.objects.select_related("risk_area")}
    out: dict[str, list[tuple]] = defaultdict(list)
    for row in qs:
        criterion = criteria.get(row["criterion_id"])
        if criterion is not None:
            out[row["tax_code"]].append((criterion, row["n"], row["last"]))
    return out


def _model_by_tax_code(tax_codes: set[str] | None, since: dt.date) -> dict[str, tuple[float, int]]:
    qs = DeclarationScore.objects.filter(registered_on__gte=since).values("tax_code").annotate(
        p=Max("probability"), n=Count("declaration_id"))
    if tax_codes is not None:
        qs = qs.filter(tax_code__in=tax_codes)
    return {r["tax_code"]: (r["p"], r["n"]) for r in qs}


def _activity_by_tax_code(tax_codes: set[str] | None, since: dt.date) -> dict[str, tuple[int, int]]:
    qs = ActivityMonth.objects.filter(last_on__gte=since).values("tax_code").annotate(
        taxes=Sum("taxes"), declarations=Sum("declarations"))
    if tax_codes is not None:
        qs = qs.filter(tax_code__in=tax_codes)
    return {r["tax_code"]: (r["taxes"] or 0, r["declarations"] or 0) for r in qs}


def assess(day: dt.date | None = None, tax_codes: list[str] | None = None) -> dict:
    """Recompute the risk of every enterprise (or of `tax_codes`), store it, its daily history and the B5 fields
    of the enterprise. Returns counts per classification and the time taken."""
    started = time.monotonic()
    day = day or timezone.localdate()
    year_ago = day - dt.timedelta(days=365)
    wanted = set(tax_codes) if tax_codes is not None else None
    enterprises = Enterprise.objects.all()
    if wanted is not None:
        enterprises = enterprises.filter(tax_code__in=wanted)
    enterprises = list(enterprises.only("id", "tax_code", "is_aeo", "aeo_valid_until", "compliance_level",
                                        "risk_class", "compliance_assessed_on", "risk_classified_on",
                                        "compliance_reason", "risk_reason"))
    criteria = _criteria_by_tax_code(wanted)
    model = _model_by_tax_code(wanted, year_ago)
    activity = _activity_by_tax_code(wanted, year_ago)
    outcomes: dict[str, list[dict]] = defaultdict(list)
    for o in sources.audit_outcomes():
        if wanted is None or o["tax_code"] in wanted:
            outcomes[o["tax_code"]].append(o)
    last_audits = sources.last_audit_dates(list(wanted) if wanted is not None else None)

    results = [_assess_one(e, day, criteria.get(e.tax_code, []), model.get(e.tax_code),
                           activity.get(e.tax_code), outcomes.get(e.tax_code, []), last_audits.get(e.tax_code))
               for e in enterprises]
    _store(results, enterprises, day, wanted)
    counts = defaultdict(int)
    for r in results:
        counts[str(r["classification"])] += 1
    return {"enterprises": len(results), **counts, "seconds": round(time.monotonic() - started, 2)}


def _assess_one(enterprise, day, hits, model, activity, outcomes, last_audit) -> dict:
    reasons: list[dict] = []
    p_crit_keep = 1.0
    for criterion, n, last in sorted(hits, key=lambda h: -h[0].weight):
        strength = criterion.weight / 100 * _half((day - last).days, CRITERION_HALF_LIFE_DAYS)
        p_crit_keep *= 1 - strength
        reasons.append({"code": "criterion", "criterion": criterion.code, "name": criterion.name, "hits": n,
                        "last": last.isoformat(), "area": criterion.risk_area.code, "weight": round(strength, 3)})
    p_model = 0.0
    if model:
        p_model = float(model[0])
        reasons.append({"code": "model", "probability": round(p_model, 3), "declarations": model[1],
                        "weight": round(p_model, 3)})
    p_audit_keep = 1.0
    violated_ever = recent_violation = False
    for o in sorted(outcomes, key=lambda o: o["concluded_on"] or day, reverse=True):
        concluded = o["concluded_on"] or day
        if o["has_violations"]:
            violated_ever = True
            recent_violation = recent_violation or (day - concluded).days <= 365
            strength = AUDIT_VIOLATION_WEIGHT * _half((day - concluded).days, AUDIT_HALF_LIFE_DAYS)
            p_audit_keep *= 1 - strength
            reasons.append({"code": "past_violation", "on": concluded.isoformat(),
                            "tax_total": int(o.get("tax_total") or 0), "weight": round(strength, 3)})
        else:
            reasons.append({"code": "clean_audit", "on": concluded.isoformat(), "weight": 0})
    probability = 1 - p_crit_keep * (1 - p_model) * p_audit_keep
    taxes, declarations = activity or (0, 0)
    impact = impact_of(taxes)
    detectability = detectability_of(last_audit, day)
    reasons.append({"code": "impact", "taxes": int(taxes), "declarations": int(declarations), "weight": 0})
    reasons.append({"code": "never_audited", "weight": 0} if last_audit is None
                   else {"code": "last_audit", "on": last_audit.isoformat(), "weight": 0})
    score = combine(probability, impact, detectability)
    aeo = bool(enterprise.is_aeo and (enterprise.aeo_valid_until is None or enterprise.aeo_valid_until >= day))
    active = declarations > 0
    if aeo:
        reasons.insert(0, {"code": "aeo", "weight": 1})
    elif not active:
        reasons.insert(0, {"code": "inactive", "weight": 1})
    klass = risk_class_of(score, aeo=aeo, active=active, violated_ever=violated_ever)
    return {
        "tax_code": enterprise.tax_code, "enterprise_id": enterprise.pk, "score": round(score, 3),
        "probability": round(probability, 4), "impact": round(impact, 4), "detectability": round(detectability, 4),
        "duty_at_stake": int(taxes), "risk_class": klass,
        "compliance_level": compliance_level_of(klass, recent_violation=recent_violation),
        "classification": classification_of(klass), "last_audit_on": last_audit,
        "reasons": sorted(reasons, key=lambda r: -r["weight"]),
    }


FIELDS = ("enterprise_id", "computed_on", "score", "probability", "impact", "detectability", "duty_at_stake",
          "risk_class", "compliance_level", "classification", "last_audit_on", "reasons")


def _store(results: list[dict], enterprises: list[Enterprise], day: dt.date, wanted: set[str] | None) -> None:
    """Replace the current rows (nothing refers to them), add today's history, copy the B5 fields."""
    by_code = {r["tax_code"]: r for r in results}
    with transaction.atomic():
        current = EnterpriseRisk.objects.all()
        today_rows = EnterpriseRiskHistory.objects.filter(computed_on=day)
        if wanted is not None:
            current = current.filter(tax_code__in=wanted)
            today_rows = today_rows.filter(tax_code__in=wanted)
        current.delete()
        today_rows.delete()
        EnterpriseRisk.objects.bulk_create(
            [EnterpriseRisk(tax_code=code, **{name: day if name == "computed_on" else r[name] for name in FIELDS})
             for code, r in by_code.items()], batch_size=5000)
        EnterpriseRiskHistory.objects.bulk_create(
            [EnterpriseRiskHistory(tax_code=c, computed_on=day, score=r["score"], risk_class=r["risk_class"],
                                   classification=r["classification"]) for c, r in by_code.items()],
            batch_size=5000)
        _write_b5_fields(results, enterprises, day)


B5_FIELDS = ["compliance_level", "compliance_assessed_on", "compliance_reason", "risk_class", "risk_classified_on",
             "risk_reason"]
REASON_COUNT = 3  # the reasons copied onto the enterprise (the strongest first)


def stored_reason(reasons: list[dict]) -> str:
    """The enterprise's risk (and compliance) reason as stored: the strongest reasons as codes with parameters
    (``core.texts``), rendered in the reader's language by ``texts.shown``. One set of facts, one string: a
    re-assessment with the same facts finds it unchanged. Reasons that do not fit the column are left out."""
    texts = [reason_message(x) for x in reasons[:REASON_COUNT]]
    while texts:
        value = encode(texts)
        if len(value) <= NOTE_MAX:
            return value
        texts.pop()
    return ""


def _write_b5_fields(results: list[dict], enterprises: list[Enterprise], day: dt.date) -> None:
    """Copy the compliance level and risk class onto the enterprise (fields the directory reserves for the risk
    engine), only where they changed."""
    by_code = {r["tax_code"]: r for r in results}
    changed = []
    for e in enterprises:
        r = by_code[e.tax_code]
        reason = stored_reason(r["reasons"])
        level = r["compliance_level"]
        compliance_reason = reason if level else ""
        if (e.compliance_level, e.risk_class, e.risk_reason, e.compliance_reason) == (
                level, r["risk_class"], reason, compliance_reason):
            continue
        changed.append((e.pk, level, day if level else None, compliance_reason, r["risk_class"], day, reason))
    bulk_set(Enterprise, changed, B5_FIELDS)


def reason_message(reason: dict) -> Text:
    """One reason as a text with typed parameters (``core.texts``)."""
    code = reason.get("code")
    if code == "criterion":
        return Text(_("criterion %(code)s “%(name)s”: %(hits)s hit(s), latest on %(last)s"),
                    code=reason["criterion"], name=reason["name"], hits=Number(reason["hits"]),
                    last=Date(reason["last"]))
    if code == "model":
        return Text(_("the learned model gives one of its declarations of the last 365 days a %(p)s%% probability "
                      "of violation"), p=Number(100 * reason["probability"]))
    if code == "past_violation":
        return Text(_("audit concluded on %(on)s found violations (%(amount)s VND of taxes)"),
                    on=Date(reason["on"]), amount=Number(reason["tax_total"]))
    if code == "clean_audit":
        return Text(_("audit concluded on %(on)s found no violation"), on=Date(reason["on"]))
    if code == "impact":
        return Text(_("%(n)s declarations and %(amount)s VND of taxes in the last 365 days"),
                    n=Number(reason["declarations"]), amount=Number(reason["taxes"]))
    if code == "never_audited":
        return Text(_("never audited after clearance"))
    if code == "last_audit":
        return Text(_("last post-clearance audit decided on %(on)s"), on=Date(reason["on"]))
    if code == "aeo":
        return Text(_("priority enterprise (AEO) in force"))
    if code == "inactive":
        return Text(_("no import or export in the last 365 days"))
    if code == "exploration":
        return Text(_("random exploration pick among enterprises never or long not audited (compliance "
                      "assessment)"))
    if code == "rank":
        return Text(_("rank %(rank)s by risk score in the unit's jurisdiction"), rank=Number(reason["rank"]))
    return Text(_("other reason: %(reason)s"), reason=str(reason))


def reason_text(reason: dict) -> str:
    """One reason in the active language."""
    return str(reason_message(reason))
