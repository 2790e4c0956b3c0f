"""The bills app's forms: the inbox and review (`review`), and bills and suppliers made here
(`bills`, `lines`, `suppliers`, with the platform's rules from `rules`)."""

from billpay.bills.forms.bills import BillForm
from billpay.bills.forms.credit_notes import CreditNoteForm
from billpay.bills.forms.lines import LineForm, line_formset, totals_lines
from billpay.bills.forms.review import InboxFilterForm, NoteForm, ReviewForm
from billpay.bills.forms.rules import attachment_max_bytes, currency_choices, sniff_content_type
from billpay.bills.forms.suppliers import SupplierForm

__all__ = [
    "BillForm",
    "CreditNoteForm",
    "InboxFilterForm",
    "LineForm",
    "NoteForm",
    "ReviewForm",
    "SupplierForm",
    "attachment_max_bytes",
    "currency_choices",
    "line_formset",
    "sniff_content_type",
    "totals_lines",
]
