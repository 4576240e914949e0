"""Policy actions of the risk engine (registered with the one policy, ``stq.org.policy``)."""

from stq.org.models import Role
from stq.org.policy import ALL_ROLES, can_anywhere, register_action

register_action("risk.view", ALL_ROLES)  # scores, criteria, models, lists (national data)
register_action("risk.manage_criteria", {Role.RISK_MANAGER})  # at the criterion's owner unit
register_action("risk.train", {Role.RISK_MANAGER})  # national: train / activate model versions, run criteria
register_action("risk.target_list", {Role.RISK_MANAGER, Role.APPROVER})  # ask for a unit's target list
register_action("risk.backtest", {Role.RISK_MANAGER})  # national: backtest a targeting policy
register_action("risk.alerts", {Role.RISK_MANAGER})  # handle the alert inbox (national)

may = can_anywhere


def may_view(user) -> bool:
    """May the user open the risk pages (the menu entry's check)?"""
    return can_anywhere(user, "risk.view")
