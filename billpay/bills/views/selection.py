"""The inbox's selection: pay the ticked bills (one payment per supplier and currency), or
approve them all at once."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from billpay.bills import selectors, services
from billpay.bills.forms import InboxFilterForm
from billpay.bills.views.review import _filter_params
from billpay.core.forms import parse_or_400
from billpay.core.parsing import parse_id
from billpay.onboarding.tenancy import CompanyHttpRequest, company_required


def _bill_ids(values: list[str]) -> list[int]:
    """The ticked bills (one inbox page at most); a value that is not a bill id is a 400."""
    return list(dict.fromkeys(parse_or_400(parse_id, v) for v in values[: selectors.MAX_SELECTED]))


def _inbox_url(params: str) -> str:
    """The inbox with the filters it was on (re-parsed: never a URL taken from the request)."""
    query = _filter_params(InboxFilterForm(QueryDict(params[:1000])).filters())
    return reverse("bills:inbox") + (f"?{query}" if query else "")


def _pay_url(name: str, bill_ids: list[int]) -> str:
    return reverse(name) + "?" + urlencode([("bill", pk) for pk in bill_ids])


@require_POST
@company_required
def bill_selection(request: CompanyHttpRequest) -> HttpResponse:
    bill_ids = _bill_ids(request.POST.getlist("bill"))
    back = _inbox_url(request.POST.get("params", ""))
    approve = request.POST.get("action") == "approve"
    if not bill_ids:
        messages.info(request, f"Tick the bills to {'approve' if approve else 'pay'} first.")
        return redirect(back)
    if not approve:
        return redirect(_pay_url("bills:pay-selected", bill_ids))
    bills = selectors.bill_list_selected(company=request.company, bill_ids=bill_ids)
    outcome = services.bills_approve(company=request.company, actor=request.user, bills=bills)
    done = f"Approved {outcome.approved} bill{'s' if outcome.approved != 1 else ''}."
    if outcome.already:
        done += f" {outcome.already} {'was' if outcome.already == 1 else 'were'} approved already."
    messages.success(request, done)
    return redirect(back)


@require_GET
@company_required
def pay_selected(request: CompanyHttpRequest) -> HttpResponse:
    """Bills of one supplier go straight to the payment; several suppliers get a page that
    explains and offers one payment per supplier (pay runs, when they exist, take over here)."""
    bill_ids = _bill_ids(request.GET.getlist("bill"))
    if not bill_ids:
        messages.info(request, "Tick the bills to pay first.")
        return redirect("bills:inbox")
    selection = selectors.bill_pay_selection(company=request.company, bill_ids=bill_ids)
    if len(selection.groups) == 1 and not selection.left_out:
        return redirect(_pay_url("payments:payment-new", selection.groups[0].bill_ids))
    return render(request, "bills/pay_selected.html", {"selection": selection})
