"""Paying bills, the payments page and the write-back status."""

import uuid
from functools import partial

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import (
    HttpResponseClientRedirect,
    HttpResponseStopPolling,
    trigger_client_event,
)

from billpay.approvals.selectors import approval_view
from billpay.core.errors import DomainError
from billpay.core.forms import parse_or_400
from billpay.core.parsing import ParseError, parse_id, parse_int, parse_uuid, scoped_key
from billpay.onboarding.roles import Can
from billpay.onboarding.tenancy import CompanyHttpRequest, company_required
from billpay.payments import selectors, services
from billpay.payments.forms import PayForm, PaymentFilterForm, PaymentSettingsForm
from billpay.payments.models import Payment
from billpay.payments.services.approval import KIND


def _partial(request: CompanyHttpRequest, template: str, partial: str) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


def _bill_ids(request: CompanyHttpRequest) -> list[int]:
    """The bills picked in the inbox (at most 50); a value that is not a bill id is a 400."""
    values = request.GET.getlist("bill") or request.POST.getlist("bill")
    return [parse_or_400(parse_id, v) for v in values[:50]]


@require_GET
@company_required
@vary_on_headers("HX-Request")
def payment_list(request: CompanyHttpRequest) -> HttpResponse:
    form = PaymentFilterForm(request.GET)
    payments = selectors.payment_list(company=request.company, filters=form.filters())
    page = Paginator(payments, 25).get_page(_page_number(request))
    context = {
        "form": form,
        "page": page,
        "suppliers": selectors.payment_suppliers(company=request.company),
    }
    return render(request, _partial(request, "payments/list.html", "payment-table"), context)


def _page_number(request: CompanyHttpRequest) -> int:
    """?page= as an ASCII number; anything else is the first page (the paginator clamps the rest)."""
    try:
        return parse_int(request.GET.get("page"), min_value=1)
    except ParseError:
        return 1


@require_http_methods(["GET", "POST"])
@company_required(action=Can.PREPARE_PAYMENTS)
def payment_new(request: CompanyHttpRequest) -> HttpResponse:
    start = selectors.pay_start(company=request.company, bill_ids=_bill_ids(request))
    form = PayForm(request.POST or None, start=start)
    payable = not start.problems and not start.unpayable
    if request.method == "POST" and payable and form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.payment_prepare(
                company=request.company,
                actor=request.user,
                bill_ids=[r.bill.pk for r in start.bills],
                method=data["method"],
                amounts=form.amounts(),
                payment_date=data["payment_date"],
                note=data["note"],
                form_token=data["form_token"],
                credits=form.credits(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if request.htmx:
                return HttpResponseClientRedirect(payment_url(payment))
            return redirect("payments:payment-detail", payment.pk)
    context = {"form": form, "start": start, "payable": payable}
    return render(request, _partial(request, "payments/new.html", "pay-form"), context)


def payment_url(payment: Payment) -> str:
    from django.urls import reverse

    return reverse("payments:payment-detail", args=[payment.pk])


@require_GET
@company_required
def payment_detail(request: CompanyHttpRequest, payment_id: int) -> HttpResponse:
    payment = selectors.payment_get(company=request.company, payment_id=payment_id)
    context = {
        **_status_context(payment),
        "body": selectors.payment_body_display(payment=payment),
        "credit_bodies": selectors.payment_credit_bodies_display(payment=payment),
        "method_label": selectors.method_label(method=payment.method),
        "account_label": selectors.account_label(account=payment.account),
        "today": timezone.localdate(),
        "approval": approval_view(
            company=request.company, kind=KIND, object_id=payment.pk, user=request.user
        ),
    }
    return render(request, "payments/detail.html", context)


@require_GET
@company_required
def payment_status(request: CompanyHttpRequest, payment_id: int) -> HttpResponse:
    payment = selectors.payment_get(company=request.company, payment_id=payment_id)
    response = render(
        request,
        _partial(request, "payments/detail.html", "payment-status"),
        _status_context(payment),
    )
    if request.htmx and not (payment.is_working or payment.is_deleting):
        response.status_code = HttpResponseStopPolling.status_code
    return response


def _status_context(payment: Payment) -> dict:
    """The status block's context: the payment, and whether it may be deleted from the books
    (offered only where the platform allows it; the role is the template's to check)."""
    deletable = payment.status == Payment.Status.VERIFIED and not payment.is_deleting
    return {
        "payment": payment,
        "deletable": deletable and not services.payment_delete_refusal(payment=payment),
    }


def _action(request: CompanyHttpRequest, payment_id: int, service, done: str) -> HttpResponse:
    payment = selectors.payment_get(company=request.company, payment_id=payment_id)
    try:
        service(company=request.company, actor=request.user, payment_id=payment.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    if request.htmx:
        payment = selectors.payment_get(company=request.company, payment_id=payment_id)
        response = render(request, "payments/detail.html#payment-status", _status_context(payment))
        return trigger_client_event(response, "paymentChanged")
    return redirect("payments:payment-detail", payment.pk)


@require_POST
@company_required(action=Can.CONFIRM_PAYMENTS)
def payment_confirm(request: CompanyHttpRequest, payment_id: int) -> HttpResponse:
    return _action(
        request,
        payment_id,
        partial(services.payment_confirm, verified=request.user.is_verified()),
        gettext("Payment confirmed: its progress is below."),
    )


@require_POST
@company_required(action=Can.PREPARE_PAYMENTS)
def payment_cancel(request: CompanyHttpRequest, payment_id: int) -> HttpResponse:
    return _action(request, payment_id, services.payment_cancel, gettext("Payment cancelled."))


@require_POST
@company_required(action=Can.CONFIRM_PAYMENTS)
def payment_retry(request: CompanyHttpRequest, payment_id: int) -> HttpResponse:
    return _action(request, payment_id, services.payment_retry, gettext("Trying again."))


@require_http_methods(["GET", "POST"])
@company_required(action=Can.DELETE_IN_BOOKS)
def payment_delete(request: CompanyHttpRequest, payment_id: int) -> HttpResponse:
    """The confirmation page of deleting a recorded payment from the books, and doing it."""
    payment = selectors.payment_get(company=request.company, payment_id=payment_id)
    error = ""
    if request.method == "POST":
        try:
            key = _submission_key(request)
            services.payment_delete_in_books(
                company=request.company,
                actor=request.user,
                payment_id=payment.pk,
                submission_key=key,
            )
        except (DomainError, ParseError) as exc:
            error = exc.message
        else:
            messages.success(
                request, gettext("Deleting the payment from your books: its progress is below.")
            )
            if request.htmx:
                return HttpResponseClientRedirect(payment_url(payment))
            return redirect("payments:payment-detail", payment.pk)
    context = {
        "payment": payment,
        "refusal": error or services.payment_delete_refusal(payment=payment),
        "platform": selectors.platform_name(company=request.company),
        "soft_delete": selectors.platform_key(company=request.company) == "gbol",
        "account_label": selectors.account_label(account=payment.account),
        "submission_key": uuid.uuid4(),
    }
    return render(request, "payments/delete.html", context)


def _submission_key(request: CompanyHttpRequest) -> uuid.UUID:
    """The confirmation form's one-time key, made this company's own.

    **Raises:** ParseError for a key the page never handed out.
    """
    try:
        key = parse_uuid(request.POST.get("submission_key", ""))
    except ParseError:
        raise ParseError(
            gettext("This page has expired or was changed. Reload it and try again.")
        ) from None
    return scoped_key(company_id=request.company.pk, key=key)


@require_http_methods(["GET", "POST"])
@company_required(action=Can.MANAGE_SETTINGS)
def payment_settings(request: CompanyHttpRequest) -> HttpResponse:
    current = selectors.payment_settings_get(company=request.company)
    form = PaymentSettingsForm(
        request.POST or None,
        initial={"approval_threshold": current.approval_threshold},
        currency=request.company.base_currency,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.payment_settings_save(
                company=request.company,
                actor=request.user,
                approval_threshold=form.cleaned_data["approval_threshold"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, gettext("Payment settings saved."))
            return redirect("payments:payment-settings")
    return render(
        request,
        _partial(request, "payments/settings.html", "payment-settings-form"),
        {"form": form},
    )
