"""The words of the model shown to people: feature names and the sentences that explain a score.

Each sentence is a ``core.texts.Text`` (an English message of the catalogues with typed parameters), stored as a
code with parameters in ``DeclarationScore.explanations`` and rendered in the reader's language when read: numbers
stay numbers until then (``texts.Number``). No feature identifier reaches the screen: features are named by
:func:`feature_label`.
"""

from __future__ import annotations

import math

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stq.core.texts import Number, Text

from . import features as F
from .dataset import ITEM_PRICE, TAX_RATE

PRIOR_KEY = "__prior_fraud_rate__"  # passed with the feature values to the explanation sentences

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
_PARTY = {  # the parties' codes, named in a sentence ("the importer code is …")
    "Declarant ID": _("customs broker code"),
    "Importer ID": _("importer code"),
    "Seller ID": _("foreign seller code"),
    "Courier ID": _("express courier code"),
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

# The key of a history table, named with the row's values: message and (parameter, declaration field) pairs.
_ENTITY = {
    "importer": (_("importer %(importer)s"), {"importer": "Importer ID"}),
    "declarant": (_("customs broker %(declarant)s"), {"declarant": "Declarant ID"}),
    "seller": (_("foreign seller %(seller)s"), {"seller": "Seller ID"}),
    "hs6": (_("HS code %(hs6)s"), {"hs6": "HS6 Code"}),
    "hs4": (_("HS heading %(hs4)s"), {"hs4": "hs4"}),
    "origin": (_("goods originating in %(origin)s"), {"origin": "Country of Origin"}),
    "office": (_("customs office %(office)s"), {"office": "Office ID"}),
    "hs6_origin": (_("HS code %(hs6)s originating in %(origin)s"), {"hs6": "HS6 Code", "origin": "Country of Origin"}),
    "importer_hs6": (_("importer %(importer)s with HS code %(hs6)s"), {"importer": "Importer ID", "hs6": "HS6 Code"}),
    "declarant_importer": (_("broker %(declarant)s declaring for importer %(importer)s"),
                           {"declarant": "Declarant ID", "importer": "Importer ID"}),
    "office_hs6": (_("HS code %(hs6)s at customs office %(office)s"), {"hs6": "HS6 Code", "office": "Office ID"}),
    "seller_hs6": (_("seller %(seller)s with HS code %(hs6)s"), {"seller": "Seller ID", "hs6": "HS6 Code"}),
}

OTHER = _("%(feature)s has the value %(value)s")  # a feature without its own sentence (none of the model's)


def feature_label(name: str):
    """A plain, translated name of a model feature (a lazy text: no column code on screen)."""
    if name in _RAW:
        return _RAW[name]
    prefix, _sep, key = name.partition("__")
    if prefix == "fraud_rate" and key in _WHO:
        return Text(_("past violation rate of %(who)s"), who=_WHO[key])
    if prefix == "past_count" and key in _WHO:
        return Text(_("past declarations of %(who)s"), who=_WHO[key])
    if prefix in ("value_per_kg_dev", "value_per_kg_z") and key in _PEERS:
        return Text(_("value per kg against %(peers)s"), peers=_PEERS[key])
    if prefix == "peer_count" and key in _PEERS:
        return Text(_("number of declarations of %(peers)s"), peers=_PEERS[key])
    if prefix == "code":
        return _PARTY.get(key) or _RAW.get(key, _("party identifier"))
    return _("other feature")


def number(value: float | None) -> Number:
    """A number with the precision it deserves: none from 100 (or whole), one from 10, two below."""
    if value is None or value != value:
        return Number(None)
    value = float(value)
    return Number(value, 0 if abs(value) >= 100 or value == int(value) else (1 if abs(value) >= 10 else 2))


def percent(share: float) -> Number:
    """A share as a percentage (the message writes the sign): whole from 10 %, one decimal below."""
    if share != share:
        return Number(None)
    pct = share * 100
    return Number(pct, 0 if pct >= 10 else 1)


def summary(p: float, duty: float, recovered: float) -> Text:
    """One row's fraud probability, duty at stake and expected recovery."""
    return Text(_("estimated probability of fraud %(p)s%%; duty at stake as declared %(duty)s KRW; duty expected "
                  "to be recovered if inspected %(recovered)s KRW"),
                p=percent(p), duty=number(duty), recovered=number(recovered))


def describe_contribution(feature: str, values: dict[str, float], row: dict, contribution: float) -> Text:
    """The fact behind a feature's contribution, as a text to render in the reader's language.

    ``values`` are the row's feature values by name, ``row`` its declaration fields (plus derived ones).
    """
    row = {**row, "hs4": str(row.get("HS6 Code") or "")[:4], "hs2": str(row.get("HS6 Code") or "")[:2]}
    value = values.get(feature, float("nan"))
    for prefix, builder in _SENTENCE_BUILDERS:
        if feature.startswith(prefix):
            return builder(feature.removeprefix(prefix), value, values, row)
    return Text(OTHER, feature=feature_label(feature), value=number(value))


def _raw_sentence(name: str, value: float, values: dict, row: dict) -> Text:
    if name == "hs2":
        return Text(_("goods of HS chapter %(chapter)s"), chapter=row["hs2"])
    if name == "hs6_number":
        return Text(_("the declared HS code is %(code)s"), code=str(row.get("HS6 Code")))
    if name == TAX_RATE:
        return Text(_("the declared duty rate is %(rate)s%%"), rate=number(row.get(TAX_RATE)))
    if name == ITEM_PRICE:
        return Text(_("the declared value is %(amount)s KRW"), amount=number(row.get(ITEM_PRICE)))
    if name == "Net Mass":
        return Text(_("the declared net mass is %(mass)s kg"), mass=number(row.get("Net Mass")))
    label = _PARTY.get(name) or _RAW.get(name) or _("other feature")
    text = row.get(name)
    if text in (None, ""):
        return Text(_("%(label)s not declared"), label=label)
    return Text(_("%(label)s is %(value)s"), label=label, value=str(text))


def _value_sentence(name: str, value: float, values: dict, row: dict) -> Text:
    if name == "log_duty_at_stake":
        return Text(_("the duty at stake as declared (value × duty rate) is %(amount)s KRW"),
                    amount=number(math.expm1(value)))
    if name == "log_item_price":
        return _raw_sentence(ITEM_PRICE, value, values, row)
    if name == "log_net_mass":
        return _raw_sentence("Net Mass", value, values, row)
    if name == "log_value_per_kg":
        if value != value:
            return Text(_("the value per kg cannot be computed (value or mass is zero)"))
        return Text(_("the declared value per kg is %(amount)s KRW/kg"), amount=number(math.exp(value)))
    return Text(OTHER, feature=feature_label(name), value=number(value))


def _peer_sentence(kind: str, peer: str, value: float) -> Text:
    peers = _PEERS.get(peer, _("similar declarations"))
    if value != value:
        return Text(_("not enough past declarations of %(peers)s to compare the value per kg"), peers=peers)
    if kind == "z":
        message = (_("the declared value per kg is %(amount)s standard deviations below the average of %(peers)s")
                   if value < 0 else
                   _("the declared value per kg is %(amount)s standard deviations above the average of %(peers)s"))
        return Text(message, amount=number(abs(value)), peers=peers)
    ratio = math.exp(value)
    if ratio >= 2:
        return Text(_("the declared value per kg is %(ratio)s times the average of %(peers)s"),
                    ratio=number(ratio), peers=peers)
    message = (_("the declared value per kg is %(share)s%% below the average of %(peers)s") if ratio < 1 else
               _("the declared value per kg is %(share)s%% above the average of %(peers)s"))
    return Text(message, share=percent(abs(ratio - 1)), peers=peers)


def _dev_sentence(peer: str, value: float, values: dict, row: dict) -> Text:
    return _peer_sentence("dev", peer, value)


def _z_sentence(peer: str, value: float, values: dict, row: dict) -> Text:
    return _peer_sentence("z", peer, value)


def _peer_count_sentence(peer: str, value: float, values: dict, row: dict) -> Text:
    n = round(math.expm1(value))
    peers = _PEERS.get(peer, _("similar declarations"))
    if not n:
        return Text(_("no past declaration of %(peers)s"), peers=peers)
    return Text(_("%(n)s past declarations of %(peers)s"), n=Number(n), peers=peers)


def _entity(name: str, row: dict):
    if name in _ENTITY:
        message, fields = _ENTITY[name]
        return Text(message, **{param: "—" if row.get(field) is None else str(row[field])
                                for param, field in fields.items()})
    return _WHO.get(name, _("other feature"))


def _rate_sentence(name: str, value: float, values: dict, row: dict) -> Text:
    """Past frauds out of past declarations of the key, and the smoothed rate the model uses."""
    n = round(math.expm1(values.get(f"past_count__{name}", 0.0)))
    entity = _entity(name, row)
    if n == 0:
        return Text(_("%(entity)s has no past declaration that was inspected (the overall fraud rate %(rate)s%% is "
                      "used)"), entity=entity, rate=percent(value))
    frauds = _past_frauds(name, value, n, values.get(PRIOR_KEY))
    return Text(_("%(entity)s has %(frauds)s/%(n)s past declarations found fraudulent (estimated rate %(rate)s%%)"),
                entity=entity, frauds="?" if frauds is None else Number(frauds), n=Number(n), rate=percent(value))


def _past_frauds(name: str, rate: float, n: int, prior: float | None) -> int | None:
    """Undo the smoothing ``rate = (frauds + m·prior) / (n + m)`` to recover the count of past frauds."""
    smoothing = {e.name: e.smoothing for e in F.LABEL_ENCODINGS}.get(name)
    if smoothing is None or prior is None or prior != prior or rate != rate:
        return None
    return max(0, min(n, round(rate * (n + smoothing) - smoothing * prior)))


def _count_sentence(name: str, value: float, values: dict, row: dict) -> Text:
    n = round(math.expm1(value))
    entity = _entity(name, row)
    if n == 0:
        return Text(_("%(entity)s does not appear in past declarations"), entity=entity)
    return Text(_("%(entity)s appears in %(n)s past declarations"), entity=entity, n=Number(n))


_SENTENCE_BUILDERS = (
    ("value_per_kg_dev__", _dev_sentence),
    ("value_per_kg_z__", _z_sentence),
    ("peer_count__", _peer_count_sentence),
    ("fraud_rate__", _rate_sentence),
    ("past_count__", _count_sentence),
    ("code__", lambda name, value, values, row: _raw_sentence(name, value, values, row)),
    ("log_", lambda name, value, values, row: _value_sentence("log_" + name, value, values, row)),
    ("", _raw_sentence),
)
