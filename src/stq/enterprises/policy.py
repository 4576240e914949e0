"""Policy actions of the enterprise directory (registered with the one policy, `stq.org.policy`).

- Reading: the directory is national — every user holding any role may read and search every enterprise
  (`enterprises_visible_to` does not filter by unit).
- `enterprise.edit` (officer, approver): create enterprises, edit their identity/profile fields and record
  profile submissions (form 01/KTSTQ). Simplification: an officer or approver of ANY unit may do so (officers
  learn about enterprises wherever they work); the submission records the officer and unit, and the history
  keeps who changed what. Recording a submission accepts it (no separate approval step).
- `enterprise.edit_risk` (risk_manager): compliance level, risk class, their dates and reasons — at the
  enterprise's owning unit (its managing unit, or the root unit).
- `focus_list.manage` (risk_manager): add/close focus-list entries, at the designating unit.
- `enterprise.import` (risk_manager, unit_admin): bulk import from a file, at the importer's unit.
"""

from stq.org.models import Role
from stq.org.policy import active_grants, can_anywhere, can_at, register_action

register_action("enterprise.edit", {Role.OFFICER, Role.APPROVER})
register_action("enterprise.edit_risk", {Role.RISK_MANAGER})
register_action("focus_list.manage", {Role.RISK_MANAGER})
register_action("enterprise.import", {Role.RISK_MANAGER, Role.UNIT_ADMIN})


__all__ = ["acting_unit", "can_anywhere"]


def acting_unit(user, action: str):
    """The unit in whose name the user takes a national action: their home unit when a grant there allows it,
    else the first unit of a grant that allows it (None when none)."""
    if user.unit_id and can_at(user, action, user.unit):
        return user.unit
    for grant in active_grants(user):
        if can_at(user, action, grant.unit):
            return grant.unit
    return None
