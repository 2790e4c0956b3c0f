"""Pay run pages: create from the inbox, review and change, approve, confirm, follow, retry."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from billpay.approvals.selectors import approval_view
from billpay.bills.forms import InboxFilterForm
from billpay.bills.selectors import InboxFilter, bill_list_for_inbox, bill_list_selected
from billpay.core.errors import DomainError
from billpay.core.forms import parse_or_400
from billpay.core.parsing import ParseError, parse_id, parse_int
from billpay.onboarding.roles import Can
from billpay.onboarding.tenancy import CompanyHttpRequest, company_required
from billpay.payments.selectors import account_label, method_label
from billpay.runs import selectors, services
from billpay.runs.approval import KIND
from billpay.runs.forms import AmountForm, ApproveForm, ConfirmForm, RunSettingsForm
from billpay.runs.models import PayRun


def _partial(request: CompanyHttpRequest, template: str, partial: str) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


def _run_url(run: PayRun) -> str:
    return reverse("runs:run-detail", args=[run.pk])


@require_GET
@company_required
def run_list(request: CompanyHttpRequest) -> HttpResponse:
    try:
        number = parse_int(request.GET.get("page"), min_value=1)
    except ParseError:
        number = 1
    page = Paginator(selectors.run_list(request.company), 25).get_page(number)
    rows = [(run, selectors.run_totals(run)) for run in page]
    return render(request, "runs/list.html", {"page": page, "rows": rows})


@require_POST
@company_required(action=Can.PREPARE_PAYMENTS)
def run_create(request: CompanyHttpRequest) -> HttpResponse:
    """The inbox's "Pay selected" (ticked bills) or "Pay all matching" (the filter, up to the
    limit) makes a run; ticked bills of one supplier in one currency go to the one payment's
    form instead. Another company's bill is a 404."""
    filters = InboxFilterForm(QueryDict(request.POST.get("params", "")[:1000])).filters()
    if request.POST.get("scope") == "filter":
        bills = bill_list_for_inbox(company=request.company, filters=filters)
        bill_ids = list(bills.values_list("pk", flat=True)[: services.RUN_MAX_BILLS])
    else:
        values = request.POST.getlist("bill")[: services.RUN_MAX_BILLS]
        bill_ids = list(dict.fromkeys(parse_or_400(parse_id, v) for v in values))
        if bill_ids:
            bills = bill_list_selected(
                company=request.company, bill_ids=bill_ids
            )  # 404 if not ours
            if len({(b.codat_supplier_id, b.currency) for b in bills}) == 1:
                # One supplier in one currency is one payment: its own form (with a note).
                query = urlencode([("bill", pk) for pk in bill_ids])
                return redirect(reverse("payments:payment-new") + f"?{query}")
    try:
        run = services.run_create(company=request.company, actor=request.user, bill_ids=bill_ids)
    except DomainError as exc:
        messages.info(request, exc.message)
        return redirect(_inbox_url(filters))
    return redirect(_run_url(run))


def _inbox_url(filters: InboxFilter) -> str:
    """The inbox with the filters it was on (re-parsed: never a URL taken from the request)."""
    defaults = InboxFilter()
    query = urlencode({k: v for k, v in vars(filters).items() if v and v != getattr(defaults, k)})
    return reverse("bills:inbox") + (f"?{query}" if query else "")


def _context(request: CompanyHttpRequest, run: PayRun, **extra) -> dict:
    company = request.company
    editable = run.is_editable
    offered = services.batch_offered(company)
    context = {
        "run": run,
        "limit": services.RUN_MAX_BILLS,
        "groups": list(run.groups.all()),
        "progress": selectors.run_progress(run),
        "cash": [
            (row, account_label(account=row.account)) for row in services.run_cash(company, run)
        ]
        if editable
        else [],
        "needs_approval": selectors.run_bills_needing_approval(company=company, run=run)
        if editable
        else [],
        "left_out": selectors.run_left_out(company=company, run=run) if run.left_out else [],
        "method_label": method_label(method=run.method),
        "batch_offered": offered,
        "settings_form": RunSettingsForm(
            initial={"payment_date": run.payment_date, "method": run.method, "batch": run.batch},
            batch_offered=offered,
        ),
        "approval": approval_view(company=company, kind=KIND, object_id=run.pk, user=request.user)
        if editable
        else None,
        "approve_form": ApproveForm(initial={"form_token": run.form_token}),
        "confirm_form": ConfirmForm(initial={"form_token": run.form_token}),
        "amount_error": None,
        "today": timezone.localdate(),
    }
    for group in context["groups"]:
        group.account_label = account_label(account=group.account) if group.account_id else ""
    context["overdraws"] = [row for row, _label in context["cash"] if row.overdraws]
    context.update(extra)
    return context


def _review(request: CompanyHttpRequest, run_id: int, **extra) -> HttpResponse:
    run = selectors.run_get(request.company, run_id)
    context = _context(request, run, **extra)
    return render(request, _partial(request, "runs/detail.html", "run-review"), context)


def _done(request: CompanyHttpRequest, run_id: int, message: str) -> HttpResponse:
    messages.success(request, message)
    url = reverse("runs:run-detail", args=[run_id])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
@company_required
def run_detail(request: CompanyHttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_get(request.company, run_id)
    return render(request, "runs/detail.html", _context(request, run))


@require_GET
@company_required
def run_progress(request: CompanyHttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_get(request.company, run_id)
    context = {"run": run, "progress": selectors.run_progress(run), "groups": run.groups.all()}
    response = render(request, _partial(request, "runs/detail.html", "run-progress"), context)
    if request.htmx and not run.is_working:
        response.status_code = HttpResponseStopPolling.status_code
    return response


@require_POST
@company_required(action=Can.PREPARE_PAYMENTS)
def run_settings(request: CompanyHttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_get(request.company, run_id)
    form = RunSettingsForm(request.POST, batch_offered=services.batch_offered(request.company))
    if form.is_valid():
        data = form.cleaned_data
        common = {"company": request.company, "actor": request.user, "run_id": run.pk}
        try:
            services.run_set_method(method=data["method"], **common)
            services.run_set_date(payment_date=data["payment_date"], **common)
            if "batch" in data:
                services.run_set_batch(batch=data["batch"], **common)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return _done(request, run.pk, gettext("Pay run updated."))
    return _review(request, run.pk, settings_form=form)


@require_POST
@company_required(action=Can.PREPARE_PAYMENTS)
def run_amount(request: CompanyHttpRequest, run_id: int, bill_id: int) -> HttpResponse:
    run = selectors.run_get(request.company, run_id)
    line = next(
        (ln for g in run.groups.all() for ln in g.lines.all() if ln.bill_id == bill_id), None
    )
    if line is None:
        raise Http404(gettext("No such bill in this pay run."))
    form = AmountForm(request.POST, currency=line.bill.currency)
    if form.is_valid():
        try:
            services.run_set_amount(
                company=request.company,
                actor=request.user,
                run_id=run.pk,
                bill_id=bill_id,
                amount=form.cleaned_data["amount"],
            )
        except DomainError as exc:
            form.add_error("amount", exc.message)
        else:
            return _done(request, run.pk, gettext("Amount changed."))
    error = (bill_id, request.POST.get("amount", "")[:40], form.errors.get("amount"))
    return _review(request, run.pk, amount_error=error)


@require_POST
@company_required(action=Can.APPROVE_PAYMENTS)
def run_approve(request: CompanyHttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_get(request.company, run_id)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            services.run_approve(
                company=request.company,
                actor=request.user,
                run_id=run.pk,
                comment=form.cleaned_data["comment"],
                form_token=form.cleaned_data["form_token"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return _done(request, run.pk, gettext("Pay run approved."))
    return _review(request, run.pk, approve_form=form)


@require_POST
@company_required(action=Can.CONFIRM_PAYMENTS)
def run_confirm(request: CompanyHttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_get(request.company, run_id)
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            after = services.run_confirm(
                company=request.company,
                actor=request.user,
                run_id=run.pk,
                form_token=form.cleaned_data["form_token"],
                confirm_overdraw=form.cleaned_data["confirm_overdraw"],
                verified=request.user.is_verified(),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if after.confirmed_by_id != request.user.pk:
                messages.info(request, gettext("Someone else confirmed this pay run first."))
                url = _run_url(after)
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
            return _done(request, run.pk, gettext("Pay run confirmed: its progress is below."))
    return _review(request, run.pk, confirm_form=form)


@require_POST
@company_required(action=Can.PREPARE_PAYMENTS)
def run_cancel(request: CompanyHttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_get(request.company, run_id)
    try:
        services.run_cancel(company=request.company, actor=request.user, run_id=run.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_run_url(run))
    return _done(request, run.pk, gettext("Pay run cancelled."))


@require_POST
@company_required(action=Can.CONFIRM_PAYMENTS)
def run_retry(request: CompanyHttpRequest, run_id: int, group_id: int) -> HttpResponse:
    run = selectors.run_get(request.company, run_id)
    if not any(g.pk == group_id for g in run.groups.all()):
        raise Http404(gettext("No such payment in this pay run."))
    try:
        services.run_retry_group(
            company=request.company, actor=request.user, run_id=run.pk, group_id=group_id
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_run_url(run))
    return _done(request, run.pk, gettext("Sending that payment again."))
