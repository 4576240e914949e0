"""Forms of the audits pages (validated on the server; service errors land beside the field)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stq.collection.models import InfoCollection
from stq.core.limits import MONEY_MAX, NOTE_MAX
from stq.core.models import RiskArea
from stq.org.forms import offer_units
from stq.org.models import Unit
from stq.org.policy import units_where

from .models import (
    TAX_TYPES,
    AuditCase,
    AuditGround,
    AuditMode,
    AuditProposal,
    CancellationReason,
    ComplaintResult,
    DecisionKind,
    DeliveryMethod,
    PaymentKind,
    SuspensionReason,
)

DATE = {"type": "date", "class": "form-control"}


def _date(label, required=True, **kw):
    return forms.DateField(label=label, required=required,
                           widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"), **kw)


def _style(form):
    for field in form.fields.values():
        w = field.widget
        if isinstance(w, forms.CheckboxSelectMultiple | forms.RadioSelect):
            continue
        if isinstance(w, forms.CheckboxInput):
            w.attrs.setdefault("class", "form-check-input")
        elif isinstance(w, forms.Select):
            w.attrs.setdefault("class", "form-select")
        else:
            w.attrs.setdefault("class", "form-control")


class Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class SearchForm(Styled):
    q = forms.CharField(label=_("Tax code or name of the enterprise"), max_length=255)


class ProposalForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Proposing unit"), queryset=Unit.objects.none())
    mode = forms.ChoiceField(label=_("Audit mode"), choices=AuditMode.choices, widget=forms.RadioSelect)
    ground = forms.ChoiceField(label=_("Legal ground"), choices=AuditGround.choices, widget=forms.RadioSelect)
    risk_areas = forms.ModelMultipleChoiceField(label=_("Risk areas"), queryset=RiskArea.objects.filter(active=True),
                                                widget=forms.CheckboxSelectMultiple)
    period_from = _date(_("Audited period from"))
    period_to = _date(_("Audited period to"))
    declaration_numbers = forms.CharField(label=_("Declarations concerned"), required=False,
                                          widget=forms.Textarea(attrs={"rows": 2}),
                                          help_text=_("12-digit numbers, separated by spaces, commas or lines."))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    planned_team = forms.CharField(label=_("Planned team"), required=False, max_length=NOTE_MAX,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    planned_start = _date(_("Planned start"))
    paper_approved_on = _date(_("Approved on paper on"), help_text=_("Record the proposal within 1 day of its "
                                                                      "approval on paper; later it is flagged late."))
    info_collection = forms.ModelChoiceField(label=_("From information collection (closed)"), required=False,
                                             queryset=InfoCollection.objects.none())
    department_scope = forms.BooleanField(label=_("Department scope (approved by the department's leaders)"),
                                          required=False)

    def __init__(self, *args, user, enterprise=None, instance: AuditProposal | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {f: getattr(instance, f) for f in (
                "mode", "ground", "period_from", "period_to", "reason", "planned_team", "planned_start",
                "info_collection", "department_scope")}
            kwargs["initial"]["risk_areas"] = list(instance.risk_areas.all())
            kwargs["initial"]["declaration_numbers"] = " ".join(instance.declaration_numbers)
        super().__init__(*args, **kwargs)
        enterprise = enterprise or (instance.enterprise if instance else None)
        if instance is not None:
            del self.fields["unit"]
            del self.fields["paper_approved_on"]  # fixed when the proposal was recorded
        else:
            offer_units(self.fields["unit"], user, units_where(user, "audit_proposal.create"))
        if enterprise is not None:
            from stq.collection.selectors import info_collections_visible_to
            from stq.enterprises.selectors import enterprise_family_codes

            self.fields["info_collection"].queryset = info_collections_visible_to(user).filter(
                state="closed", enterprise__tax_code__in=enterprise_family_codes(enterprise.tax_code))
        _style(self)

    def clean_declaration_numbers(self):
        return self.cleaned_data["declaration_numbers"].replace(",", " ").split()


# the data each step of the case asks for: (field, label, required)
STEP_FIELDS = {
    "deliver": [("delivered_on", _("Delivered on"), True)],
    "start": [("started_on", _("Announced and started on"), True)],
    "end": [("ended_on", _("Audit work ended on"), True)],
    "sign_minutes": [("minutes_signed_on", _("Minutes signed on"), True)],
    "send_draft": [("draft_sent_on", _("Draft conclusion sent on"), True)],
    "receive_explanation": [("explanation_on", _("Explanation received on (blank: waived)"), False)],
    "request_expert": [("expert_requested_on", _("Expert opinion requested on"), True)],
    "expert_answered": [("expert_received_on", _("Expert opinion received on"), True)],
}


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of decision"), choices=DecisionKind.choices)
    number = forms.CharField(label=_("Decision number"), max_length=64)
    signed_on = _date(_("Signed on"))
    signer_name = forms.CharField(label=_("Signer"), max_length=255)
    signer_title = forms.CharField(label=_("Signer's title"), max_length=255)
    signer_authority = forms.CharField(label=_("Authority (e.g. by authorisation)"), max_length=255, required=False)
    team_leader = forms.CharField(label=_("Team leader"), max_length=255, required=False)
    team_members = forms.CharField(label=_("Team members"), required=False, max_length=NOTE_MAX,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    start_on = _date(_("Start of the audit"), required=False)
    duration_working_days = forms.IntegerField(label=_("Duration (working days)"), min_value=1, max_value=10,
                                               required=False)
    extension_working_days = forms.IntegerField(label=_("Extension (working days)"), min_value=1, max_value=10,
                                                required=False)
    reason_code = forms.ChoiceField(label=_("Legal reason"), required=False, choices=[
        ("", "—"), (_("Suspension"), SuspensionReason.choices), (_("Cancellation"), CancellationReason.choices)])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=NOTE_MAX,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, original: bool = False, corrected_original: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if original:
            del self.fields["kind"], self.fields["extension_working_days"], self.fields["reason_code"]
            del self.fields["reason"]
            self.fields["start_on"].required = True
            self.fields["duration_working_days"].required = True
        elif corrected_original:  # a leader returned the audit decision: the officer records the corrected one
            self.fields["kind"].choices = [c for c in DecisionKind.choices if c[0] == DecisionKind.ORIGINAL]
        else:
            self.fields["kind"].choices = [c for c in DecisionKind.choices if c[0] != DecisionKind.ORIGINAL]
        _style(self)

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "") and k != "kind"}


class ConclusionForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=64)
    signed_on = _date(_("Signed on"))
    signer_name = forms.CharField(label=_("Signer"), max_length=255)
    signer_title = forms.CharField(label=_("Signer's title"), max_length=255, required=False)
    supplementary = forms.BooleanField(label=_("Supplementary conclusion (after an expert opinion)"), required=False)
    declarations_concerned = forms.IntegerField(label=_("Declarations audited"), min_value=0, initial=0)
    declarations_accepted = forms.IntegerField(label=_("Declarations accepted"), min_value=0, initial=0)
    declarations_adjusted = forms.IntegerField(label=_("Declarations adjusted"), min_value=0, initial=0)
    declarant_reservation = forms.CharField(label=_("Declarant's reservations"), required=False,
                                            widget=forms.Textarea(attrs={"rows": 2}))
    handling_measures = forms.CharField(label=_("Handling measures"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))

    AMOUNTS = (*TAX_TYPES, "fine", "late_interest")

    def __init__(self, *args, case: AuditCase, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import ConclusionFinding

        self.areas = list(case.risk_areas.all())
        labels = {f: ConclusionFinding._meta.get_field(f).verbose_name for f in self.AMOUNTS}
        for a in self.areas:
            self.fields[f"finding_{a.pk}"] = forms.CharField(label=_("Finding"), required=False,
                                                             widget=forms.Textarea(attrs={"rows": 2}))
            self.fields[f"violation_{a.pk}"] = forms.BooleanField(label=_("Violation"), required=False)
            for f in self.AMOUNTS:
                self.fields[f"{f}_{a.pk}"] = forms.IntegerField(label=labels[f], min_value=0, max_value=MONEY_MAX,
                                                                initial=0, required=False,
                                                                widget=forms.NumberInput(attrs={"step": 1, "min": 0}))
        _style(self)

    def rows(self):
        return [{"area": a, "finding": self[f"finding_{a.pk}"], "violation": self[f"violation_{a.pk}"],
                 "amounts": [self[f"{f}_{a.pk}"] for f in self.AMOUNTS]} for a in self.areas]

    def findings(self) -> list[dict]:
        d = self.cleaned_data
        out = []
        for a in self.areas:
            if not (d.get(f"finding_{a.pk}") or "").strip():
                continue
            out.append({"risk_area": a.pk, "finding": d[f"finding_{a.pk}"], "has_violation": d[f"violation_{a.pk}"],
                        **{f: d.get(f"{f}_{a.pk}") or 0 for f in self.AMOUNTS}})
        return out

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if "_" not in k or not k.rsplit("_", 1)[-1].isdigit()}


class TaxAssessmentForm(Styled):
    number = forms.CharField(label=_("Decision number"), max_length=64)
    issued_on = _date(_("Issued on"))
    import_duty = forms.IntegerField(label=_("import/export duty"), min_value=0, max_value=MONEY_MAX, initial=0)
    vat = forms.IntegerField(label=_("VAT"), min_value=0, max_value=MONEY_MAX, initial=0)
    excise = forms.IntegerField(label=_("excise tax"), min_value=0, max_value=MONEY_MAX, initial=0)
    environmental = forms.IntegerField(label=_("environmental protection tax"), min_value=0,
                                       max_value=MONEY_MAX, initial=0)
    trade_remedy = forms.IntegerField(label=_("trade remedy duty"), min_value=0, max_value=MONEY_MAX, initial=0)


class PenaltyForm(Styled):
    number = forms.CharField(label=_("Decision number"), max_length=64)
    issued_on = _date(_("Issued on"))
    legal_article = forms.CharField(label=_("Legal article"), max_length=255)
    amount = forms.IntegerField(label=_("Fine (VND)"), min_value=1, max_value=MONEY_MAX)
    signer_name = forms.CharField(label=_("Signer"), max_length=255, required=False)


class PaymentForm(Styled):
    paid_on = _date(_("Paid on"))
    kind = forms.ChoiceField(label=_("Kind"), choices=PaymentKind.choices)
    amount = forms.IntegerField(label=_("Amount (VND)"), min_value=1, max_value=MONEY_MAX)
    reference = forms.CharField(label=_("Reference (receipt, treasury voucher)"), max_length=255, required=False)


class ReferralForm(Styled):
    referred_on = _date(_("Referred on"))
    body = forms.CharField(label=_("Referred to"), max_length=255)
    reason = forms.CharField(label=_("Reason"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2}))


class ComplaintForm(Styled):
    instance = forms.TypedChoiceField(label=_("Instance"), coerce=int,
                                      choices=[(1, _("First instance")), (2, _("Second instance"))])
    filed_on = _date(_("Filed on"))
    complainant = forms.CharField(label=_("Complainant"), max_length=255)
    contested = forms.CharField(label=_("Contested decision"), widget=forms.Textarea(attrs={"rows": 2}))


class ComplaintDecisionForm(Styled):
    resolver_name = forms.CharField(label=_("Resolver"), max_length=255)
    resolver_unit = forms.CharField(label=_("Resolver's unit"), max_length=255)
    decision_number = forms.CharField(label=_("Resolution decision number"), max_length=64)
    decided_on = _date(_("Decided on"))
    result = forms.ChoiceField(label=_("Result"), choices=ComplaintResult.choices)
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


HANDLING_FORMS = {"tax": TaxAssessmentForm, "penalty": PenaltyForm, "payment": PaymentForm,
                  "referral": ReferralForm, "complaint": ComplaintForm}


class DocumentForm(Styled):
    title = forms.CharField(label=_("Title"), max_length=255)
    file = forms.FileField(label=_("Scanned document (PDF)"))


DELIVERY_METHODS = DeliveryMethod.choices
