"""The one workflow engine.

A case type declares its workflow as data — states, and transitions (action, from → to, the roles that may take
it at which unit, the note or data it requires, the deadline it starts) — and the engine applies a transition in
one transaction: lock the row, re-check the state after the lock, ask the policy, run the guard, apply, write
the case event and the history row, store the next deadline, and notify the next actors after commit.
No view and no service writes `state` directly.

Every other fact of a case — a payment, a penalty, a complaint, a document, results per risk area — is written
through `Workflow.record` (a case event with who, when, before and after), so that the timeline and the audit log
are complete; a case brought over from another system is stored through `Workflow.import_case` (an "import" event).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stq.core import calendar
from stq.core.errors import AppError, Conflict, Forbidden, check_version
from stq.core.history import save_as
from stq.core.models import CaseEvent
from stq.core.notifications import notify
from stq.core.texts import Text
from stq.org import policy
from stq.org.selectors import users_with_roles

REGISTRY: dict[str, Workflow] = {}
KEEP_DEADLINE = "keep"  # a transition's `deadline`: the step leaves the case's current deadline as it is
NATIONAL = None  # a Transition's unit_field for national steps: the role at any unit allows them
CREATED, IMPORTED = "create", "import"  # the actions of the events written by `create` and `import_case`


DRAFT = "draft"  # the initial state of case types that start as their author's draft


@dataclass(frozen=True)
class Deadline:
    """A deadline a transition starts, counted from the day the transition happens — or from `anchor` when given:
    a date, or fn(case) -> date | None (e.g. the signing date recorded on the case); None falls back to today."""

    kind: str
    label: Any
    working_days: int | None = None
    days: int | None = None
    anchor: Any = None

    def due_from(self, day: date) -> date:
        if self.working_days is not None:
            return calendar.add_working_days(day, self.working_days)
        return calendar.add_days(day, self.days or 0)

    def due_for(self, case, today: date) -> date:
        anchor = self.anchor(case) if callable(self.anchor) else self.anchor
        return self.due_from(anchor or today)


@dataclass(frozen=True)
class Transition:
    action: str
    label: Any
    sources: tuple[str, ...]
    target: str  # or fn(case) -> str, e.g. "back to the state before the suspension"
    roles: frozenset[str]
    unit_field: str | None = "unit"  # the case's FK naming the unit whose grant is needed (NATIONAL: any unit)
    note_required: bool | Callable[[Any], bool] = False
    required_data: tuple[str, ...] = ()
    not_by: tuple[str, ...] = ()  # case attributes naming users who may not take this action (self-approval)
    deadline: Deadline | str | None = None  # started by this step; None clears the case's deadline; KEEP_DEADLINE
    #                                   leaves it; or fn(case) -> Deadline | None, called with the case in its new state
    guard: Callable[..., None] | None = None  # guard(case, actor, data) raises AppError
    effect: Callable[..., None] | None = None  # effect(case, actor, data) sets fields
    style: str = "primary"
    when: Callable[[Any], bool] | None = None  # does the step apply to this case at all (e.g. field audits only)
    when_q: Q | None = None  # the same test as a filter, so that "my work" leaves out cases it does not apply to

    def applies(self, case) -> bool:
        return self.when is None or bool(self.when(case))

    def target_for(self, case) -> str:
        return self.target(case) if callable(self.target) else self.target

    def deadline_for(self, case) -> Deadline | str | None:
        return self.deadline(case) if callable(self.deadline) and not isinstance(self.deadline, Deadline) \
            else self.deadline

    def needs_note(self, case) -> bool:
        return self.note_required(case) if callable(self.note_required) else bool(self.note_required)


@dataclass(frozen=True)
class Fact:
    """A kind of fact of a case that is not a step of its workflow (a payment, a complaint, a document…), recorded
    as a case event by `Workflow.record`; `label` is what the timeline calls it."""

    kind: str
    label: Any


@dataclass
class Workflow:
    name: str  # also the policy action prefix, e.g. "info_collection"
    label: Any
    initial: str
    states: Any  # a TextChoices class
    transitions: list[Transition]
    create_roles: frozenset[str] = field(default_factory=frozenset)
    initial_deadline: Deadline | None = None  # or fn(case) -> Deadline | None
    facts: list[Fact] = field(default_factory=list)  # the facts recorded on the case besides its steps
    deadlines: bool = True  # the case type carries due_on / due_kind: in "my work" and the deadline reminders
    model: Any = None

    def __post_init__(self):
        self.by_action = {t.action: t for t in self.transitions}
        self.by_fact = {f.kind: f for f in self.facts}
        clash = set(self.by_action) & set(self.by_fact)
        if clash:
            raise ValueError(f"{self.name}: facts named like steps: {sorted(clash)}")
        policy.register_action(f"{self.name}.create", self.create_roles)
        for t in self.transitions:
            policy.register_action(f"{self.name}.{t.action}", t.roles)
        REGISTRY[self.name] = self

    def bind(self, model) -> Workflow:
        self.model = model
        model.workflow = self
        policy.register_scope(model, self.scope())
        return self

    def scope(self) -> policy.Scope:
        """The case type's one visibility scope: the case readers of the owning unit, plus whoever may take one of
        its actions at the unit that action is taken at (e.g. the department leader at `approval_unit`)."""
        return policy.Scope.of(("unit", policy.roles_for("view")), ("unit", self.create_roles),
                               *((t.unit_field, t.roles) for t in self.transitions))

    # --- questions -----------------------------------------------------------------------------------
    def transition(self, action: str) -> Transition:
        try:
            return self.by_action[action]
        except KeyError:
            raise AppError("unknown_action", _("Unknown action."), field="action") from None

    def state_label(self, state: str) -> str:
        return str(dict(self.states.choices).get(state, state))

    def label_of(self, action: str) -> str:
        """What the timeline calls an event: the step's label, the fact's label, "Created" or "Imported"."""
        if action in self.by_action:
            return self.by_action[action].label
        if action in self.by_fact:
            return self.by_fact[action].label
        return {CREATED: _("Created"), IMPORTED: pgettext_lazy("case event", "Imported")}.get(action, action)

    def _unit(self, case, t: Transition):
        return getattr(case, t.unit_field)

    def allowed(self, actor, case, t: Transition) -> bool:
        """The policy's answer for this step on this case (at the case's unit, or anywhere for NATIONAL steps)."""
        action = f"{self.name}.{t.action}"
        if t.unit_field is NATIONAL:
            return policy.can_anywhere(actor, action)
        return policy.can_at(actor, action, self._unit(case, t))

    def is_self(self, actor, case, t: Transition) -> bool:
        return any(getattr(case, f"{attr}_id", None) == actor.pk for attr in t.not_by)

    def may(self, actor, case, t: Transition) -> bool:
        return (
            case.state in t.sources
            and t.applies(case)
            and self.allowed(actor, case, t)
            and not self.is_self(actor, case, t)
        )

    def available(self, actor, case) -> list[Transition]:
        """The actions this user may take on this case now."""
        return [t for t in self.transitions if self.may(actor, case, t)]

    def actionable_q(self, user) -> Q:
        """Cases on which the user may take some action now (for "my work")."""
        q = Q(pk__in=[])
        for t in self.transitions:
            if t.unit_field is NATIONAL:
                if not policy.can_anywhere(user, f"{self.name}.{t.action}"):
                    continue
                part = Q(state__in=t.sources)
            else:
                part = Q(state__in=t.sources) & policy.scope_q(user, f"{self.name}.{t.action}",
                                                               unit_field=t.unit_field)
            if t.when_q is not None:
                part &= t.when_q
            for attr in t.not_by:
                part &= ~Q(**{f"{attr}_id": user.pk})
            if self.initial == DRAFT and DRAFT in t.sources:  # a draft is its author's work, not a colleague's
                part &= Q(created_by_id=user.pk)                # nor the leader's (who may also submit)
            q |= part
        return q

    def next_actors(self, case) -> list:
        """Users who may act on the case in its current state."""
        users: dict[int, Any] = {}
        for t in self.transitions:
            if case.state not in t.sources or t.unit_field is NATIONAL:  # national steps: the inbox, no message
                continue
            for user in users_with_roles(t.roles, self._unit(case, t)):
                if not self.is_self(user, case, t):
                    users[user.pk] = user
        return list(users.values())

    # --- changes -------------------------------------------------------------------------------------
    def create(self, *, actor, case, note: str = "", data: dict | None = None):
        """Store a new case in the initial state (inside the caller's transaction) and write its first event."""
        policy.check_at(actor, f"{self.name}.create", case.unit)
        case.state = self.initial
        case.created_by = actor
        initial_deadline = self.initial_deadline
        if callable(initial_deadline) and not isinstance(initial_deadline, Deadline):
            initial_deadline = initial_deadline(case)
        if initial_deadline:
            case.due_on = initial_deadline.due_for(case, timezone.localdate())
            case.due_kind = initial_deadline.kind
        save_as(case, actor, reason="create")
        self._event(case, actor, CREATED, "", self.initial, note, data)
        return case

    def create_many(self, *, cases: list, actor=None, note: str = "") -> list:
        """Store many new cases made by the system (e.g. the alerts of an import scan) in the initial state, with
        their history rows and first events, in bulk (inside the caller's transaction). No actor: the system."""
        from simple_history.utils import bulk_create_with_history

        for case in cases:
            case.state = self.initial
        if not cases:
            return cases
        created = bulk_create_with_history(cases, type(cases[0]), default_user=actor,
                                           default_change_reason=CREATED)
        content_type = ContentType.objects.get_for_model(type(cases[0]))
        CaseEvent.objects.bulk_create([
            CaseEvent(content_type=content_type, object_id=case.pk, actor=actor, action=CREATED, from_state="",
                      to_state=self.initial, note=note) for case in created])
        return created

    def import_case(self, *, actor, case, state: str, note: str = "", data: dict | None = None,
                    before: dict | None = None, after: dict | None = None, reason: str = IMPORTED):
        """Store a case brought over from another system (the STQ01 import) directly in `state`, with its history
        row (`reason`) and an "import" event (from its former state, if it had one, to `state`; `before` / `after`:
        what a re-import changed) — the one entry point for imports: nothing else sets a state from outside."""
        if state not in self.states.values:
            raise AppError("invalid_state", _("Unknown state: %(state)s.") % {"state": state}, field="state")
        from_state = case.state if case.pk else ""
        case.state = state
        if not case.pk:
            case.created_by = actor
        save_as(case, actor, reason=reason)
        self._event(case, actor, IMPORTED, from_state, state, note, data, before=before, after=after)
        return case

    def record(self, *, actor, case, kind: str, before: dict | None = None, after: dict | None = None,
               note: str = "", data: dict | None = None) -> CaseEvent:
        """Record a fact of `case` that is not a step (one of `facts`): who, when, what it was before and after
        (e.g. the amount outstanding before and after a payment), inside the caller's transaction. The fact's own
        row is saved by the caller with `save_as` (its history row); this is its line in the case's timeline."""
        if kind not in self.by_fact:
            raise ValueError(f"{self.name}: {kind!r} is not a declared fact")
        return self._event(case, actor, kind, case.state, case.state, note, data, before=before, after=after)

    def apply(self, *, actor, case, action: str, note: str = "", data: dict | None = None,
              expected_version: int | None = None):
        """Apply `action` to `case` as `actor`; returns the fresh, updated case."""
        t = self.transition(action)
        data = dict(data or {})
        note = (note or "").strip()
        with transaction.atomic():
            locked = type(case).objects.select_for_update().get(pk=case.pk)
            check_version(locked, expected_version)
            if locked.state not in t.sources or not t.applies(locked):
                raise Conflict(
                    "invalid_state",
                    _("“%(action)s” is not possible while the case is “%(state)s”.")
                    % {"action": t.label, "state": self.state_label(locked.state)},
                )
            if not self.allowed(actor, locked, t):
                raise Forbidden("forbidden", _("You do not have permission to do this."))
            if self.is_self(actor, locked, t):
                raise Forbidden("self_approval", _("You cannot approve or decide on your own submission."))
            if t.needs_note(locked) and not note:
                raise AppError("note_required", _("Enter the reason for this action (required)."), field="note")
            missing = {k: _("This field is required.") for k in t.required_data if data.get(k) in (None, "", [])}
            if missing:
                raise AppError("required", _("Some required information is missing."), fields=missing)
            if t.guard:
                t.guard(locked, actor, data)
            from_state = locked.state
            target = t.target_for(locked)
            if t.effect:
                t.effect(locked, actor, data)
            locked.state = target
            deadline = t.deadline_for(locked) if self.deadlines else KEEP_DEADLINE
            if deadline == KEEP_DEADLINE:
                pass
            elif deadline:
                locked.due_on = deadline.due_for(locked, timezone.localdate())
                locked.due_kind = deadline.kind
            else:
                locked.due_on, locked.due_kind = None, ""
            locked.version += 1
            save_as(locked, actor, reason=action)
            self._event(locked, actor, action, from_state, target, note, data)
            self._notify(locked, actor, t)
        return locked

    def _event(self, case, actor, action, from_state, to_state, note, data, *, before=None, after=None):
        return CaseEvent.objects.create(
            content_type=ContentType.objects.get_for_model(type(case)),
            object_id=case.pk,
            actor=actor,
            action=action,
            from_state=from_state,
            to_state=to_state,
            note=note or "",
            data=_json(data or {}),
            before=_json(before),
            after=_json(after),
        )

    def timeline(self, case, *, labels: dict | None = None, choices: dict | None = None,
                 hidden=("note",)) -> list[dict]:
        """The case's events for its page, oldest first: label, from → to (a fact: its state), who, when, the data
        and, for a fact, what changed (before → after). `labels` names the data's keys; `choices` maps a key's
        coded values to their labels."""
        labels, choices = labels or {}, choices or {}

        def shown(k, v):
            return shown_value(choices[k].get(v, v) if k in choices and isinstance(v, str) else v)

        out = []
        for e in case.events():
            fact = e.action in self.by_fact
            data = {str(labels.get(k, k)): shown(k, v) for k, v in (e.data or {}).items()
                    if k not in hidden and not k.endswith("_id") and v not in (None, "", [], {})}
            before, after = e.before or {}, e.after or {}
            changes = [{"field": str(labels.get(k, k)), "before": shown(k, before.get(k)),
                        "after": shown(k, after.get(k))}
                       for k in dict.fromkeys([*before, *after])
                       if before.get(k) != after.get(k) and not k.endswith("_id")]
            out.append({"e": e, "label": self.label_of(e.action), "fact": fact,
                        "from": self.state_label(e.from_state) if e.from_state and not fact else "",
                        "to": self.state_label(e.to_state), "data": data, "changes": changes})
        return out

    def _notify(self, case, actor, t: Transition):
        url = case.get_absolute_url() if hasattr(case, "get_absolute_url") else ""
        title = Text(_("%(case)s: %(action)s → %(state)s"), case=str(case), action=t.label,
                     state=dict(self.states.choices).get(case.state, case.state))
        recipients = [u for u in self.next_actors(case) if u.pk != actor.pk]
        creator = getattr(case, "created_by", None)
        if creator is not None and creator.pk != actor.pk:
            recipients.append(creator)
        notify(recipients, title=title, url=url, case=case)


def workflows() -> Iterable[Workflow]:
    return REGISTRY.values()


def snapshot(obj, fields) -> dict:
    """The values of `fields` of `obj` as a fact's before / after keeps them: a related row by its text, related
    rows (many-to-many) by their sorted texts."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        if hasattr(value, "all") and callable(value.all):
            value = sorted(str(v) for v in value.all())
        elif isinstance(value, models.Model):
            value = str(value)
        out[name] = value
    return out


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only what differs between two snapshots (both sides, same keys)."""
    keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _json(value):
    import json

    return None if value is None else json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def shown_value(value):
    """A value as the timeline shows it: ISO dates as dd/mm/yyyy, whole numbers with dot thousands (đồng)."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return f"{date.fromisoformat(value):%d/%m/%Y}"
        except ValueError:
            return value
    if isinstance(value, list | tuple):
        return ", ".join(str(shown_value(v)) for v in value)
    if isinstance(value, bool) or value is None:
        return "" if value is None else value
    if isinstance(value, int) and abs(value) >= 10_000:
        return f"{value:,}".replace(",", ".")
    return value
