"""Fixtures: a small unit tree and users by role, on the real database."""

from types import SimpleNamespace

import pytest

from stq.org.models import Role
from tests.factories import GrantFactory, UnitFactory, UserFactory


def make_user(username, unit, *grants):
    """A user of `unit` with grants given as (role, unit, include_units_below)."""
    user = UserFactory(username=username, unit=unit)
    for role, grant_unit, below in grants:
        GrantFactory(user=user, role=role, unit=grant_unit, include_units_below=below)
    return user


@pytest.fixture
def org(db):
    """CHQ (department) → KV01 (department) → KV01-PT (team); CHQ → KV02 → KV02-PT; with users by role."""
    chq = UnitFactory(code="CHQ", name="Cục Hải quan", level_label="Cục", is_department_scope=True)
    kv01 = UnitFactory(code="KV01", name="Chi cục Hải quan khu vực I", level_label="Chi cục", parent=chq,
                       is_department_scope=True)
    kv01pt = UnitFactory(code="KV01-PT", name="Đội Phúc tập và KTSTQ KV I", parent=kv01)
    kv02 = UnitFactory(code="KV02", name="Chi cục Hải quan khu vực II", level_label="Chi cục", parent=chq,
                       is_department_scope=True)
    kv02pt = UnitFactory(code="KV02-PT", name="Đội Phúc tập và KTSTQ KV II", parent=kv02)
    ns = SimpleNamespace(chq=chq, kv01=kv01, kv01pt=kv01pt, kv02=kv02, kv02pt=kv02pt)
    ns.admin_chq = make_user("admin_chq", chq, (Role.UNIT_ADMIN, chq, False))
    ns.admin_kv01 = make_user("admin_kv01", kv01, (Role.UNIT_ADMIN, kv01, False))
    ns.admin_kv01pt = make_user("admin_kv01pt", kv01pt, (Role.UNIT_ADMIN, kv01pt, False))
    ns.admin_kv02pt = make_user("admin_kv02pt", kv02pt, (Role.UNIT_ADMIN, kv02pt, False))
    ns.officer1 = make_user("officer1", kv01pt, (Role.OFFICER, kv01pt, False))
    ns.officer1b = make_user("officer1b", kv01pt, (Role.OFFICER, kv01pt, False))
    ns.approver1 = make_user("approver1", kv01pt, (Role.APPROVER, kv01pt, False))
    ns.leader_kv01 = make_user("leader_kv01", kv01, (Role.APPROVER, kv01, True))
    ns.officer2 = make_user("officer2", kv02pt, (Role.OFFICER, kv02pt, False))
    ns.approver2 = make_user("approver2", kv02pt, (Role.APPROVER, kv02pt, False))
    ns.analyst = make_user("analyst", chq, (Role.ANALYST, chq, True))
    ns.risk_manager = make_user("risk_manager", chq, (Role.RISK_MANAGER, chq, True))
    ns.nobody = make_user("nobody", kv01pt)
    return ns


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: sign-in rate-limit counters must not leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()
