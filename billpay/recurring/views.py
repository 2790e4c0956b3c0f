"""Recurring bills' pages: the list, a template's page, new and edit, pause and resume, and the
live preview of the next dates."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from billpay.bills.forms import line_formset
from billpay.bills.selectors import create as bill_sel
from billpay.bills.services.create import new_submission_key
from billpay.bills.services.options import push_rules_get
from billpay.core.errors import DomainError
from billpay.onboarding.roles import Can
from billpay.onboarding.selectors import connection_get
from billpay.onboarding.tenancy import CompanyHttpRequest, company_required
from billpay.recurring import selectors as sel
from billpay.recurring import services
from billpay.recurring.forms import RecurringForm, ScheduleForm
from billpay.recurring.models import RecurringBill
from billpay.recurring.schedule import Schedule, preview

EXTRA_LINES = 3


def _partial(request: CompanyHttpRequest, template: str, partial: str) -> str:
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


def _done(request: CompanyHttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_GET
@company_required
def recurring_list(request: CompanyHttpRequest) -> HttpResponse:
    templates = sel.recurring_list(company=request.company)
    return render(request, "recurring/list.html", {"templates": templates})


@require_GET
@company_required
def recurring_detail(request: CompanyHttpRequest, template_id: int) -> HttpResponse:
    template = sel.recurring_get(company=request.company, template_id=template_id)
    context = {
        "template": template,
        "occurrences": sel.occurrence_list(company=request.company, template=template),
        "dates": _preview(template) if template.is_active else [],
        "pays": bool(template.payment_method),
    }
    return render(request, "recurring/detail.html", context)


def _preview(template: RecurringBill):
    return preview(services.schedule_of(template), since=services.preview_since(template))


def _forms(request: CompanyHttpRequest, *, template: RecurringBill | None, extra_lines: int = 0):
    company = request.company
    rules = push_rules_get(company=company, data_type="bills")
    currency = request.POST.get("currency", "") if request.method == "POST" else ""
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        currency = template.currency if template else company.base_currency
    kwargs = {
        "company": company,
        "rules": rules,
        "suppliers": bill_sel.supplier_choices(company=company),
        "current_currency": template.currency if template else "",
    }
    lines = {
        "company": company,
        "rules": rules,
        "accounts": bill_sel.expense_account_choices(company=company),
        "tax_rates": bill_sel.tax_rate_choices(company=company),
        "currency": currency,
    }
    if request.method == "POST":
        form = RecurringForm(request.POST, **kwargs)
        formset = line_formset(request.POST, extra_lines=extra_lines, **lines)
    else:
        form = RecurringForm(initial=_initial(template), **kwargs)
        formset = line_formset(initial=_lines_initial(template), **lines)
    return form, formset, rules


def _initial(template: RecurringBill | None) -> dict:
    initial = {"submission_key": new_submission_key(), **ScheduleForm.initial_for_new()}
    if template is not None:
        initial.update(
            supplier=template.supplier_id,
            reference=template.reference,
            currency=template.currency,
            note=template.note,
            frequency=template.frequency,
            start_date=template.start_date,
            end_date=template.end_date,
            count=template.count,
            due_days=template.due_days,
            payment_method=template.payment_method,
            payment_offset_days=template.payment_offset_days,
        )
    return initial


def _lines_initial(template: RecurringBill | None) -> list[dict] | None:
    if template is None:
        return None
    return [
        {
            "description": line.description,
            "quantity": services.plain(line.quantity),
            "unit_amount": services.plain(line.unit_amount),
            "account": line.account_id,
            "tax_rate": line.tax_rate_id,
        }
        for line in template.lines.all()
    ]


def _input(form: RecurringForm, formset) -> services.TemplateInput:
    d = form.cleaned_data
    return services.TemplateInput(
        supplier=d["supplier"],
        reference=d["reference"],
        currency=d["currency"],
        note=d.get("note", ""),
        lines=tuple(formset.lines()),
        schedule=form.schedule(),
        payment_method=d.get("payment_method", ""),
    )


def _form_page(request, form, formset, rules, *, template, show_errors):
    dates, since = [], timezone.localdate()
    if form.is_bound and form.is_valid():
        dates = preview(form.schedule(), since=max(since, form.cleaned_data["start_date"]))
    elif template is not None:
        dates = preview(services.schedule_of(template), since=services.preview_since(template))
    elif not form.is_bound:  # the new form as first shown: monthly from today
        initial = ScheduleForm.initial_for_new()
        dates = preview(
            Schedule(
                frequency=initial["frequency"],
                start_date=initial["start_date"],
                due_days=initial["due_days"],
            ),
            since=since,
        )
    context = {
        "form": form,
        "formset": formset,
        "rules": rules,
        "template": template,
        "show_errors": show_errors,
        "connection": connection_get(company=request.company),
        "dates": dates,
        "pays": bool(form["payment_method"].value()),
    }
    return render(request, _partial(request, "recurring/form.html", "recurring-form"), context)


@require_http_methods(["GET", "POST"])
@company_required(action=Can.EDIT_BILLS)
@vary_on_headers("HX-Request")
def recurring_new(request: CompanyHttpRequest) -> HttpResponse:
    action = request.POST.get("action", "")
    form, formset, rules = _forms(
        request, template=None, extra_lines=EXTRA_LINES if action == "add_lines" else 0
    )
    saving = request.method == "POST" and not action
    if saving and form.is_valid() and formset.is_valid():
        try:
            template = services.recurring_create(
                company=request.company,
                actor=request.user,
                data=_input(form, formset),
                submission_key=form.cleaned_data["submission_key"],
            )
            return _done(request, reverse("recurring:recurring-detail", args=[template.pk]))
        except DomainError as exc:
            form.add_error(None, exc.message)
    return _form_page(request, form, formset, rules, template=None, show_errors=saving)


@require_http_methods(["GET", "POST"])
@company_required(action=Can.EDIT_BILLS)
@vary_on_headers("HX-Request")
def recurring_edit(request: CompanyHttpRequest, template_id: int) -> HttpResponse:
    template = sel.recurring_get(company=request.company, template_id=template_id)
    action = request.POST.get("action", "")
    form, formset, rules = _forms(
        request, template=template, extra_lines=EXTRA_LINES if action == "add_lines" else 0
    )
    saving = request.method == "POST" and not action
    if saving and form.is_valid() and formset.is_valid():
        try:
            services.recurring_update(
                template=template, actor=request.user, data=_input(form, formset)
            )
            return _done(request, reverse("recurring:recurring-detail", args=[template.pk]))
        except DomainError as exc:
            form.add_error(None, exc.message)
    return _form_page(request, form, formset, rules, template=template, show_errors=saving)


@require_POST
@company_required(action=Can.EDIT_BILLS)
def recurring_preview(request: CompanyHttpRequest) -> HttpResponse:
    """The next twelve dates of the schedule as typed so far (the form's live preview)."""
    form = ScheduleForm(request.POST)
    dates = []
    if form.is_valid():
        since = max(timezone.localdate(), form.cleaned_data["start_date"])
        dates = preview(form.schedule(), since=since)
    context = {"dates": dates, "pays": bool(form["payment_method"].value()), "preview_form": form}
    return render(request, "recurring/_preview.html", context)


@require_POST
@company_required(action=Can.EDIT_BILLS)
def recurring_pause(request: CompanyHttpRequest, template_id: int) -> HttpResponse:
    template = sel.recurring_get(company=request.company, template_id=template_id)
    services.recurring_pause(template=template, actor=request.user)
    return _done(request, reverse("recurring:recurring-detail", args=[template.pk]))


@require_POST
@company_required(action=Can.EDIT_BILLS)
def recurring_resume(request: CompanyHttpRequest, template_id: int) -> HttpResponse:
    template = sel.recurring_get(company=request.company, template_id=template_id)
    services.recurring_resume(template=template, actor=request.user)
    return _done(request, reverse("recurring:recurring-detail", args=[template.pk]))
