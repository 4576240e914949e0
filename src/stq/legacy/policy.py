"""Who imports STQ01 records: the national unit administrator or a risk manager, at the root unit (the import is
national — it writes records of every unit)."""

from stq.org import policy
from stq.org.models import Role, Unit

policy.register_action("legacy.import", {Role.UNIT_ADMIN, Role.RISK_MANAGER})


def may_import(user) -> bool:
    root = Unit.objects.root()
    return root is not None and policy.can_at(user, "legacy.import", root)
