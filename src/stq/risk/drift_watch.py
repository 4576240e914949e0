"""Drift watch of the model in use: is it stale? Read from the latest scoring run (``ScoringRun``).

The model is stale when its latest scoring run shows a large shift (PSI > 0.25, ``ml.drift.PSI_LARGE``) of its
score or of one of its main features against the training data, or when the declarations it scored are more
than ``STALE_AGE_DAYS`` past the end of its training window.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .ml import drift
from .models import ModelVersion, ScoringRun

STALE_AGE_DAYS = 365

_RAW = {
    "Office ID": _("receiving customs office"),
    "Process Type": _("processing type of the declaration"),
    "Import Type": _("import type"),
    "Import Use": _("use of the imported goods"),
    "Payment Type": _("payment method"),
    "Mode of Transport": _("mode of transport"),
    "Country of Departure": _("country of departure"),
    "Country of Origin": _("country of origin"),
    "Tax Type": _("duty rate type (preference)"),
    "Country of Origin Indicator": _("how the origin is shown"),
    "hs2": _("HS chapter"),
    "hs6_number": pgettext_lazy("model feature", "HS code"),  # lower case, as the other features: read mid-sentence
    "Tax Rate": _("duty rate"),
    "Net Mass": _("net mass"),
    "Item Price": _("customs value"),
    "log_duty_at_stake": _("duty at stake"),
    "log_item_price": _("customs value"),
    "log_net_mass": _("net mass"),
    "log_value_per_kg": _("value per kg"),
}
_WHO = {
    "importer": _("the importer"),
    "declarant": _("the customs broker"),
    "seller": _("the foreign seller"),
    "hs6": _("the HS code"),
    "hs4": _("the HS heading"),
    "origin": _("the origin"),
    "office": _("the customs office"),
    "hs6_origin": _("the HS code and origin"),
    "importer_hs6": _("the importer with this HS code"),
    "declarant_importer": _("the broker with this importer"),
    "office_hs6": _("the HS code at this office"),
    "seller_hs6": _("the seller with this HS code"),
    "line_hs6_price_mass": _("identical goods lines (HS code, value and mass)"),
    "line_hs6_price": _("goods lines with the same HS code and value"),
    "line_hs6_mass": _("goods lines with the same HS code and mass"),
    "line_price": _("declarations with the same value"),
}
_PEERS = {"hs6": _("the same HS code"), "hs6_origin": _("the same HS code and origin")}


def feature_label(name: str) -> str:
    """A plain, translated name of a model feature (no column code on screen)."""
    if name in _RAW:
        return str(_RAW[name])
    prefix, _sep, key = name.partition("__")
    if prefix == "fraud_rate" and key in _WHO:
        return str(_("past violation rate of %(who)s") % {"who": _WHO[key]})
    if prefix == "past_count" and key in _WHO:
        return str(_("past declarations of %(who)s") % {"who": _WHO[key]})
    if prefix in ("value_per_kg_dev", "value_per_kg_z") and key in _PEERS:
        return str(_("value per kg against %(peers)s") % {"peers": _PEERS[key]})
    if prefix == "peer_count" and key in _PEERS:
        return str(_("number of declarations of %(peers)s") % {"peers": _PEERS[key]})
    if prefix == "code":
        return str(_RAW.get(key, _("party identifier")))
    return str(_("other feature"))


def level(psi: float | None) -> str:
    """'stable' | 'moderate' | 'large' (thresholds of ``ml.drift``)."""
    if psi is None:
        return "unknown"
    if psi > drift.PSI_LARGE:
        return "large"
    return "moderate" if psi > drift.PSI_MODERATE else "stable"


def model_drift(version: ModelVersion | None) -> dict | None:
    """The drift figures of ``version``'s latest scoring run and whether the model is stale (None: never run)."""
    if version is None:
        return None
    run = ScoringRun.objects.filter(model=version).order_by("-started_at", "-pk").first()
    if run is None:
        return None
    features = sorted(run.feature_psi.items(), key=lambda item: -item[1])
    rows = [{"label": feature_label(name), "psi": value, "level": level(value)} for name, value in features]
    reasons = []
    if run.score_psi is not None and run.score_psi > drift.PSI_LARGE:
        reasons.append(_("the score distribution moved (PSI %(psi).2f)") % {"psi": run.score_psi})
    shifted = [r for r in rows if r["level"] == "large"]
    if shifted:
        reasons.append(_("%(n)d main features moved (largest: %(label)s, PSI %(psi).2f)")
                       % {"n": len(shifted), "label": shifted[0]["label"], "psi": shifted[0]["psi"]})
    age = (run.scored_to - version.training_to).days if run.scored_to else None
    if age is not None and age > STALE_AGE_DAYS:
        reasons.append(_("it scored declarations %(days)d days after the end of its training data")
                       % {"days": age})
    return {"run": run, "features": rows, "score_level": level(run.score_psi), "age_days": age,
            "stale": bool(reasons), "reasons": reasons}
