"""Policy actions of the declarations app. Declarations are national data: every role reads them."""

from stq.org.models import Role
from stq.org.policy import ALL_ROLES, active_grants, register_action, roles_for

register_action("declarations.view", ALL_ROLES)
register_action("declarations.import", {Role.RISK_MANAGER})


def may(user, action: str) -> bool:
    """Declarations belong to no unit: one grant of an allowed role, anywhere, is enough."""
    allowed = roles_for(action)
    return any(g.role in allowed for g in active_grants(user))
