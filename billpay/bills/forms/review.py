"""The inbox's filters, and a bill's review and notes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from billpay.bills.models import Bill
from billpay.bills.selectors import SORT_LABELS, VIEWS, InboxFilter
from billpay.core.forms import FixedSelect


class InboxFilterForm(forms.Form):
    """The inbox's GET parameters. Anything malformed falls back to the default view."""

    view = forms.ChoiceField(choices=list(VIEWS.items()), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Supplier, reference or line")}),
    )
    supplier = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    currency = forms.CharField(required=False, max_length=3)
    review = forms.ChoiceField(
        choices=[("", _("Any review state")), *Bill.Review.choices],
        required=False,
        widget=FixedSelect,
    )
    sort = forms.ChoiceField(choices=list(SORT_LABELS.items()), required=False, widget=FixedSelect)

    def filters(self) -> InboxFilter:
        if not self.is_valid():
            return InboxFilter()
        data = {k: v for k, v in self.cleaned_data.items() if v}
        if "currency" in data:
            data["currency"] = data["currency"].upper()
        return InboxFilter(**data)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=Bill.Review.choices)
    reason = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Kept in the activity. Needed when you reject, so the owner knows what to fix."
        ),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Add a note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
