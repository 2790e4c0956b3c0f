"""E-invoices in (issue 17): uploading files, the drafts queue, a draft's page (confirming it
into a bill or a credit note through the usual create forms), discarding and dismissing."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billpay.bills.models import Bill, CreditNote
from billpay.bills.views.create import BillFormSource, _done, bill_form_page
from billpay.bills.views.credit_notes import CreditNoteFormSource, credit_note_form_page
from billpay.core.parsing import ParseError, content_length, parse_int
from billpay.inbound import selectors
from billpay.inbound.forms import MAX_FILES, UploadForm, max_megabytes
from billpay.inbound.models import Draft
from billpay.inbound.services import IncomingFile, inbound_ingest
from billpay.inbound.services.addresses import inbound_address_get, inbound_address_rotate
from billpay.inbound.services.drafts import (
    draft_confirm,
    draft_discard,
    draft_dismiss,
    draft_submission_key,
)
from billpay.inbound.services.prefill import (
    draft_duplicates,
    draft_prefill,
    drafts_duplicate_ids,
)
from billpay.onboarding.roles import Can
from billpay.onboarding.tenancy import CompanyHttpRequest, company_required

PAGE_SIZE = 25


# --- the queue ------------------------------------------------------------------------------------


@require_GET
@company_required(action=Can.EDIT_BILLS)
def draft_list(request: CompanyHttpRequest) -> HttpResponse:
    page = Paginator(selectors.drafts_open(company=request.company), PAGE_SIZE).get_page(
        _page_number(request)
    )
    drafts = list(page.object_list)
    context = {
        "page": page,
        "drafts": drafts,
        "flagged": drafts_duplicate_ids(company=request.company, drafts=drafts),
        "refused": selectors.drafts_refused(company=request.company),
        "inbound_address": inbound_address_get(company=request.company).address,
    }
    return render(request, "inbound/queue.html", context)


@require_POST
@company_required(action=Can.MANAGE_SETTINGS)
def inbound_address_new(request: CompanyHttpRequest) -> HttpResponse:
    """A new inbound address, for when the old one leaked: the old one stops taking email."""
    inbound_address_rotate(company=request.company, actor=request.user)
    messages.success(
        request, gettext("Your new address is ready. Email sent to the old one is no longer read.")
    )
    return redirect("inbound:draft-list")


def _page_number(request: CompanyHttpRequest) -> int:
    try:
        return parse_int(request.GET.get("page"), min_value=1)
    except ParseError:
        return 1


# --- upload ---------------------------------------------------------------------------------------


@csrf_exempt  # checked below, once the request's size is known to be acceptable
@require_http_methods(["GET", "POST"])
@company_required(action=Can.EDIT_BILLS)
def draft_upload(request: CompanyHttpRequest) -> HttpResponse:
    limit = settings.INBOUND_UPLOAD_MAX_BYTES
    if request.method == "POST" and content_length(request) > limit:
        # Refused before the body is read: not a 500, not a disk filled with temporary files.
        error = gettext("These files are too large together: upload at most %(mb)s MB at once.") % {
            "mb": limit // (1024 * 1024)
        }
        return _upload_page(request, UploadForm(), status=413, extra={"error": error})
    if request.method == "POST":
        try:
            request.FILES  # noqa: B018  (parsed here: Django refuses over 100 files at once)
        except (TooManyFilesSent, RequestDataTooBig):
            error = gettext("Upload at most %(max)s files at once.") % {"max": MAX_FILES}
            return _upload_page(request, UploadForm(), status=400, extra={"error": error})
    return _draft_upload(request)


@csrf_protect
def _draft_upload(request: CompanyHttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _upload_page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form)  # shown again with its errors, as every form is
    files = []
    for upload in form.uploads:
        # Each file is read up to one byte over the limit: the ingest refuses it by its size.
        content = upload.read(settings.INBOUND_MAX_BYTES + 1)
        files.append(IncomingFile(upload.name or "", content, upload.content_type or ""))
    outcome = inbound_ingest(
        company=request.company,
        files=files,
        source=Draft.Source.UPLOAD,
        actor=request.user,
        keep_plain_files=False,
    )
    context = {"outcome": outcome, "results": _in_order(outcome)}
    return _upload_page(request, UploadForm(), extra=context)


def _in_order(outcome) -> list[Draft]:
    return sorted([*outcome.drafts, *outcome.refused], key=lambda d: d.pk)


def _upload_page(request, form, *, status: int = 200, extra: dict | None = None) -> HttpResponse:
    context = {
        "form": form,
        "max_files": MAX_FILES,
        "max_mb": max_megabytes(),
        **(extra or {}),
    }
    template = "inbound/upload.html"
    if request.htmx and not request.htmx.history_restore_request:
        template = "inbound/upload.html#upload-panel"
    return render(request, template, context, status=status)


# --- a draft --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@company_required(action=Can.EDIT_BILLS)
def draft_detail(request: CompanyHttpRequest, draft_id: int) -> HttpResponse:
    draft = selectors.draft_get(company=request.company, draft_id=draft_id)
    if draft.status == Draft.Status.CREATED:
        return _made(request, draft)
    if draft.status != Draft.Status.OPEN:
        if request.method == "POST":
            messages.info(request, gettext("This file was already set aside."))
            return _done(request, reverse("inbound:draft-list"))
        return render(request, "inbound/draft_closed.html", {"draft": draft})
    prefill = draft_prefill(draft=draft)
    context = {
        "draft": draft,
        "document": draft.data or {},
        "found_duplicates": draft_duplicates(draft=draft),
        "notices": [str(n) for n in prefill.notices],
        "draft_warnings": draft.warning_texts,
    }
    action = reverse("inbound:draft-detail", args=[draft.pk])
    key = draft_submission_key(draft=draft)
    if draft.kind == Draft.Kind.CREDIT_NOTE:
        if selectors.credit_notes_unsupported(company=request.company):
            context["credit_notes_unsupported"] = True
            return render(request, "inbound/draft.html", context)
        supplier = draft.supplier
        if supplier is None or not supplier.is_in_books:
            context["credit_note_blocked"] = True
            return render(request, "inbound/draft.html", context)

        def credit_note_created(note: CreditNote) -> HttpResponse:
            done = draft_confirm(draft=draft, actor=request.user, credit_note=note)
            messages.success(request, gettext("The credit note was created from the file."))
            return _done(request, _made_url(done))

        source = CreditNoteFormSource(
            initial=_credit_note_header(prefill.header),
            lines=prefill.lines,
            on_created=credit_note_created,
            form_action=action,
            template="inbound/draft.html",
            submission_key=key,
            context=context,
        )
        return credit_note_form_page(request, supplier=supplier, source=source)

    def bill_created(bill: Bill) -> HttpResponse:
        done = draft_confirm(draft=draft, actor=request.user, bill=bill)
        messages.success(request, gettext("The bill was created from the file."))
        return _done(request, _made_url(done))

    # What the document left empty keeps the form's own default (today's date, the currency).
    header = {k: v for k, v in prefill.header.items() if v not in (None, "")}
    if not header.get("supplier") and not header.get("new_supplier_name") and draft.supplier_name:
        header["new_supplier_name"] = draft.supplier_name
    source = BillFormSource(
        initial=header,
        lines=prefill.lines,
        on_created=bill_created,
        form_action=action,
        template="inbound/draft.html",
        attachment=draft.attachment,
        new_supplier=prefill.new_supplier,
        submission_key=key,
        context=context,
    )
    return bill_form_page(request, source)


def _credit_note_header(header: dict) -> dict:
    """The bill-shaped prefill as the credit note form's fields (its number is the reference)."""
    keep = ("number", "issue_date", "currency", "note")
    out = {k: v for k, v in header.items() if k in keep and v not in (None, "")}
    if "number" not in out and header.get("reference"):
        out["number"] = header["reference"]
    return out


def _made_url(draft: Draft) -> str:
    if draft.bill_id:
        return reverse("bills:bill-detail", args=[draft.bill_id])
    if draft.credit_note_id and draft.credit_note is not None:
        return reverse("bills:supplier-detail", args=[draft.credit_note.supplier_id])
    return reverse("inbound:draft-list")


def _made(request: CompanyHttpRequest, draft: Draft) -> HttpResponse:
    """A draft already confirmed (here or in another tab): to what it made."""
    if request.method == "POST":
        messages.info(request, gettext("This file was already confirmed."))
    return _done(request, _made_url(draft))


@require_http_methods(["GET", "POST"])
@company_required(action=Can.EDIT_BILLS)
def draft_discard_view(request: CompanyHttpRequest, draft_id: int) -> HttpResponse:
    draft = selectors.draft_get(company=request.company, draft_id=draft_id)
    if request.method == "POST":
        if draft.status == Draft.Status.OPEN:
            draft_discard(draft=draft, actor=request.user)
            messages.success(
                request, gettext("%(name)s was set aside.") % {"name": draft.file_name}
            )
        return _done(request, reverse("inbound:draft-list"))
    if draft.status != Draft.Status.OPEN:
        return redirect("inbound:draft-detail", draft_id=draft.pk)
    return render(request, "inbound/discard.html", {"draft": draft})


@require_POST
@company_required(action=Can.EDIT_BILLS)
def draft_dismiss_view(request: CompanyHttpRequest, draft_id: int) -> HttpResponse:
    draft = selectors.draft_get(company=request.company, draft_id=draft_id)
    draft_dismiss(draft=draft, actor=request.user)  # only a refused file's row goes
    if request.htmx:
        return HttpResponse("")
    return redirect("inbound:draft-list")


@require_GET
@company_required(action=Can.EDIT_BILLS)
def draft_file(request: CompanyHttpRequest, draft_id: int) -> HttpResponse:
    """The file as it came in, always as a download (an XML or PDF is never shown inline here)."""
    draft = selectors.draft_get(company=request.company, draft_id=draft_id)
    attachment = draft.attachment
    if attachment is None or attachment.company_id != request.company.pk:
        messages.error(request, gettext("The original file is no longer kept."))
        return redirect("inbound:draft-detail", draft_id=draft.pk)
    try:
        with attachment.file.open("rb") as fh:
            content = fh.read()
    except OSError:
        messages.error(request, gettext("The original file is no longer kept."))
        return redirect("inbound:draft-detail", draft_id=draft.pk)
    response = HttpResponse(content, content_type="application/octet-stream")
    name = "".join(c for c in attachment.name if c.isprintable()).replace('"', "") or "invoice"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
