"""Drift watch of the model in use: is it stale? Read from the latest scoring run (``ScoringRun``).

The model is stale when its latest scoring run shows a large shift (PSI > 0.25, ``ml.drift.PSI_LARGE``) of its
score or of one of its main features against the training data, or when the declarations it scored are more
than ``STALE_AGE_DAYS`` past the end of its training window.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .ml import drift, wording
from .models import ModelVersion, ScoringRun

STALE_AGE_DAYS = 365


def feature_label(name: str) -> str:
    """A plain, translated name of a model feature (no column code on screen)."""
    return str(wording.feature_label(name))


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
