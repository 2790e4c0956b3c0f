"""A supplier's page (with the credit still available from its credit notes), and new credit
notes created here and sent to the books (issue 16)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from billpay.bills.forms import CreditNoteForm, line_formset, totals_lines
from billpay.bills.models import Bill, CreditNote, Supplier
from billpay.bills.selectors import create as sel
from billpay.bills.selectors import credit_notes_available, credit_notes_sending
from billpay.bills.services import create
from billpay.bills.services.options import push_rules_get
from billpay.bills.views.create import CURRENCY, EXTRA_LINES, _done, initial_totals
from billpay.core.errors import DomainError
from billpay.core.parsing import scoped_key
from billpay.onboarding.roles import Can
from billpay.onboarding.selectors import connection_get
from billpay.onboarding.tenancy import CompanyHttpRequest, company_required

DATA_TYPE = "billCreditNotes"


@require_GET
@company_required
def supplier_detail(request: CompanyHttpRequest, supplier_id: int) -> HttpResponse:
    supplier = sel.supplier_get(company=request.company, supplier_id=supplier_id)
    context = {
        "supplier": supplier,
        "credit_notes": list(credit_notes_available(request.company, supplier_id=supplier.pk)),
        "sending": list(credit_notes_sending(request.company, supplier_id=supplier.pk)),
        "bills": Bill.objects.filter(
            company=request.company, supplier=supplier, is_deleted=False
        ).count(),
    }
    return render(request, "bills/supplier_detail.html", context)


@require_http_methods(["GET", "POST"])
@company_required(action=Can.EDIT_BILLS)
@vary_on_headers("HX-Request")
def credit_note_new(request: CompanyHttpRequest, supplier_id: int) -> HttpResponse:
    supplier = sel.supplier_get(company=request.company, supplier_id=supplier_id)
    return credit_note_form_page(request, supplier=supplier)


@dataclass(frozen=True)
class CreditNoteFormSource:
    """A new credit note's form prefilled (from an e-invoice draft, issue 17); see BillFormSource."""

    initial: dict
    lines: list[dict]
    on_created: Callable[[CreditNote], HttpResponse]
    form_action: str
    template: str
    submission_key: uuid.UUID | None = None
    context: dict = field(default_factory=dict)


def credit_note_form_page(
    request: CompanyHttpRequest, *, supplier: Supplier, source: CreditNoteFormSource | None = None
) -> HttpResponse:
    """The new credit note form for `supplier`, blank or prefilled; creates the note on POST."""
    company = request.company
    rules = push_rules_get(company=company, data_type=DATA_TYPE)
    action = request.POST.get("action", "")
    currency = request.POST.get("currency", "")
    if not CURRENCY.fullmatch(currency):  # only for the lines' rounding and the totals shown
        currency = supplier.default_currency or company.base_currency
        if source is not None and CURRENCY.fullmatch(source.initial.get("currency") or ""):
            currency = source.initial["currency"]
    lines = {
        "company": company,
        "rules": rules,
        "accounts": sel.expense_account_choices(company=company),
        "tax_rates": sel.tax_rate_choices(company=company),
        "currency": currency,
    }
    kwargs = {"company": company, "supplier": supplier, "rules": rules}
    if request.method == "POST":
        form = CreditNoteForm(request.POST, **kwargs)
        formset = line_formset(
            request.POST, extra_lines=EXTRA_LINES if action == "add_lines" else 0, **lines
        )
    else:
        initial = CreditNoteForm.initial_for_new(supplier, company)
        if source is not None:
            initial.update(source.initial)
        form = CreditNoteForm(initial=initial, **kwargs)
        formset = line_formset(initial=(source.lines if source else None) or None, **lines)
    duplicates, saving = [], request.method == "POST" and not action
    if saving and form.is_valid() and formset.is_valid():
        key = form.cleaned_data["submission_key"]
        if source is not None and source.submission_key is not None:
            key = scoped_key(company_id=company.pk, key=source.submission_key)
        try:
            note = create.credit_note_create(
                company=company,
                actor=request.user,
                data=form.credit_note_input(formset.lines()),
                submission_key=key,
                allow_duplicate=form.cleaned_data.get("confirm_duplicate", False),
            )
            if source is not None:
                return source.on_created(note)
            return _done(request, reverse("bills:supplier-detail", args=[supplier.pk]))
        except create.PossibleDuplicateCreditNote as exc:
            duplicates = exc.duplicates
            form.add_error(None, exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
    if source is not None and not formset.is_bound:
        totals = initial_totals(company, source.lines, currency)
    else:
        totals = create.bill_totals(lines=totals_lines(formset), currency=currency)
    context = {
        "form": form,
        "formset": formset,
        "rules": rules,
        "supplier": supplier,
        "duplicates": duplicates,
        "show_errors": saving,
        "connection": connection_get(company=company),
        "currency": currency,
        "totals": totals,
    }
    template = "bills/credit_note_form.html"
    if source is not None:
        context.update(source.context, form_action=source.form_action)
        template = source.template
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "bills/credit_note_form.html#credit-note-form", context)
    return render(request, template, context)
