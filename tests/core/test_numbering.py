"""Case numbering: gap-free and unique per (unit, year, kind), also with 50 concurrent creations."""

import threading

import pytest
from django.db import connection, transaction

from stq.core.models import NumberCounter
from stq.core.numbering import next_number, next_sequence


@pytest.mark.django_db
def test_numbers_per_unit_year_kind(org):
    with transaction.atomic():
        assert next_number(unit=org.kv01pt, year=2026, kind="TTTT") == "0001/2026/TTTT-KV01-PT"
        assert next_number(unit=org.kv01pt, year=2026, kind="TTTT") == "0002/2026/TTTT-KV01-PT"
        assert next_number(unit=org.kv02pt, year=2026, kind="TTTT") == "0001/2026/TTTT-KV02-PT"
        assert next_number(unit=org.kv01pt, year=2027, kind="TTTT") == "0001/2027/TTTT-KV01-PT"


@pytest.mark.django_db
def test_rolled_back_number_is_given_back(org):
    with pytest.raises(RuntimeError), transaction.atomic():
        next_sequence(unit=org.kv01pt, year=2026, kind="DX")
        raise RuntimeError("the insert failed")
    with transaction.atomic():
        assert next_sequence(unit=org.kv01pt, year=2026, kind="DX") == 1


@pytest.mark.django_db(transaction=True)
def test_requires_a_transaction(org):
    with pytest.raises(RuntimeError):
        next_sequence(unit=org.kv01pt, year=2026, kind="DX")


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_creations_give_fifty_consecutive_numbers(org):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    results, errors = [], []
    barrier = threading.Barrier(50)

    def worker():
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                results.append(next_sequence(unit=org.kv01pt, year=2026, kind="RACE"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == list(range(1, 51))
    assert NumberCounter.objects.get(unit=org.kv01pt, year=2026, kind="RACE").last == 50
