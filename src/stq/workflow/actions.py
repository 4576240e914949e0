"""The page side of the one workflow engine: the POST of an action button on a case page, for every case type.

The button posts the action's name, an optional note and the version of the case the user saw; the view calls the
case type's service, then goes back to the case with a message — or shows the case page again with the service's
error beside the button (the error's status; a refusal found after access was granted is a 400, not a 404).
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stq.core.errors import AppError
from stq.core.limits import NOTE_MAX

from .engine import Workflow


class WorkflowActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=gettext_lazy("Note / reason"), required=False, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


def workflow_action(request, case, *, workflow: Workflow, act: Callable, template: str, context: Callable,
                    data: dict | None = None) -> HttpResponse:
    """Apply the posted action to `case` through `act(action=, note=, expected_version=[, data=])` (the case
    type's service). `context(request, case, action_error=, action_note=)` builds the page of `template` again
    when the service refuses."""
    form = WorkflowActionForm(request.POST)
    if not form.is_valid():
        raise Http404
    name, note = form.cleaned_data["action"], form.cleaned_data["note"]
    extra = {} if data is None else {"data": data}
    try:
        case = act(action=name, note=note, expected_version=form.cleaned_data["version"], **extra)
    except AppError as error:
        case.refresh_from_db()
        return render(request, template, context(request, case, action_error={name: str(error.message)},
                                                 action_note=note),
                      status=error.status if error.status != 404 else 400)
    messages.success(request, _("Done: %(action)s. State: %(state)s.") % {
        "action": workflow.transition(name).label, "state": workflow.state_label(case.state)})
    return redirect(case)
