"""Creating and changing bills and suppliers here, and following their way into the books."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import (
    HttpResponseClientRedirect,
    HttpResponseStopPolling,
    trigger_client_event,
)

from billpay.bills.forms import BillForm, SupplierForm, line_formset, totals_lines
from billpay.bills.models import Bill, BillAttachment, PushState
from billpay.bills.selectors import create as sel
from billpay.bills.services import create
from billpay.bills.services.create.inputs import LineInput, SupplierInput
from billpay.bills.services.options import bill_capabilities, push_rules_get
from billpay.core.errors import DomainError
from billpay.core.parsing import (
    ParseError,
    clean_text,
    parse_id,
    parse_uuid,
    scoped_key,
)
from billpay.onboarding.roles import Can
from billpay.onboarding.selectors import connection_get
from billpay.onboarding.tenancy import CompanyHttpRequest, company_required
from billpay.pushes.models import Push

EXTRA_LINES = 3
CURRENCY = re.compile(r"[A-Z]{3}")


def _partial(request: CompanyHttpRequest, template: str, partial: str) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


def _done(request: CompanyHttpRequest, url: str) -> HttpResponse:
    """After a successful POST: PRG for a browser, a client redirect for htmx."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- bills ----------------------------------------------------------------------------------------


def _bill_forms(
    request: CompanyHttpRequest,
    *,
    bill: Bill | None = None,
    extra_lines: int = 0,
    source: BillFormSource | None = None,
):
    company = request.company
    rules = push_rules_get(company=company, data_type="bills")
    kwargs = {
        "company": company,
        "rules": rules,
        "terms": sel.supplier_terms_days,
        "supplier_rules": push_rules_get(company=company, data_type="suppliers"),
        "suppliers": sel.supplier_choices(company=company),
        "current_currency": bill.currency if bill else "",
    }
    lines = {
        "company": company,
        "rules": rules,
        "accounts": sel.expense_account_choices(company=company),
        "tax_rates": sel.tax_rate_choices(company=company),
        "currency": _posted_currency(request, bill, source),
    }
    if request.method == "POST":
        form = BillForm(request.POST, request.FILES, **kwargs)
        formset = line_formset(request.POST, extra_lines=extra_lines, **lines)
    else:
        initial = _bill_initial(request, bill)
        if source is not None:
            initial.update(source.initial)
        form = BillForm(initial=initial, **kwargs)
        lines_initial = source.lines if source is not None else _lines_initial(bill)
        formset = line_formset(initial=lines_initial or None, **lines)
    return form, formset, rules


def _bill_initial(request: CompanyHttpRequest, bill: Bill | None) -> dict:
    initial = BillForm.initial_for_new(request.company)
    if bill is not None:
        initial.update(
            supplier=bill.supplier_id,
            reference=bill.reference,
            issue_date=bill.issue_date,
            due_date=bill.due_date,
            currency=bill.currency,
            note=bill.note,
        )
    elif request.GET.get("supplier"):
        # A link from a supplier's page; a forged one just leaves the choice empty.
        with suppress(ParseError):
            initial["supplier"] = parse_id(request.GET["supplier"])
    return initial


def _posted_currency(
    request: CompanyHttpRequest, bill: Bill | None, source: BillFormSource | None = None
) -> str:
    """The bill's currency as posted, else the bill's or the prefilled one, for the lines'
    decimals and the totals (the form itself checks the choice)."""
    for currency in (
        request.POST.get("currency", ""),
        bill.currency if bill else "",
        str(source.initial.get("currency") or "") if source else "",
    ):
        if CURRENCY.fullmatch(currency):
            return currency
    return request.company.base_currency


def _lines_initial(bill: Bill | None) -> list[dict] | None:
    if bill is None:
        return None
    return [
        {
            "description": line.description,
            "quantity": _plain(line.quantity),
            "unit_amount": _plain(line.unit_amount),
            "account": _account_pk(bill, line.codat_account_id),
            "tax_rate": _tax_pk(bill, line.codat_tax_rate_id),
        }
        for line in bill.lines.all()
    ]


def _plain(amount) -> str:
    """2.0000 → "2", 1500.5000 → "1500.5": as a person would type it (never exponent notation)."""
    text = f"{amount:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _account_pk(bill: Bill, codat_id: str):
    return (
        sel.expense_account_choices(company=bill.company_id)
        .filter(codat_account_id=codat_id)
        .values_list("pk", flat=True)
        .first()
    )


def _tax_pk(bill: Bill, codat_id: str):
    if not codat_id:
        return None
    return (
        sel.tax_rate_choices(company=bill.company_id)
        .filter(codat_tax_rate_id=codat_id)
        .values_list("pk", flat=True)
        .first()
    )


def _bill_context(
    request,
    form,
    formset,
    rules,
    *,
    bill=None,
    duplicates=(),
    pending=None,
    show_errors=True,
    source=None,
):
    currency = _posted_currency(request, bill, source)  # only ever used to format the totals
    if formset.is_bound or bill is None:
        totals = create.bill_totals(lines=totals_lines(formset), currency=currency)
    else:  # the edit form as first shown: the bill's own figures
        totals = create.BillTotals((), bill.sub_total, bill.tax_amount, bill.total_amount)
    return {
        "form": form,
        "formset": formset,
        "rules": rules,
        "bill": bill,
        "duplicates": duplicates,
        "pending": pending,
        "show_errors": show_errors,
        "connection": connection_get(company=request.company),
        "currency": currency,
        "totals": totals,
        "capabilities": bill_capabilities(company=request.company),
    }


@require_http_methods(["GET", "POST"])
@company_required(action=Can.EDIT_BILLS)
@vary_on_headers("HX-Request")
def bill_new(request: CompanyHttpRequest) -> HttpResponse:
    return bill_form_page(request)


@dataclass(frozen=True)
class BillFormSource:
    """Where a new bill's form starts from when it is not blank (an e-invoice draft, issue 17).

    `attachment`: a stashed file that becomes the bill's (the form's own file field is hidden);
    `new_supplier`: the whole supplier to create when the user keeps the name the form was
    prefilled with; `submission_key`: a key of the caller's (one bill per draft, whatever the
    tab); `on_created(bill)` answers once the bill exists; `template` the whole page shown.
    """

    initial: dict
    lines: list[dict]
    on_created: Callable[[Bill], HttpResponse]
    form_action: str
    template: str
    attachment: BillAttachment | None = None
    new_supplier: SupplierInput | None = None
    submission_key: uuid.UUID | None = None
    context: dict = field(default_factory=dict)


def bill_form_page(
    request: CompanyHttpRequest, source: BillFormSource | None = None
) -> HttpResponse:
    """The new bill form, blank (bill_new) or prefilled from `source`; creates the bill on POST."""
    action = request.POST.get("action", "")
    form, formset, rules = _bill_forms(
        request, extra_lines=EXTRA_LINES if action == "add_lines" else 0, source=source
    )
    if source is not None and source.attachment is not None:
        pending = source.attachment
    else:
        pending = sel.attachment_pending_get(
            company=request.company,
            user=request.user,
            attachment_id=request.POST.get("pending_attachment"),
        )
    duplicates, saving = [], request.method == "POST" and not action
    if saving and form.is_valid() and formset.is_valid():
        upload = form.cleaned_data.get("attachment")
        try:
            bill = create.bill_create(
                company=request.company,
                actor=request.user,
                data=form.bill_input(formset.lines()),
                new_supplier=_new_supplier(form, source),
                submission_key=_submission_key(request, form, source),
                attachment=pending,
                upload=upload,
                upload_content_type=getattr(upload, "sniffed_content_type", ""),
                allow_duplicate=form.cleaned_data.get("confirm_duplicate", False),
            )
            if source is not None:
                return source.on_created(bill)
            return _done(request, reverse("bills:bill-detail", args=[bill.pk]))
        except create.PossibleDuplicate as exc:
            duplicates = exc.duplicates
            form.add_error(None, exc.message)
        except DomainError as exc:
            form.add_error(None, exc.message)
    if saving and (source is None or source.attachment is None):
        pending = pending or _keep_upload(request, form)
    context = _bill_context(
        request,
        form,
        formset,
        rules,
        duplicates=duplicates,
        pending=pending,
        show_errors=saving,
        source=source,
    )
    template = "bills/bill_form.html"
    if source is not None:
        if not formset.is_bound:
            context["totals"] = initial_totals(request.company, source.lines, context["currency"])
        context.update(source.context, form_action=source.form_action, fixed_attachment=pending)
        template = source.template
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "bills/bill_form.html#bill-form", context)
    return render(request, template, context)


def initial_totals(company, lines: list[dict], currency: str) -> create.BillTotals:
    """The totals of prefilled lines (an unbound formset has no cleaned data to add up)."""
    rates = sel.tax_rate_choices(company=company).in_bulk(
        [line["tax_rate"] for line in lines if line.get("tax_rate")]
    )
    inputs = []
    for line in lines:
        try:
            quantity = Decimal(str(line.get("quantity", "")))
            unit = Decimal(str(line.get("unit_amount", "")))
        except InvalidOperation:
            continue
        if not (quantity.is_finite() and unit.is_finite()):
            continue
        inputs.append(
            LineInput(
                description="",
                quantity=quantity,
                unit_amount=unit,
                account=None,
                tax_rate=rates.get(line.get("tax_rate")),
            )
        )
    return create.bill_totals(lines=inputs, currency=currency)


def _new_supplier(form: BillForm, source: BillFormSource | None) -> SupplierInput | None:
    """The form's new supplier; the source's whole one (VAT number, address) when the name is kept."""
    typed = form.new_supplier()
    details = source.new_supplier if source is not None else None
    if typed is None or details is None:
        return typed
    if typed.name.strip().casefold() != details.name.strip().casefold():
        return typed
    return replace(
        details,
        name=typed.name,
        email=typed.email or details.email,
        default_currency=typed.default_currency,
    )


def _submission_key(request: CompanyHttpRequest, form: BillForm, source: BillFormSource | None):
    if source is not None and source.submission_key is not None:
        return scoped_key(company_id=request.company.pk, key=source.submission_key)
    return form.cleaned_data["submission_key"]


def _keep_upload(request: CompanyHttpRequest, form: BillForm):
    """A valid file posted with a form that has errors is kept, so the user needn't pick it again."""
    upload = form.cleaned_data.get("attachment") if hasattr(form, "cleaned_data") else None
    if not upload or "attachment" in form.errors:
        return None
    return create.bill_attachment_stash(
        company=request.company,
        actor=request.user,
        upload=upload,
        content_type=upload.sniffed_content_type,
    )


@require_POST
@company_required(action=Can.EDIT_BILLS)
def bill_form_totals(request: CompanyHttpRequest) -> HttpResponse:
    _, formset, rules = _bill_forms(request)
    context = _bill_context(request, None, formset, rules)
    return render(request, "bills/bill_form.html#bill-totals", context)


def _search_text(q: str) -> str:
    """At most 100 characters, without NUL (PostgreSQL refuses it in a query: a 500)."""
    return clean_text(q, max_length=100)


@require_GET
@company_required
def supplier_options(request: CompanyHttpRequest) -> HttpResponse:
    suppliers = sel.supplier_search(
        company=request.company, q=_search_text(request.GET.get("q", ""))
    )
    context = {"suppliers": suppliers, "selected": request.GET.get("supplier", "")}
    return render(request, "bills/_supplier_options.html", context)


@require_http_methods(["GET", "POST"])
@company_required(action=Can.EDIT_BILLS)
@vary_on_headers("HX-Request")
def bill_edit(request: CompanyHttpRequest, bill_id: int) -> HttpResponse:
    bill = sel.bill_get_app_created(company=request.company, bill_id=bill_id)
    action = request.POST.get("action", "")
    form, formset, rules = _bill_forms(
        request, bill=bill, extra_lines=EXTRA_LINES if action == "add_lines" else 0
    )
    saving = request.method == "POST" and not action
    if saving and form.is_valid() and formset.is_valid():
        try:
            create.bill_update(
                bill=bill,
                actor=request.user,
                data=form.bill_input(formset.lines()),
                submission_key=form.cleaned_data["submission_key"],
            )
            return _done(request, reverse("bills:bill-detail", args=[bill.pk]))
        except DomainError as exc:
            form.add_error(None, exc.message)
    context = _bill_context(request, form, formset, rules, bill=bill, show_errors=saving)
    return render(request, _partial(request, "bills/bill_form.html", "bill-form"), context)


@require_POST
@company_required(action=Can.EDIT_BILLS)
def bill_delete(request: CompanyHttpRequest, bill_id: int) -> HttpResponse:
    bill = sel.bill_get_app_created(company=request.company, bill_id=bill_id)
    try:
        bill = create.bill_delete(bill=bill, actor=request.user, submission_key=_key(request))
    except (DomainError, ParseError) as exc:
        return _push_state(request, bill, error=exc.message)
    if bill.is_deleted:
        return _done(request, reverse("bills:inbox"))
    return _done(request, reverse("bills:bill-detail", args=[bill.pk]))


@require_http_methods(["GET", "POST"])
@company_required(action=Can.DELETE_IN_BOOKS)
def bill_delete_in_books(request: CompanyHttpRequest, bill_id: int) -> HttpResponse:
    """The confirmation page of deleting a bill from the books (any bill), and doing it."""
    bill = sel.bill_get_app_created(company=request.company, bill_id=bill_id)
    error = ""
    if request.method == "POST":
        try:
            create.bill_delete_in_books(bill=bill, actor=request.user, submission_key=_key(request))
        except (DomainError, ParseError) as exc:
            error = exc.message
        else:
            if sel.bill_was_deleted(company=request.company, bill_id=bill.pk):
                # The books already answered (a quick worker): the bill has left the inbox.
                messages.success(request, gettext("The bill was deleted from your books."))
                return _done(request, reverse("bills:inbox"))
            messages.success(
                request, gettext("Deleting the bill from your books: its progress is below.")
            )
            return _done(request, reverse("bills:bill-detail", args=[bill.pk]))
    plan = create.bill_delete_plan(bill=bill)
    context = {
        "bill": bill,
        "plan": plan,
        "refusal": error or plan.refusal,
        "platform": plan.capabilities.platform_name,
        "submission_key": create.new_submission_key(),
    }
    return render(request, "bills/bill_delete.html", context)


@require_POST
@company_required(action=Can.EDIT_BILLS)
def bill_resend(request: CompanyHttpRequest, bill_id: int) -> HttpResponse:
    bill = sel.bill_get_app_created(company=request.company, bill_id=bill_id)
    try:
        bill = create.bill_resend(bill=bill, actor=request.user, submission_key=_key(request))
    except (DomainError, ParseError) as exc:
        return _push_state(request, bill, error=exc.message)
    if request.htmx:
        return trigger_client_event(_push_state(request, bill), "billResent")
    return redirect("bills:bill-detail", bill_id=bill.pk)


@require_GET
@company_required
def bill_push_status(request: CompanyHttpRequest, bill_id: int) -> HttpResponse:
    if sel.bill_was_deleted(company=request.company, bill_id=bill_id):
        # Deleted from the books while its page polled: it has left the inbox, so go there.
        messages.success(request, gettext("The bill was deleted from your books."))
        return _done(request, reverse("bills:inbox"))
    bill = sel.bill_get_app_created(company=request.company, bill_id=bill_id)
    response = _push_state(request, bill)
    if request.htmx and bill.push_state != PushState.SENDING:
        response.status_code = HttpResponseStopPolling.status_code
    return response


def _push_state(request: CompanyHttpRequest, bill: Bill, *, error: str = "") -> HttpResponse:
    writes = sel.bill_writes(company=request.company, bill=bill)
    context = {
        "bill": bill,
        "writes": writes,
        "error": error,
        "connection": connection_get(company=request.company),
        "capabilities": bill_capabilities(company=request.company),
        "failed": writes[0].push
        if writes and writes[0].push.status == Push.Status.FAILED
        else None,
        "submission_key": create.new_submission_key(),
    }
    if request.htmx:
        return render(request, "bills/_push_state.html", context)
    return render(request, "bills/bill_push.html", context)


def _key(request: CompanyHttpRequest):
    """The posted one-time key made this company's own; a fresh one when none was posted.

    **Raises:** ParseError for a key this page never handed out.
    """
    raw = request.POST.get("submission_key", "")
    try:
        key = parse_uuid(raw) if raw else create.new_submission_key()
    except ParseError:
        raise ParseError(
            gettext("This page has expired or was changed. Reload it and try again.")
        ) from None
    return scoped_key(company_id=request.company.pk, key=key)


# --- suppliers ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@company_required(action=Can.EDIT_BILLS)
@vary_on_headers("HX-Request")
def supplier_new(request: CompanyHttpRequest) -> HttpResponse:
    rules = push_rules_get(company=request.company, data_type="suppliers")
    data = request.POST if request.method == "POST" else None
    initial = {
        "submission_key": create.new_submission_key(),
        "default_currency": request.company.base_currency,
    }
    form = SupplierForm(data, initial=initial, company=request.company, rules=rules)
    if form.is_bound and form.is_valid():
        try:
            create.supplier_create(
                company=request.company,
                actor=request.user,
                data=form.supplier_input(),
                submission_key=form.cleaned_data["submission_key"],
            )
            return _done(request, reverse("bills:suppliers"))
        except DomainError as exc:
            form.add_error(None, exc.message)
    context = {"form": form, "rules": rules, "supplier": None}
    return render(request, _partial(request, "bills/supplier_form.html", "supplier-form"), context)


@require_http_methods(["GET", "POST"])
@company_required(action=Can.EDIT_BILLS)
@vary_on_headers("HX-Request")
def supplier_edit(request: CompanyHttpRequest, supplier_id: int) -> HttpResponse:
    supplier = sel.supplier_get(company=request.company, supplier_id=supplier_id)
    rules = push_rules_get(company=request.company, data_type="suppliers")
    data = request.POST if request.method == "POST" else None
    form = SupplierForm(
        data,
        initial=SupplierForm.initial_for(supplier),
        company=request.company,
        rules=rules,
        current_currency=supplier.default_currency,
    )
    if form.is_bound and form.is_valid():
        try:
            create.supplier_update(
                supplier=supplier,
                actor=request.user,
                data=form.supplier_input(),
                submission_key=form.cleaned_data["submission_key"],
            )
            return _done(request, reverse("bills:suppliers"))
        except DomainError as exc:
            form.add_error(None, exc.message)
    context = {"form": form, "rules": rules, "supplier": supplier}
    return render(request, _partial(request, "bills/supplier_form.html", "supplier-form"), context)
