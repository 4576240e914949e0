"""Every free-text column has the limit of its purpose, held by the database, the model, the form and the API
(issue #17, item 6): an oversized value is a form error or a 400 naming the field, never a 500 and never a cut."""

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from simple_history.models import HistoricalChanges

from stq.core.limits import INT_MAX, MONEY_MAX, NOTE_MAX, TEXT_MAX, LimitedTextField, names_digest_name, whole_number
from stq.core.models import CaseEvent
from stq.workflow.actions import WorkflowActionForm

pytestmark = pytest.mark.django_db


def limited_fields():
    return [(model, field) for model in apps.get_models() for field in model._meta.concrete_fields
            if isinstance(field, LimitedTextField)]


def test_every_text_column_of_the_site_has_a_limit():
    plain = [f"{model._meta.label}.{field.name}" for model in apps.get_models()
             if model.__module__.startswith("stq.") and not issubclass(model, HistoricalChanges)  # history: copies
             for field in model._meta.concrete_fields
             if isinstance(field, models.TextField) and not isinstance(field, LimitedTextField)]
    assert plain == []
    assert {field.max_length for _model, field in limited_fields()} == {NOTE_MAX, TEXT_MAX}


def test_the_database_holds_every_limit_with_a_check():
    with connection.cursor() as cursor:
        for model, field in limited_fields():
            constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
            name = names_digest_name(model._meta.db_table, field.column, "max")
            assert constraints.get(name, {}).get("check"), f"{model._meta.label}.{field.name}"


def test_an_overlong_text_is_refused_by_the_database_the_model_and_the_fields(org):
    event = CaseEvent(content_type=ContentType.objects.get_for_model(CaseEvent), object_id=1, action="x",
                      note="é" * (NOTE_MAX + 1))
    with pytest.raises(ValidationError) as refused:
        event.full_clean()
    assert "note" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()  # no path stores more, nor cuts it: the CHECK counts characters, not bytes
    event.note = "é" * NOTE_MAX
    event.save()
    assert CaseEvent.objects.get(pk=event.pk).note == "é" * NOTE_MAX
    field = CaseEvent._meta.get_field("note").formfield()
    assert field.max_length == NOTE_MAX and field.widget.attrs["maxlength"] == str(NOTE_MAX)


def test_a_workflow_note_past_its_column_is_a_form_error():
    form = WorkflowActionForm(data={"action": "accept", "note": "x" * (NOTE_MAX + 1)})
    assert not form.is_valid() and "note" in form.errors


def test_a_long_notification_body_is_sent_cut_to_its_column(org, django_capture_on_commit_callbacks):
    from stq.core.models import Notification
    from stq.core.notifications import notify
    from stq.core.texts import Text

    with django_capture_on_commit_callbacks(execute=True):
        notify([org.officer1], title="x", body=Text("%(text)s", text="é" * (NOTE_MAX + 500)))
    assert len(Notification.objects.get(recipient=org.officer1).body) == NOTE_MAX


@pytest.mark.parametrize(("text", "expected"), [
    ("1.250.000", 1_250_000), (" 7 000 ", 7000), ("0", 0), ("999.999.999.999.999", MONEY_MAX),
    ("1.000.000.000.000.000", None),  # past MONEY_MAX
    ("²", None), ("١٢٣", None),  # digits to str.isdigit, not ASCII: int("²") is a ValueError
    ("9" * 5000, None),  # more digits than Python converts (a ValueError)
    ("-5", None), ("1,5", None), ("", None), ("abc", None), (None, None),
])
def test_whole_number_never_raises_and_takes_ascii_digits_only(text, expected):
    assert whole_number(text) == expected


def test_every_integer_input_has_a_maximum():
    """Declared without one, a form or serializer IntegerField takes INT_MAX (PostgreSQL integer); float fields and
    declared maxima are left as they are."""
    from django import forms
    from rest_framework import serializers

    assert forms.IntegerField().max_value == INT_MAX and serializers.IntegerField().max_value == INT_MAX
    assert forms.IntegerField(max_value=MONEY_MAX).max_value == MONEY_MAX
    assert forms.FloatField().max_value is None and serializers.FloatField().max_value is None
    assert forms.IntegerField().clean("2147483647") == INT_MAX
    with pytest.raises(ValidationError):
        forms.IntegerField().clean(str(INT_MAX + 1))
