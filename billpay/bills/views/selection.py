"""The inbox's selection: approve the ticked bills all at once. ("Pay selected" posts the same
form to the runs app, which makes a pay run of them: bills does not import runs.)"""

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from billpay.bills import selectors, services
from billpay.bills.forms import InboxFilterForm
from billpay.bills.views.review import _filter_params
from billpay.core.forms import parse_or_400
from billpay.core.parsing import parse_id
from billpay.onboarding.roles import Can
from billpay.onboarding.tenancy import CompanyHttpRequest, company_required


def _bill_ids(values: list[str]) -> list[int]:
    """The ticked bills (one inbox page at most); a value that is not a bill id is a 400."""
    return list(dict.fromkeys(parse_or_400(parse_id, v) for v in values[: selectors.MAX_SELECTED]))


def _inbox_url(params: str) -> str:
    """The inbox with the filters it was on (re-parsed: never a URL taken from the request)."""
    query = _filter_params(InboxFilterForm(QueryDict(params[:1000])).filters())
    return reverse("bills:inbox") + (f"?{query}" if query else "")


@require_POST
@company_required(action=Can.REVIEW_BILLS)
def bill_selection(request: CompanyHttpRequest) -> HttpResponse:
    bill_ids = _bill_ids(request.POST.getlist("bill"))
    back = _inbox_url(request.POST.get("params", ""))
    if not bill_ids:
        messages.info(request, gettext("Tick the bills to approve first."))
        return redirect(back)
    bills = selectors.bill_list_selected(company=request.company, bill_ids=bill_ids)
    outcome = services.bills_approve(company=request.company, actor=request.user, bills=bills)
    done = ngettext("Approved %(count)s bill.", "Approved %(count)s bills.", outcome.approved) % {
        "count": outcome.approved
    }
    if outcome.already:
        done += " " + ngettext(
            "%(count)s was approved already.", "%(count)s were approved already.", outcome.already
        ) % {"count": outcome.already}
    if outcome.stepped:
        done += " " + ngettext(
            "%(count)s now waits for its next approver.",
            "%(count)s now wait for their next approver.",
            outcome.stepped,
        ) % {"count": outcome.stepped}
    messages.success(request, done)
    for refusal in outcome.refused or []:
        messages.warning(request, refusal)
    return redirect(back)
