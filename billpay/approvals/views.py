from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billpay.approvals import hooks, notices, selectors, services
from billpay.approvals.errors import RuleInvalid
from billpay.approvals.forms import BulkApproveForm, DecisionForm, RuleForm
from billpay.approvals.models import ApprovalRequest, ApprovalRule
from billpay.core.errors import DomainError
from billpay.onboarding.roles import Can
from billpay.onboarding.tenancy import CompanyHttpRequest, company_required


@require_http_methods(["GET", "POST"])
@company_required
def waiting(request: CompanyHttpRequest) -> HttpResponse:
    """What waits for the user's approval here; POST approves the ticked ones (one step each)."""
    pending = selectors.waiting_for(company=request.company, user=request.user)
    form = BulkApproveForm(request.POST or None, requests=pending)
    if request.method == "POST" and form.is_valid():
        chosen = {int(pk) for pk in form.cleaned_data["requests"]}
        done = 0
        for item in (r for r in pending if r.pk in chosen):
            try:
                hooks.decide(
                    item.kind,
                    company=request.company,
                    actor=request.user,
                    object_id=item.object_id,
                    decision="approved",
                    comment=form.cleaned_data["comment"],
                )
            except DomainError as exc:
                messages.warning(request, f"{item.label}: {exc.message}")
            except ObjectDoesNotExist:
                messages.warning(request, f"{item.label}: " + gettext("it no longer exists."))
            else:
                done += 1
        if done:
            messages.success(
                request,
                ngettext("You approved %(count)d item.", "You approved %(count)d items.", done)
                % {"count": done},
            )
        return redirect("approvals:waiting")
    rows = [(r, notices.page_url(r)) for r in pending]
    return render(request, "approvals/waiting.html", {"rows": rows, "form": form})


@require_POST
@company_required
def decide(request: CompanyHttpRequest, kind: str, object_id: int) -> HttpResponse:
    """Approve or reject one step of a bill's, payment's or run's approval (from its page)."""
    if kind not in ApprovalRequest.Kind.values:
        raise Http404("No such kind.")
    form = DecisionForm(request.POST)
    back = notices.PAGES[kind]
    if not form.is_valid():
        messages.error(request, gettext("Choose approve or reject."))
        return redirect(back, object_id)
    try:
        hooks.decide(
            kind,
            company=request.company,
            actor=request.user,
            object_id=object_id,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            form_token=form.cleaned_data["form_token"],
        )
    except ObjectDoesNotExist:
        raise Http404("No such thing.") from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        approved = form.cleaned_data["decision"] == "approved"
        messages.success(request, gettext("Approved.") if approved else gettext("Rejected."))
    return redirect(back, object_id)


@require_GET
@company_required
def rules(request: CompanyHttpRequest) -> HttpResponse:
    context = {"rules": selectors.rules_list(company=request.company)}
    return render(request, "approvals/rules.html", context)


@require_http_methods(["GET", "POST"])
@company_required(action=Can.MANAGE_SETTINGS)
def rule_edit(request: CompanyHttpRequest, rule_id: int | None = None) -> HttpResponse:
    rule = _rule_or_404(request, rule_id) if rule_id is not None else None
    form = RuleForm(
        request.POST or None,
        initial=RuleForm.initial_for(rule) if rule else {"mode": ApprovalRule.Mode.SEQUENCE},
        currency=request.company.base_currency,
        members=selectors.approver_choices(company=request.company),
        suppliers=hooks.suppliers(request.company),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_save(
                company=request.company, actor=request.user, rule=rule, **form.rule_fields()
            )
        except RuleInvalid as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, gettext("The approval rule is saved."))
            return redirect("approvals:rules")
    return render(request, "approvals/rule_form.html", {"form": form, "rule": rule})


@require_POST
@company_required(action=Can.MANAGE_SETTINGS)
def rule_delete(request: CompanyHttpRequest, rule_id: int) -> HttpResponse:
    _rule_or_404(request, rule_id)
    services.rule_delete(company=request.company, actor=request.user, rule_id=rule_id)
    messages.success(request, gettext("The approval rule is removed."))
    return redirect("approvals:rules")


def _rule_or_404(request: CompanyHttpRequest, rule_id: int) -> ApprovalRule:
    try:
        return selectors.rule_get(company=request.company, rule_id=rule_id)
    except ApprovalRule.DoesNotExist:
        raise Http404("No such rule.") from None
