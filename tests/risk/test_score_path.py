"""The bulk scoring path: the COPY read gives the same model rows as the row-by-row mapping it replaced, and the
stored scores are exactly each declaration's riskiest line."""

from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from stq.declarations.models import Declaration, DeclarationLine
from stq.risk import training
from stq.risk.ml import dataset as ds
from stq.risk.ml.features import FeatureMatrix
from stq.risk.ml.model import load_model
from stq.risk.models import DeclarationScore
from tests.risk import helpers as h
from tests.risk.test_model_versions import FAST, TRAIN_FILE, small_csv  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def reference_frame() -> pl.DataFrame:
    """The former builder, one Python value at a time (kept here as the reference the bulk path must match)."""
    from django.db import connection

    D, L = Declaration._meta.db_table, DeclarationLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT d.id, d.base_number, d.revision, d.registered_on, d.customs_office, d.procedure_type, d.flow,
                   d.transport_mode, d.declarant_tax_code, d.importer_exporter_tax_code, d.partner_name,
                   d.partner_country, d.incoterms, l.hs_code, l.origin_country, l.import_duty_rate, l.quantity,
                   l.customs_value
            FROM {L} l JOIN {D} d ON d.id = l.declaration_id ORDER BY d.registered_on, d.id, l.line_no""")
        rows = cursor.fetchall()
    cols = list(zip(*rows, strict=True))
    number = [f"{b}{r}" for b, r in zip(cols[1], cols[2], strict=True)]
    text = lambda values: [str(v or "") for v in values]  # noqa: E731
    frame = pl.DataFrame({
        "pk": pl.Series(cols[0], dtype=pl.Int64), ds.ID: number, ds.DATE: [str(v) for v in cols[3]],
        "Office ID": text(cols[4]), "Process Type": text(cols[5]), "Import Type": text(cols[6]),
        "Import Use": text(cols[12]), "Payment Type": [""] * len(number), "Mode of Transport": text(cols[7]),
        "Declarant ID": text(cols[8]), "Importer ID": text(cols[9]), "Seller ID": text(cols[10]),
        "Courier ID": [""] * len(number), ds.HS6: [str(v or "")[:6] for v in cols[13]],
        "Country of Departure": text(cols[11]), "Country of Origin": text(cols[14]), "Tax Type": text(cols[6]),
        "Country of Origin Indicator": [""] * len(number),
        ds.TAX_RATE: [float(v or 0) for v in cols[15]], ds.NET_MASS: [float(v or 0) for v in cols[16]],
        ds.ITEM_PRICE: [float(v or 0) for v in cols[17]],
    }, schema_overrides={ds.TAX_RATE: pl.Float64, ds.NET_MASS: pl.Float64, ds.ITEM_PRICE: pl.Float64})
    pks = frame["pk"]
    return ds.normalise(frame.drop("pk")).with_columns(pks.alias("pk"))


def test_bulk_read_gives_the_same_model_rows_and_features_as_the_row_by_row_builder(org, small_csv, tmp_path,  # noqa: F811
                                                                                      settings):
    h.load_fixture(org.kv01pt)
    # a missing amount and an empty optional field must map as before (0 and empty)
    line = DeclarationLine.objects.order_by("pk").first()
    DeclarationLine.objects.filter(pk=line.pk).update(import_duty_rate=0)
    Declaration.objects.filter(pk=line.declaration_id).update(incoterms="", partner_country="")
    expected = reference_frame()
    assert expected.height == DeclarationLine.objects.count() > 0
    bulk = training.declarations_frame()  # COPY … TO STDOUT on PostgreSQL
    fetched = training.declarations_frame(bulk=False)  # the portable path (SQLite)
    assert bulk.equals(expected) and fetched.equals(expected)
    assert bulk.schema == expected.schema
    # filtered reads bind their parameters the same way
    first = Declaration.objects.order_by("registered_on", "pk").first()
    one = training.declarations_frame("WHERE d.id = %s", [first.pk])
    assert one.equals(expected.filter(pl.col("pk") == first.pk))
    assert training.declarations_frame("WHERE 1 = 0").height == 0
    # and the model sees identical features
    settings.MEDIA_ROOT = tmp_path
    model = load_model(training.train_from_files([small_csv], config=FAST).artefact_path)
    np.testing.assert_array_equal(model.features(bulk.drop("pk")).values, model.features(expected.drop("pk")).values)


@pytest.mark.skipif(not TRAIN_FILE.is_file(), reason="shared data not found")
def test_stored_scores_are_each_declarations_riskiest_line_and_a_rescore_replaces_them(org, small_csv, tmp_path,  # noqa: F811
                                                                                        settings):
    settings.MEDIA_ROOT = tmp_path
    h.load_fixture(org.kv01pt)
    version = training.train_from_files([small_csv], config=FAST)
    model = load_model(version.artefact_path)
    frame = training.declarations_frame()
    p, revenue = model.predict_parts(frame.drop("pk"))
    score = p + revenue / model.offset_for(p, revenue)
    duty = frame[ds.ITEM_PRICE].to_numpy() * frame[ds.TAX_RATE].to_numpy() / 100
    lines = pl.DataFrame({"pk": frame["pk"], "p": p, "score": score, "duty": duty})
    expected = {r["pk"]: r for r in lines.group_by("pk").agg(pl.col("p").max(), pl.col("score").max(),
                                                              pl.col("duty").sum()).iter_rows(named=True)}
    assert training.score_frame(model, frame, version, explain_top=2) == len(expected) == Declaration.objects.count()
    stored = {s.declaration_id: s for s in DeclarationScore.objects.all()}
    declarations = {d.pk: d for d in Declaration.objects.all()}
    assert set(stored) == set(expected)
    for pk, s in stored.items():
        assert s.probability == pytest.approx(expected[pk]["p"], rel=1e-12)
        assert s.score == pytest.approx(expected[pk]["score"], rel=1e-12)
        assert s.duty_at_stake == int(expected[pk]["duty"])
        assert (s.tax_code, s.registered_on) == (declarations[pk].importer_exporter_tax_code,
                                                 declarations[pk].registered_on)
        assert s.model_id == version.pk
    # the 2 highest scores (ties: either one) are marked to be explained when read, none explained yet
    explained = [s for s in stored.values() if s.explain_row is not None]
    assert len(explained) == 2 and not any(s.explanations for s in stored.values())
    assert min(s.score for s in explained) >= max(s.score for s in stored.values() if s.explain_row is None)
    assert all(len(training.stored_explanations(s)) == 3 for s in explained)
    # a second version rescoring the same declarations replaces the rows (upsert), no duplicates
    v2 = training.train_from_files([small_csv], config=FAST)
    assert training.score_declarations(model_version=v2)["declarations"] == len(expected)
    assert DeclarationScore.objects.count() == len(expected)
    assert set(DeclarationScore.objects.values_list("model_id", flat=True)) == {v2.pk}


@pytest.mark.skipif(not TRAIN_FILE.is_file(), reason="shared data not found")
def test_compiled_trees_give_lightgbms_scores_and_are_cached_per_model(org, small_csv, tmp_path, settings):  # noqa: F811
    from stq.risk.compiled import compile_classifier

    settings.MEDIA_ROOT = tmp_path
    h.load_fixture(org.kv01pt)
    model = load_model(training.train_from_files([small_csv], config=replace(FAST, n_bags=2)).artefact_path)
    frame = training.declarations_frame().drop("pk")
    values = model.features(frame).values
    compiled = compile_classifier(model, tmp_path / "compiled")
    assert compiled is not None and len(compiled.compiled) == 2
    np.testing.assert_allclose(compiled.raw_score(values), model.classifier.raw_score(values), rtol=0, atol=1e-9)
    p, revenue = training.predict_parts(model, frame, compiled)
    p0, revenue0 = model.predict_parts(frame)
    np.testing.assert_allclose(p, p0, rtol=1e-12)
    np.testing.assert_allclose(revenue, revenue0, rtol=1e-12)
    assert len(list((tmp_path / "compiled").glob("*-raw.o"))) == 2  # one object per bag, keyed by its sha256
    other = load_model(training.train_from_files([small_csv], config=replace(FAST, seed=7)).artefact_path)
    again = compile_classifier(other, tmp_path / "compiled")  # a different model never reuses an object file
    np.testing.assert_allclose(again.raw_score(values), other.classifier.raw_score(values), rtol=0, atol=1e-9)
    assert len(list((tmp_path / "compiled").glob("*-raw.o"))) == 3


@pytest.mark.skipif(not TRAIN_FILE.is_file(), reason="shared data not found")
@pytest.mark.django_db(transaction=True)
def test_pipelined_scoring_stores_what_the_one_by_one_path_stores(org, small_csv, tmp_path, settings):  # noqa: F811
    """Outside a transaction the batches are read, computed and written by three threads on their own connections;
    the stored rows must be those of the sequential path (which runs inside a transaction)."""
    from django.db import transaction

    settings.MEDIA_ROOT = tmp_path
    h.load_fixture(org.kv01pt)
    version = training.train_from_files([small_csv], config=FAST)
    fields = ("declaration_id", "tax_code", "registered_on", "probability", "duty_at_stake", "score", "explain_row",
              "explanations")

    def stored():
        return sorted(DeclarationScore.objects.values_list(*fields))

    first = training.score_declarations(model_version=version, batch_days=2)
    assert first["pipelined"] and first["declarations"] == Declaration.objects.count() > 0
    pipelined = stored()
    assert sum(1 for row in pipelined if row[-2] is not None) > 2  # explanations due in more than one batch
    DeclarationScore.objects.all().delete()
    with transaction.atomic():
        again = training.score_declarations(model_version=version, batch_days=2)
    assert not again["pipelined"] and again["declarations"] == first["declarations"]
    assert stored() == pipelined


def former_explanations(model, frame: pl.DataFrame, top: int) -> dict[int, list]:
    """The explanations the scoring stored before they moved to the first read (kept here as the reference): each
    declaration's riskiest line, the batch's `top` riskiest declarations, explained with their features rebuilt,
    as read back from the JSON column."""
    import json

    from stq.core.texts import stored

    features = frame.drop("pk")
    p, revenue = model.predict_parts(features)
    offset = model.offset_for(p, revenue)
    score = p + revenue / offset if np.isfinite(offset) else p
    lines = pl.DataFrame({"pk": frame["pk"], "row": np.arange(frame.height), "score": score})
    best = (lines.sort(["pk", "score"], descending=[False, True]).group_by("pk", maintain_order=True)
            .agg(pl.col("row").first(), pl.col("score").max()).sort("score", descending=True).head(top))
    rebuilt = model.explain(features[best["row"].to_list()])
    return {pk: json.loads(json.dumps([{"feature": c.feature, "contribution": round(c.contribution, 3),
                                        "sentence": stored(c.sentence)} for c in row], ensure_ascii=False))
            for pk, row in zip(best["pk"].to_list(), rebuilt, strict=True)}


@pytest.mark.skipif(not TRAIN_FILE.is_file(), reason="shared data not found")
def test_explanations_left_to_the_first_read_are_those_the_scoring_stored_before(org, small_csv, tmp_path,  # noqa: F811
                                                                                 settings):
    """The scoring no longer explains: it marks the riskiest declarations of the batch and the first read (the
    declaration's risk API, the one reader of the explanations) computes and stores their explanations. What the
    API shows must be what the scoring stored before (the former path, features rebuilt for the explained rows):
    the same declarations explained, the same numbers and sentences; the others shown without explanations."""
    from rest_framework.test import APIClient

    settings.MEDIA_ROOT = tmp_path
    h.load_fixture(org.kv01pt)
    version = training.train_from_files([small_csv], config=FAST)
    model = load_model(version.artefact_path)
    frame = training.declarations_frame()
    top = 6
    assert training.score_frame(model, frame, version, explain_top=top) == Declaration.objects.count() > top
    expected = former_explanations(model, frame, top)
    assert len(expected) == top and all(len(e) == 3 for e in expected.values())
    # nothing explained at scoring time; the marked declarations are the former path's
    assert not DeclarationScore.objects.exclude(explanations=[]).exists()
    marked = set(DeclarationScore.objects.filter(explain_row__isnull=False).values_list("declaration_id", flat=True))
    assert marked == set(expected)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(org.analyst)
    declarations = {d.pk: d for d in Declaration.objects.all()}

    def shown(pk):
        body = client.get(f"/api/v1/risk/declarations/{declarations[pk].number}/").json()
        return body["score"]["explanations"]

    for pk, items in expected.items():
        first = shown(pk)
        assert [(e["feature"], e["contribution"]) for e in first] == [(e["feature"], e["contribution"]) for e in items]
        # stored by that read, exactly as the scoring stored it before; a second read reads them back
        assert DeclarationScore.objects.get(declaration_id=pk).explanations == items
        assert shown(pk) == first
    others = [pk for pk in declarations if pk not in expected][:5]
    assert others and all(shown(pk) == [] for pk in others)
    assert not DeclarationScore.objects.filter(declaration_id__in=others).exclude(explanations=[]).exists()
    # the unrounded contributions of the rebuilt declaration's line are those of the batch's feature rows
    features = frame.drop("pk")
    whole = model.features(features)
    for s in DeclarationScore.objects.filter(explain_row__isnull=False):
        rows = [i for i, pk in enumerate(frame["pk"].to_list()) if pk == s.declaration_id]
        row = rows[s.explain_row]
        one = training.declarations_frame("WHERE d.id = %s", [s.declaration_id]).drop("pk")[s.explain_row:
                                                                                               s.explain_row + 1]
        plain = lambda explanations: [[(c.feature, c.value, c.contribution) for c in r]  # noqa: E731
                                      for r in explanations]
        assert plain(model.explain(one)) == plain(model.explain(
            features[[row]], matrix=FeatureMatrix(whole.values[[row]], whole.columns, whole.categorical)))


@pytest.mark.skipif(not TRAIN_FILE.is_file(), reason="shared data not found")
def test_a_rescore_drops_the_explanations_read_under_the_former_version(org, small_csv, tmp_path,  # noqa: F811
                                                                         settings):
    """An explanation stored by a read belongs to the score it explained: a rescore (another version) empties it and
    the next read explains with the new version; a read of the former score finishing after the rescore does not
    write over the new one."""
    settings.MEDIA_ROOT = tmp_path
    h.load_fixture(org.kv01pt)
    v1 = training.train_from_files([small_csv], config=FAST)
    training.score_declarations(model_version=v1)
    s1 = DeclarationScore.objects.filter(explain_row__isnull=False).order_by("-score").first()
    assert len(training.stored_explanations(s1)) == 3
    v2 = training.train_from_files([small_csv], config=replace(FAST, seed=7))
    training.score_declarations(model_version=v2)
    s2 = DeclarationScore.objects.get(declaration_id=s1.declaration_id)
    assert s2.model_id == v2.pk and s2.explanations == []
    s1.explanations = []
    training.stored_explanations(s1)  # a late read of the v1 score: computed, but not stored over v2's row
    assert DeclarationScore.objects.get(declaration_id=s1.declaration_id).explanations == []
    marked = DeclarationScore.objects.filter(explain_row__isnull=False).order_by("-score").first()
    items = training.stored_explanations(marked)  # explained with v2, stored
    assert len(items) == 3 and DeclarationScore.objects.get(declaration_id=marked.declaration_id).explanations == items




def test_a_score_whose_model_artefact_is_gone_is_shown_without_explanations(org):
    """The first read loads the score's model version; an artefact deleted or damaged since the scoring must not
    break the declaration's risk API: the score is shown, without explanations, and nothing is stored."""
    import datetime as dt

    from rest_framework.test import APIClient

    from stq.risk.models import ModelVersion

    h.load_fixture(org.kv01pt)
    declaration = Declaration.objects.first()
    version = ModelVersion.objects.create(number=1, source="x", training_from=dt.date(2025, 1, 1),
                                          training_to=dt.date(2025, 6, 30), artefact_path="/nowhere",
                                          artefact_sha256="0" * 64, is_active=True)
    DeclarationScore.objects.create(declaration_id=declaration.pk, model=version, tax_code="x",
                                    registered_on=declaration.registered_on, probability=0.4, score=0.4,
                                    explain_row=0)
    client = APIClient()
    client.force_authenticate(org.analyst)
    answer = client.get(f"/api/v1/risk/declarations/{declaration.number}/")
    assert answer.status_code == 200 and answer.json()["score"]["probability"] == 0.4
    assert answer.json()["score"]["explanations"] == []
    assert DeclarationScore.objects.get(declaration_id=declaration.pk).explain_row == 0
