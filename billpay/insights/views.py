"""The dashboard (the owner's home) and the cash forecast page."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from billpay.insights import selectors
from billpay.insights.forecast import account_forecast, company_forecasts
from billpay.insights.forms import ForecastForm
from billpay.mapping.selectors import bank_account_get
from billpay.onboarding.tenancy import CompanyHttpRequest, company_required


@require_GET
@company_required
def dashboard(request: CompanyHttpRequest) -> HttpResponse:
    board = selectors.dashboard_get(company=request.company)
    return render(request, "insights/dashboard.html", {"board": board})


@require_GET
@company_required
@vary_on_headers("HX-Request")
def forecast(request: CompanyHttpRequest) -> HttpResponse:
    form = ForecastForm(request.GET)
    options = form.options()
    if options.account_id is not None:
        # One account (a link from the dashboard): another company's id is a 404.
        account = bank_account_get(company=request.company, account_id=options.account_id)
        forecasts = [
            account_forecast(
                request.company,
                account,
                horizon_days=options.horizon_days,
                include_unapproved=options.include_unapproved,
            )
        ]
        unattributed = []
    else:
        result = company_forecasts(
            company=request.company,
            horizon_days=options.horizon_days,
            include_unapproved=options.include_unapproved,
        )
        forecasts, unattributed = result.forecasts, result.unattributed
    context = {
        "form": form,
        "options": options,
        "forecasts": forecasts,
        "unattributed": unattributed,
    }
    template = "insights/forecast.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#forecast-results"
    return render(request, template, context)
