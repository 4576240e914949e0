"""The reports' policy actions (the one policy, `stq.org.policy`).

- reports.view: see a unit's forms, dashboards and reconciliation status (figures aggregate the unit and every
  unit below it); an analyst granted at the national unit with the units below sees the whole country.
- reports.reconcile: the unit's reporting officer (or its leader) confirms the figures of a period.
"""

from stq.org import policy
from stq.org.models import Role

VIEW = "reports.view"
RECONCILE = "reports.reconcile"

policy.register_action(VIEW, {Role.OFFICER, Role.APPROVER, Role.ANALYST})
policy.register_action(RECONCILE, {Role.OFFICER, Role.APPROVER})
