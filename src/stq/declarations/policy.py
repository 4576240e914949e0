"""Policy actions of the declarations app. Declarations are national data: every role reads them."""

from stq.org.models import Role
from stq.org.policy import ALL_ROLES, can_anywhere, register_action

register_action("declarations.view", ALL_ROLES)
register_action("declarations.import", {Role.RISK_MANAGER})


# Declarations belong to no unit: one grant of an allowed role, anywhere, is enough.
may = can_anywhere
