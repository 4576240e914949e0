"""The risk results for the clearance system's channel selection: one layout, one code path, three carriers.

Layout ``stq.risk-results`` version 1 — a JSON document (UTF-8)::

    {"schema": "stq.risk-results", "version": 1,
     "as_of": "2026-12-06",          the day the results describe (latest enterprise assessment, else today)
     "model_version": 3,             the declaration-risk model in use (null when none)
     "enterprises": [                 one per assessed enterprise, by tax code
        {"tax_code": "0100233488", "risk_class": 5, "compliance_level": 2, "classification": "target",
         "score": 71.3, "computed_on": "2026-12-06"}],
     "target_picks": [                the audit target lists in force on ``as_of``
        {"period": "2026-H2", "unit": "KV01-PT", "tax_code": "0100233488", "rank": 1, "kind": "score",
         "score": 71.3}],
     "criteria_hits": [               the current hits of the rule criteria
        {"criterion": "PRICE", "risk_area": "VALUATION", "tax_code": "0100233488",
         "declaration": "100000000010", "registered_on": "2026-12-05", "value": 0.12, "reference": 10000.0}]}

Risk class 1 (lowest) … 7 (highest), compliance level 1 (high compliance) … 3 (low) as in the B5 fields of the
enterprise directory; ``declaration`` is the 12-character number (null for an enterprise-level criterion).

Carriers, all from the record functions below (so they carry the same content):
  * **API**: ``GET /api/v1/risk/results/`` returns ``document()``;
  * **file drop**: ``manage.py export_risk_results`` writes ``write_file()``: ``stq-risk-results-<as_of>-<sha12>.json``
    in ``STQ_RESULTS_DIR`` (written to a temporary name, then renamed) plus ``latest.json``; a re-export of the
    same results finds the same name and writes nothing (idempotent: the content is sorted, with no clock);
  * **broker**: ``stq.exchange.outbound`` publishes the *changes* (``change_message``): the records of the
    enterprises whose class changed, the new criteria hits and the picks of a new list, in an envelope with the
    same ``schema``, ``version``, ``as_of`` and ``model_version`` plus ``kind`` (the routing key).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from .models import CriterionHit, EnterpriseRisk, ModelVersion, TargetPick

SCHEMA = "stq.risk-results"
VERSION = 1
KINDS = {"enterprises": "enterprise.risk", "target_picks": "target.pick", "criteria_hits": "criterion.hit"}


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def enterprise_records(tax_codes=None) -> list[dict]:
    qs = EnterpriseRisk.objects.order_by("tax_code")
    if tax_codes is not None:
        qs = qs.filter(tax_code__in=list(tax_codes))
    return [{"tax_code": r["tax_code"], "risk_class": r["risk_class"], "compliance_level": r["compliance_level"],
             "classification": r["classification"], "score": round(r["score"], 3),
             "computed_on": _iso(r["computed_on"])}
            for r in qs.values("tax_code", "risk_class", "compliance_level", "classification", "score",
                               "computed_on")]


def pick_records(*, on=None, target_list_id: int | None = None) -> list[dict]:
    qs = TargetPick.objects.all()
    if target_list_id is not None:
        qs = qs.filter(target_list_id=target_list_id)
    else:
        on = on or timezone.localdate()
        qs = qs.filter(target_list__period_from__lte=on, target_list__period_to__gte=on)
    return [{"period": r["period"], "unit": r["target_list__unit__code"], "tax_code": r["enterprise__tax_code"],
             "rank": r["rank"], "kind": r["kind"], "score": round(r["score"], 3)}
            for r in qs.order_by("period", "target_list__unit__code", "rank").values(
                "period", "target_list__unit__code", "enterprise__tax_code", "rank", "kind", "score")]


def hit_records(ids=None) -> list[dict]:
    qs = CriterionHit.objects.all()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    rows = qs.values("criterion__code", "criterion__risk_area__code", "tax_code", "declaration__base_number",
                     "declaration__revision", "registered_on", "value", "reference")
    out = [{"criterion": r["criterion__code"], "risk_area": r["criterion__risk_area__code"], "tax_code": r["tax_code"],
            "declaration": (f"{r['declaration__base_number']}{r['declaration__revision']}"
                            if r["declaration__base_number"] else None),
            "registered_on": _iso(r["registered_on"]),
            "value": None if r["value"] is None else round(r["value"], 6),
            "reference": None if r["reference"] is None else round(r["reference"], 6)} for r in rows]
    out.sort(key=lambda h: (h["criterion"], h["tax_code"], h["declaration"] or "", h["registered_on"] or ""))
    return out


def model_version() -> int | None:
    return ModelVersion.objects.filter(is_active=True).values_list("number", flat=True).first()


def as_of():
    return EnterpriseRisk.objects.aggregate(d=Max("computed_on"))["d"] or timezone.localdate()


def envelope(day=None) -> dict:
    return {"schema": SCHEMA, "version": VERSION, "as_of": _iso(day or as_of()), "model_version": model_version()}


def document(day=None) -> dict:
    """The whole export (API and file drop)."""
    day = day or as_of()
    return {**envelope(day), "enterprises": enterprise_records(), "target_picks": pick_records(on=day),
            "criteria_hits": hit_records()}


def change_message(section: str, records: list[dict], day=None) -> dict:
    """One outbound message: the changed records of one section, in the export's envelope."""
    return {**envelope(day), "kind": KINDS[section], section: records}


def render(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def write_file(directory: Path | str | None = None, day=None) -> tuple[Path, bool]:
    """Drop the export into `directory` (default ``STQ_RESULTS_DIR``): (path, whether a file was written)."""
    directory = Path(directory or settings.STQ_RESULTS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    doc = document(day)
    data = render(doc)
    digest = hashlib.sha256(data).hexdigest()
    path = directory / f"stq-risk-results-{doc['as_of']}-{digest[:12]}.json"
    if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
        return path, False
    for target in (path, directory / "latest.json"):
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".partial-", suffix=".json")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    return path, True


def read_file(path: Path | str) -> dict:
    return json.loads(Path(path).read_bytes())
