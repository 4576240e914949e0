"""Who handles change requests: the workers (officer, approver) of the central PCA unit.

The central PCA unit is identified by its code, `settings.STQ_CENTRAL_PCA_UNIT` (environment variable of the same
name; default "KTSTQ", the Chi cục Kiểm tra sau thông quan of the 2025 organisation). Handling is then an ordinary
policy question — a grant of a handling role at (or above, including units below) that unit — so the unit
administrator decides who handles them, as for every other right.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError
from stq.org import policy
from stq.org.models import Role, Unit

HANDLERS = frozenset({Role.OFFICER, Role.APPROVER})
DEFAULT_CENTRAL_PCA_UNIT = "KTSTQ"

policy.register_action("change_request.manage", HANDLERS)  # list all, filter, export, comment, set the status
policy.register_action("change_request.comment", frozenset(policy.ALL_ROLES))  # comment on one's own unit's request


def central_unit_code() -> str:
    return (getattr(settings, "STQ_CENTRAL_PCA_UNIT", None) or os.environ.get("STQ_CENTRAL_PCA_UNIT")
            or DEFAULT_CENTRAL_PCA_UNIT)


def central_unit() -> Unit:
    unit = Unit.objects.filter(code=central_unit_code()).first()
    if unit is None:
        raise AppError("no_central_unit", _("The central PCA unit (code %(code)s) does not exist.")
                       % {"code": central_unit_code()})
    return unit


def handles_change_requests(user) -> bool:
    unit = Unit.objects.filter(code=central_unit_code()).first()
    return unit is not None and policy.can_at(user, "change_request.manage", unit)
