"""Settings › Payment accounts: map payment methods to accounts, create accounts in the books."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling, trigger_client_event

from billpay.core.errors import DomainError
from billpay.mapping import selectors, services
from billpay.mapping.forms import BankAccountForm, MappingForm
from billpay.onboarding.roles import Can
from billpay.onboarding.tenancy import CompanyHttpRequest, company_required


def _partial(request: CompanyHttpRequest, template: str, partial: str) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


def _settings_context(request: CompanyHttpRequest, **extra) -> dict:
    return {
        "accounts": selectors.bank_account_list(company=request.company),
        "grid": selectors.mapping_grid(
            company=request.company, methods=selectors.payment_methods()
        ),
        "requests": selectors.bank_account_request_list(company=request.company),
        **extra,
    }


@require_GET
@company_required
def mapping_settings(request: CompanyHttpRequest) -> HttpResponse:
    context = _settings_context(request)
    return render(request, _partial(request, "mapping/settings.html", "mapping-form"), context)


@require_POST
@company_required(action=Can.MANAGE_SETTINGS)
def mapping_save(request: CompanyHttpRequest) -> HttpResponse:
    form = MappingForm(request.POST)
    error = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["account"]:
                account = selectors.bank_account_get(
                    company=request.company, account_id=data["account"]
                )
                services.account_mapping_save(
                    company=request.company,
                    actor=request.user,
                    method=data["method"],
                    currency=data["currency"],
                    account=account,
                )
            else:
                services.account_mapping_delete(
                    company=request.company,
                    actor=request.user,
                    method=data["method"],
                    currency=data["currency"],
                )
        except DomainError as exc:
            error = exc.message
    else:
        error = gettext("Pick a payment method, a currency and an account.")
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or gettext("Mapping saved."))
        return redirect("mapping:mapping-settings")
    response = render(
        request, "mapping/settings.html#mapping-form", _settings_context(request, error=error)
    )
    return trigger_client_event(response, "mappingSaved") if not error else response


@require_http_methods(["GET", "POST"])
@company_required(action=Can.MANAGE_SETTINGS)
def bank_account_new(request: CompanyHttpRequest) -> HttpResponse:
    try:
        options = services.bank_account_options_get(company=request.company)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("mapping:mapping-settings")
    currencies = selectors.mapping_currencies(company=request.company)
    initial = {k: request.GET.get(k) for k in ("method", "currency") if request.GET.get(k)}
    form = BankAccountForm(
        request.POST or None, options=options, currencies=currencies, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = services.bank_account_request_create(
                company=request.company, actor=request.user, options=options, **form.cleaned_data
            )
        except services.BankAccountInvalid as exc:
            form.add_service_errors(exc.errors)
        else:
            return redirect("mapping:bank-account-request", created.pk)
    context = {"form": form, "options": options}
    return render(
        request, _partial(request, "mapping/bank_account_new.html", "bank-account-form"), context
    )


@require_GET
@company_required
def bank_account_request(request: CompanyHttpRequest, request_id: int) -> HttpResponse:
    created = selectors.bank_account_request_get(company=request.company, request_id=request_id)
    context = {"created": created}
    template = _partial(request, "mapping/bank_account_request.html", "bank-account-status")
    response = render(request, template, context)
    if request.htmx and created.push.is_final:
        response.status_code = HttpResponseStopPolling.status_code
    return response
