import pytest

from stq.enterprises.demo import generate_enterprises, seed_enterprises
from stq.enterprises.models import Enterprise, FocusListEntry
from stq.enterprises.taxcode import is_valid_tax_code

pytestmark = pytest.mark.django_db


def test_generator_is_valid_and_deterministic():
    a = generate_enterprises(500)
    b = generate_enterprises(500)
    assert [e.tax_code for e in a] == [e.tax_code for e in b]
    assert len({e.tax_code for e in a}) == 500
    assert all(is_valid_tax_code(e.tax_code) for e in a)
    assert {e.enterprise_type for e in a} == {"domestic", "fdi", "epe"}
    assert any(e.is_aeo for e in a) and any(e.head is not None for e in a)


def test_seeder_is_idempotent(org):
    from stq.org.models import User

    User.objects.create(username="qlrr.chq")
    seed_enterprises({"enterprises": 300})
    count, focus = Enterprise.objects.count(), FocusListEntry.objects.count()
    assert count == 300 and focus >= 1
    assert Enterprise.history.count() == 300
    seed_enterprises({"enterprises": 300})
    assert Enterprise.objects.count() == count and FocusListEntry.objects.count() == focus
