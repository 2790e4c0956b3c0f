"""The inbox, a bill's page, attachments, review and notes, the suppliers list, and the sync button."""

from dataclasses import replace
from urllib.parse import urlencode

from csp.constants import SELF
from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling, trigger_client_event

from billpay.approvals.selectors import ApprovalView, approval_view
from billpay.bills import selectors, services, tasks
from billpay.bills.approval import KIND
from billpay.bills.forms import InboxFilterForm, NoteForm, ReviewForm
from billpay.bills.models import Bill, SyncRun
from billpay.bills.services.options import bill_capabilities
from billpay.core.csvs import csv_response
from billpay.core.errors import DomainError
from billpay.onboarding.roles import Can
from billpay.onboarding.selectors import connection_for_page
from billpay.onboarding.tenancy import CompanyHttpRequest, company_required


def _partial(request: CompanyHttpRequest, template: str, partial: str) -> str:
    """The whole page, or only the region `partial` for an htmx request (not a history restore)."""
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


def _filter_params(filters: selectors.InboxFilter) -> str:
    defaults = selectors.InboxFilter()
    return urlencode({k: v for k, v in vars(filters).items() if v and v != getattr(defaults, k)})


@require_GET
@company_required
@vary_on_headers("HX-Request")
def inbox(request: CompanyHttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET)
    filters = form.filters()
    page = selectors.bill_inbox_page(
        company=request.company,
        filters=filters,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    connection = connection_for_page(company=request.company)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "params": _filter_params(filters),
        "params_all_suppliers": _filter_params(replace(filters, supplier="")),
        "views": selectors.VIEWS,
        "today": timezone.localdate(),
        "pay_run_limit": settings.PAY_RUN_MAX_BILLS,
        "connection": connection,
        # Until the books have been read once, an empty inbox says why instead of "all paid".
        "first_sync": selectors.sync_first_state(company=request.company, connection=connection),
        "currencies": selectors.bill_currencies(company=request.company),
    }
    return render(request, _partial(request, "bills/inbox.html", "bill-table"), context)


@require_GET
@company_required
@vary_on_headers("HX-Request")
def inbox_totals(request: CompanyHttpRequest) -> HttpResponse:
    filters = InboxFilterForm(request.GET).filters()
    totals = selectors.bill_totals_by_currency(company=request.company, filters=filters)
    context = {"totals": totals, "filters": filters, "params": _filter_params(filters)}
    return render(request, _partial(request, "bills/totals.html", "inbox-totals"), context)


@require_GET
@company_required
def inbox_csv(request: CompanyHttpRequest) -> StreamingHttpResponse:
    """The filtered inbox as CSV: plain (commas, decimal points), or with ?format=excel as a
    French Excel opens it (semicolons, decimal commas, UTF-8 with a byte order mark)."""
    filters = InboxFilterForm(request.GET).filters()
    excel = request.GET.get("format") == "excel"
    columns = [
        "supplier_name",
        "reference",
        "issue_date",
        "due_date",
        "currency",
        "total_amount",
        "amount_due",
        "codat_status",
        "review_status",
        "codat_bill_id",
    ]
    rows = selectors.bill_list_for_inbox(company=request.company, filters=filters).values_list(
        *columns
    )
    return csv_response("bills", columns, rows.iterator(chunk_size=2000), excel=excel)


@require_GET
@company_required
@vary_on_headers("HX-Request")
def bill_detail(request: CompanyHttpRequest, bill_id: int) -> HttpResponse:
    bill = selectors.bill_get(company=request.company, bill_id=bill_id)
    context = {
        "bill": bill,
        "lines": selectors.bill_lines(bill=bill),
        "paid_on": selectors.bill_paid_on(bill=bill),
        "activity": selectors.bill_activity(company=request.company, bill=bill),
        "review_form": ReviewForm(),
        "note_form": NoteForm(),
        "today": timezone.localdate(),
        "approval": _approval(request, bill),
        "capabilities": bill_capabilities(company=request.company),
    }
    return render(request, _partial(request, "bills/bill_detail.html", "bill-drawer"), context)


@require_GET
@company_required
@vary_on_headers("HX-Request")
def bill_attachments(request: CompanyHttpRequest, bill_id: int) -> HttpResponse:
    bill = selectors.bill_get(company=request.company, bill_id=bill_id)
    try:
        attachments, error = services.bill_attachments_list(bill=bill), ""
    except DomainError as exc:
        attachments, error = [], exc.message
    context = {
        "bill": bill,
        "attachments": [(a, previewable(a.content_type or "")) for a in attachments],
        "error": error,
    }
    return render(request, _partial(request, "bills/attachments.html", "bill-attachments"), context)


@require_GET
@company_required
def bill_attachment_download(
    request: CompanyHttpRequest, bill_id: int, attachment_id: str
) -> HttpResponse:
    bill = selectors.bill_get(company=request.company, bill_id=bill_id)
    if {".", ".."} & set(attachment_id.split("/")):
        raise Http404("No such attachment.")  # a dot segment would climb out of the bill's path
    try:
        file = services.bill_attachment_download(bill=bill, attachment_id=attachment_id)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("bills:bill-detail", bill_id=bill.pk)
    response = HttpResponse(file.content, content_type=file.content_type)
    # The name comes from the books: drop control characters (a newline is a 500) and let Django
    # quote it, with filename* for non-ASCII names.
    name = "".join(c for c in file.name if c.isprintable()).replace('"', "") or "attachment"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


# Invoice files shown inside the bill's page: PDFs and plain raster images only (an SVG or an
# HTML file can carry script), and only when the bytes are what the books say they are.
PREVIEWABLE = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}


def previewable(content_type: str) -> bool:
    """Whether a file of this type is shown inline on the bill's page."""
    return content_type.split(";")[0].strip().lower() in PREVIEWABLE


@require_GET
@company_required
@xframe_options_sameorigin  # the PDF is framed by the bill's own page, never by another site
# The same for the site-wide CSP (frame-ancestors 'none') on the answers that don't set their own
# below: the plain-words error shown inside the frame.
@csp_replace({"frame-ancestors": [SELF]})
def bill_attachment_preview(
    request: CompanyHttpRequest, bill_id: int, attachment_id: str
) -> HttpResponse:
    bill = selectors.bill_get(company=request.company, bill_id=bill_id)
    if {".", ".."} & set(attachment_id.split("/")):
        raise Http404("No such attachment.")
    try:
        file = services.bill_attachment_download(bill=bill, attachment_id=attachment_id)
    except DomainError as exc:
        # Shown inside the frame in plain words (an <img> shows its alternative text): not a
        # whole page, and not an error status, which the bill's page could not explain.
        text = gettext("The invoice can't be shown here: %(reason)s") % {"reason": exc.message}
        return HttpResponse(text, content_type="text/plain; charset=utf-8")
    content_type = file.content_type.split(";")[0].strip().lower()
    if content_type not in PREVIEWABLE or not file.content.startswith(PREVIEWABLE[content_type]):
        # Not a file we show inline: the ordinary download (with its own safe headers).
        return redirect(
            "bills:bill-attachment-download", bill_id=bill.pk, attachment_id=attachment_id
        )
    response = HttpResponse(file.content, content_type=content_type)
    name = "".join(c for c in file.name if c.isprintable()).replace('"', "") or "invoice"
    response["Content-Disposition"] = content_disposition_header(False, name)
    # Nothing in the file may run, load or be framed elsewhere; a PDF keeps the browser's viewer
    # (a CSP sandbox would turn it off), an image is sandboxed too.
    policy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    response["Content-Security-Policy"] = policy + (
        "" if content_type == "application/pdf" else "; sandbox"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@company_required(action=Can.REVIEW_BILLS)
def bill_review(request: CompanyHttpRequest, bill_id: int) -> HttpResponse:
    bill = selectors.bill_get(company=request.company, bill_id=bill_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            bill = services.bill_review(bill=bill, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error("reason", exc.message)
    if not request.htmx:
        if form.errors:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("bills:bill-detail", bill_id=bill.pk)
    context = {
        "bill": bill,
        "review_form": form if form.errors else ReviewForm(),
        "approval": _approval(request, bill),
    }
    response = render(request, "bills/bill_detail.html#bill-review", context)
    return response if form.errors else trigger_client_event(response, "billReviewed")


@require_POST
@company_required(action=Can.REVIEW_BILLS)
def bill_note(request: CompanyHttpRequest, bill_id: int) -> HttpResponse:
    bill = selectors.bill_get(company=request.company, bill_id=bill_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.bill_note_add(bill=bill, actor=request.user, text=form.cleaned_data["text"])
    elif not request.htmx:
        messages.error(request, gettext("Write something in the note first."))
    if not request.htmx:
        return redirect("bills:bill-detail", bill_id=bill.pk)
    context = {
        "bill": bill,
        "note_form": NoteForm() if form.is_valid() else form,
        "activity": selectors.bill_activity(company=request.company, bill=bill),
    }
    return render(request, "bills/bill_detail.html#bill-activity", context)


def _approval(request: CompanyHttpRequest, bill: Bill) -> ApprovalView | None:
    return approval_view(company=request.company, kind=KIND, object_id=bill.pk, user=request.user)


@require_GET
@company_required
def suppliers(request: CompanyHttpRequest) -> HttpResponse:
    rows = selectors.supplier_list_with_balances(company=request.company)
    return render(request, "bills/suppliers.html", {"rows": rows})


@require_POST
@company_required
def sync_now(request: CompanyHttpRequest) -> HttpResponse:
    run = tasks.sync_start(company=request.company, trigger=SyncRun.Trigger.MANUAL)
    if request.htmx:
        return render(request, "bills/_sync_status.html", {"run": run})
    messages.info(request, gettext("Sync started."))
    next_url = request.POST.get("next", "")
    # Never to another site; and only a path, since redirect() would take "abc" for a URL name
    # and answer NoReverseMatch (a 500).
    if not next_url.startswith("/") or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "onboarding:connection"
    return redirect(next_url)


@require_GET
@company_required
def sync_status(request: CompanyHttpRequest) -> HttpResponse:
    run = selectors.sync_run_latest(company=request.company)
    response = render(request, "bills/_sync_status.html", {"run": run})
    if request.htmx and (run is None or not run.is_active):
        response.status_code = HttpResponseStopPolling.status_code
        trigger_client_event(response, "syncFinished")
    return response
