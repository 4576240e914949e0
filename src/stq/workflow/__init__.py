"""The workflow layer, above the organisation (`stq.org`: units, grants, the policy) and the base (`stq.core`: errors,
history, calendar, numbering, the case event and notification models):

    engine     the one workflow engine (`Workflow`, `Transition`, `Deadline`, `Fact`): steps, facts, imports
    actions    the page side of a step button, for every case type
    work       "my work": the cases a user may act on now, across the case types
    reminders  the daily "due today" / "overdue" reminders (command `notify_deadlines`)
    views      the home page (my work)
"""
