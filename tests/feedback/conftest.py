"""The central PCA unit (KTSTQ) and its handlers, on top of the shared `org` fixture."""

import pytest

from stq.org.models import Role
from tests.conftest import make_user
from tests.factories import UnitFactory


@pytest.fixture
def central(org):
    """KTSTQ under CHQ, with an officer and a leader who handle change requests."""
    ktstq = UnitFactory(code="KTSTQ", name="Chi cục Kiểm tra sau thông quan", level_label="Chi cục", parent=org.chq,
                        is_department_scope=True)
    org.ktstq = ktstq
    org.central_officer = make_user("central_officer", ktstq, (Role.OFFICER, ktstq, False))
    org.central_leader = make_user("central_leader", ktstq, (Role.APPROVER, ktstq, True))
    return org
