"""Feature building: typed reading and, above all, no leakage of labels or rows from the future."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from stq.risk.ml import features as F
from stq.risk.ml.dataset import DATE, FRAUD, ID, normalise, read_declarations, split_by_date

START = dt.date(2020, 1, 1)
CUTOFF = "2020-02-01"  # rows on or after this date are "the future"


def synthetic_declarations(n: int = 800, days: int = 60, seed: int = 0) -> pl.DataFrame:
    """Rows of the declaration layout with small pools so that every key repeats."""
    rng = np.random.default_rng(seed)

    def pick(values, size=n):
        return [values[i] for i in rng.integers(0, len(values), size)]

    hs6 = ["090421", "070320", "847130", "610910"]
    raw = pl.DataFrame(
        {
            ID: [str(10_000_000 + i) for i in range(n)],
            DATE: [str(START + dt.timedelta(days=int(d))) for d in rng.integers(0, days, n)],
            "Office ID": pick(["10", "20", "30"]),
            "Process Type": pick(["A", "B"]),
            "Import Type": pick(["11", "21"]),
            "Import Use": pick(["21", "11"]),
            "Payment Type": pick(["11", "43"]),
            "Mode of Transport": pick(["10", "40"]),
            "Declarant ID": pick([f"D{i}" for i in range(8)]),
            "Importer ID": pick([f"I{i}" for i in range(30)]),
            "Seller ID": pick([f"S{i}" for i in range(20)] + [""]),
            "Courier ID": pick(["", "", "", "C1"]),
            "HS6 Code": pick(hs6),
            "Country of Departure": pick(["CN", "VN", "KR"]),
            "Country of Origin": pick(["CN", "VN", "US"]),
            "Tax Rate": pick(["0.0", "8.0", "270.0"]),
            "Tax Type": pick(["A", "FEU1"]),
            "Country of Origin Indicator": pick(["G", "Y"]),
            "Net Mass": pick(["100.0", "24000.0", "12.5", "0.0"]),
            "Item Price": pick(["5824800.0", "13364352.0", "9439.46", "372254.4"]),
            FRAUD: [str(v) for v in rng.integers(0, 2, n)],
        }
    )
    return normalise(raw)


def matrix_by_id(frame: pl.DataFrame, matrix: F.FeatureMatrix) -> dict[str, np.ndarray]:
    return dict(zip(frame[ID].to_list(), matrix.values, strict=True))


def assert_same_features(a: dict[str, np.ndarray], b: dict[str, np.ndarray], ids) -> None:
    for key in ids:
        np.testing.assert_array_equal(a[key], b[key], err_msg=f"features of {key} changed")


def alter_future(frame: pl.DataFrame, seed: int = 1) -> pl.DataFrame:
    """Shuffle the future's labels, change its prices, drop some of its rows and add new ones."""
    past, future = split_by_date(frame, CUTOFF)
    rng = np.random.default_rng(seed)
    future = future.with_columns(
        pl.Series(FRAUD, rng.permutation(future[FRAUD].to_numpy())).cast(pl.Int8),
        (pl.col("Item Price") * 3).alias("Item Price"),
    ).sample(fraction=0.7, seed=seed)
    extra = synthetic_declarations(n=200, days=60, seed=seed + 10).filter(pl.col(DATE) >= pl.date(2020, 2, 1))
    extra = extra.with_columns((pl.lit("X") + pl.col(ID)).alias(ID), pl.lit("NEWCODE").alias("Importer ID"))
    return pl.concat([past, future, extra]).sample(fraction=1.0, shuffle=True, seed=seed)


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return synthetic_declarations()


def test_future_rows_and_labels_do_not_change_past_features(frame):
    altered = alter_future(frame)
    before = matrix_by_id(frame, F.build_train_matrix(frame))
    after = matrix_by_id(altered, F.build_train_matrix(altered))
    past_ids = split_by_date(frame, CUTOFF)[0][ID].to_list()
    assert len(past_ids) > 200
    assert_same_features(before, after, past_ids)


def test_own_and_same_day_labels_do_not_change_features(frame):
    base = matrix_by_id(frame, F.build_train_matrix(frame))
    for row in (5, 123, 400):
        flipped = frame.with_columns(
            pl.when(pl.int_range(pl.len()) == row)
            .then(1 - pl.col(FRAUD))
            .otherwise(pl.col(FRAUD))
            .alias(FRAUD)
        )
        after = matrix_by_id(flipped, F.build_train_matrix(flipped))
        day = frame[DATE][row]
        same_or_earlier = frame.filter(pl.col(DATE) <= day)[ID].to_list()
        assert_same_features(base, after, same_or_earlier)
        later = frame.filter(pl.col(DATE) > day)[ID].to_list()
        assert any(not np.array_equal(base[i], after[i], equal_nan=True) for i in later), "label never used"


def test_row_order_does_not_matter(frame):
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=3)
    a = matrix_by_id(frame, F.build_train_matrix(frame))
    b = matrix_by_id(shuffled, F.build_train_matrix(shuffled))
    assert_same_features(a, b, frame[ID].to_list())


def test_test_features_come_from_train_only(frame):
    train, test = split_by_date(frame, CUTOFF)
    reference = F.build_test_matrix(train, test)
    relabelled = test.with_columns((1 - pl.col(FRAUD)).alias(FRAUD))
    np.testing.assert_array_equal(reference.values, F.build_test_matrix(train, relabelled).values)
    np.testing.assert_array_equal(reference.values, F.build_test_matrix(train, test.drop(FRAUD)).values)
    np.testing.assert_array_equal(reference.values, F.build_test_matrix(F.fit_history(train), test).values)
    # A test row's features do not depend on the other test rows.
    half = test.head(test.height // 2)
    np.testing.assert_array_equal(reference.values[: half.height], F.build_test_matrix(train, half).values)


def test_expanding_encoding_hand_computed():
    rows = [  # (date, importer, fraud)
        ("2020-01-01", "A", 1),
        ("2020-01-01", "A", 0),
        ("2020-01-01", "B", 0),
        ("2020-01-02", "A", 1),
        ("2020-01-03", "A", 0),
    ]
    frame = synthetic_declarations(n=len(rows)).with_columns(
        pl.Series(DATE, [r[0] for r in rows]).str.to_date(),
        pl.Series("Importer ID", [r[1] for r in rows]),
        pl.Series(FRAUD, [r[2] for r in rows]).cast(pl.Int8),
    )
    matrix = F.build_train_matrix(frame, groups=("history",))
    count = np.expm1(matrix.column("past_count__importer"))
    rate = matrix.column("fraud_rate__importer")
    np.testing.assert_allclose(count, [0, 0, 0, 2, 3])
    m = F.SMOOTHING_ENTITY
    assert np.isnan(rate[0])  # no history at all on the first day: no prior
    np.testing.assert_allclose(rate[3], (1 + m * (1 / 3)) / (2 + m))  # prior: 1 fraud in 3 earlier rows
    np.testing.assert_allclose(rate[4], (2 + m * (2 / 4)) / (3 + m))


def test_feature_groups_are_disjoint_and_complete():
    names = [c for g in (*F.GROUPS, "ids") for c in F.group_columns(g)]
    assert len(names) == len(set(names))
    assert F.feature_columns() == tuple(c for g in F.GROUPS for c in F.group_columns(g))
    with pytest.raises(ValueError):
        F.group_columns("nope")


def test_hs6_is_read_as_text(tmp_path):
    frame = synthetic_declarations(n=3)
    path = tmp_path / "decl.csv"
    frame.with_columns(pl.Series("HS6 Code", ["090421", "70320", "847130"])).write_csv(path)
    read = read_declarations(path)
    assert read["HS6 Code"].to_list() == ["090421", "070320", "847130"]
    assert read.schema[DATE] == pl.Date and read.schema["Item Price"] == pl.Float64
