"""Reads of the risk engine."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Min, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stq.core.texts import Text, render

from . import sources
from .ml import wording
from .models import (
    Alert,
    AlertKind,
    AlertState,
    Criterion,
    CriterionHit,
    DeclarationScore,
    EnterpriseRisk,
    EnterpriseRiskHistory,
    ModelVersion,
    TargetList,
)


def criteria_with_hit_rates() -> list[Criterion]:
    """The criteria, each with `audited` (enterprises hit and audited since their first hit), `confirmed` (of
    those, found with violations) and `hit_rate` (confirmed ÷ audited, None before any audit concluded)."""
    criteria = list(Criterion.objects.select_related("risk_area", "owner_unit").order_by("code"))
    outcomes = defaultdict(list)
    for o in sources.audit_outcomes():
        outcomes[o["tax_code"]].append(o)
    first_hits = defaultdict(dict)
    if outcomes:
        for row in (CriterionHit.objects.filter(tax_code__in=list(outcomes))
                    .values("criterion_id", "tax_code").annotate(first=Min("registered_on"))):
            first_hits[row["criterion_id"]][row["tax_code"]] = row["first"]
    for c in criteria:
        audited = confirmed = 0
        for code, first in first_hits[c.pk].items():
            later = [o for o in outcomes[code] if o["concluded_on"] and o["concluded_on"] >= first]
            if later:
                audited += 1
                confirmed += any(o["has_violations"] for o in later)
        c.audited, c.confirmed = audited, confirmed
        c.hit_rate = confirmed / audited if audited else None
    return criteria


def enterprise_risk(tax_code: str) -> EnterpriseRisk | None:
    return EnterpriseRisk.objects.filter(tax_code=tax_code).first()


def enterprise_risk_history(tax_code: str, limit: int = 60) -> list[EnterpriseRiskHistory]:
    return list(EnterpriseRiskHistory.objects.filter(tax_code=tax_code).order_by("-computed_on")[:limit])


def enterprise_hits(tax_code: str, limit: int = 20) -> QuerySet[CriterionHit]:
    return (CriterionHit.objects.filter(tax_code=tax_code).select_related("criterion", "declaration")
            .order_by("-registered_on")[:limit])


def declaration_score(declaration) -> DeclarationScore | None:
    return (DeclarationScore.objects.filter(declaration_id=declaration.pk, registered_on=declaration.registered_on)
            .select_related("model").first())


def shown_explanations(score: DeclarationScore) -> list[dict]:
    """The score's explanations in the active language: the feature's name and the sentence rendered from their
    codes (a sentence stored as text before the codes is shown as it was). Those of a declaration the scoring
    left to be explained are computed and stored on this first read (``training.stored_explanations``)."""
    from .training import stored_explanations

    return [{"feature": e.get("feature"), "feature_label": str(wording.feature_label(e.get("feature") or "")),
             "contribution": e.get("contribution"), "sentence": render(e.get("sentence"))}
            for e in stored_explanations(score)]


def declaration_hits(declaration) -> QuerySet[CriterionHit]:
    return CriterionHit.objects.filter(declaration_id=declaration.pk).select_related("criterion",
                                                                                     "criterion__risk_area")


def active_model() -> ModelVersion | None:
    return ModelVersion.objects.filter(is_active=True).first()


def target_lists() -> QuerySet[TargetList]:
    return TargetList.objects.select_related("unit", "requested_by")


def alerts(state: str | None = "open") -> QuerySet[Alert]:
    qs = Alert.objects.select_related("enterprise", "handled_by", "info_collection")
    if state == "open":
        return qs.filter(state__in=(AlertState.NEW, AlertState.ACKNOWLEDGED))
    if state:
        return qs.filter(state=state)
    return qs


def show_collections(user, objs):
    """Set `shown_collection` on each target-list pick or alert: its information collection when the user sees that
    collection (the collection's one visibility scope, `policy.visible_to`), else None — so a national risk page
    does not show the number of another unit's collection."""
    from stq.collection.models import InfoCollection
    from stq.org import policy

    objs = list(objs)
    ids = {o.info_collection_id for o in objs if o.info_collection_id}
    seen = set(policy.visible_to(user, InfoCollection).filter(pk__in=ids).values_list("pk", flat=True)) if ids \
        else set()
    for o in objs:
        o.shown_collection = o.info_collection if o.info_collection_id in seen else None
    return objs


def alert_message(alert: Alert) -> Text:
    """What the alert found, as a code with parameters (``core.texts``): rendered in the reader's language."""
    d = alert.details or {}
    if alert.kind == AlertKind.PRICE_OUTLIER:
        return Text(gettext_lazy("unit price at %(p)s%% of the median of the same HS code and origin"),
                    p=round(100 * float(d.get("min_ratio", 0))))
    if alert.kind == AlertKind.VOLUME_SURGE:
        return Text(gettext_lazy("monthly value %(f)s× the enterprise's average of the previous 12 months"),
                    f=d.get("factor"))
    if alert.kind == AlertKind.NEW_ORIGIN:
        return Text(gettext_lazy("goods from an origin never used before for the same HS code: %(p)s"),
                    p=", ".join(d.get("pairs", [])))
    return Text(dict(AlertKind.choices).get(alert.kind, alert.kind))


def alert_text(alert: Alert) -> str:
    return str(alert_message(alert))


def note_text(note: dict) -> str:
    code, n = note.get("code"), note.get("n")
    texts = {
        "excluded_open_collection": _("%(n)s excluded: open information collection"),
        "excluded_open_audit": _("%(n)s excluded: open audit proposal or case"),
        "excluded_focus_list": _("%(n)s excluded: on the focus list"),
        "excluded_audited_recently": _("%(n)s excluded: audited in the last 12 months"),
        "excluded_other_unit_list": _("%(n)s excluded: already on another unit's list for the period"),
    }
    if code in texts:
        return texts[code] % {"n": n}
    if code == "jurisdiction":
        return _("%(n)s enterprises in the unit's jurisdiction, %(e)s eligible") % {"n": n, "e": note["eligible"]}
    if code == "compliance_cap":
        return _("compliance audits (Đ78.3) this year: cap %(cap)s, used %(used)s, planned on other lists "
                 "%(planned)s; exploration picks %(explore)s of %(asked)s asked") % note
    if code == "few_scored":
        return _("only %(n)s enterprises with a medium or higher risk class for %(asked)s places") % note
    return str(note)
