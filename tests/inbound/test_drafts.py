"""Deciding about drafts: confirm once (open → created), discard (file deleted), dismiss."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billpay.bills.models import BillAttachment
from billpay.bills.services.create.attachments import bill_attachment_stash
from billpay.core.models import AuditEvent
from billpay.core.words import phrase
from billpay.inbound.einvoice.document import (
    CREDIT_NOTE,
    INVOICE,
    UBL,
    Line,
    ParsedDocument,
    Party,
    TaxBreakdown,
    Totals,
)
from billpay.inbound.models import Draft
from billpay.inbound.services.drafts import (
    draft_confirm,
    draft_discard,
    draft_dismiss,
    draft_submission_key,
)
from tests.factories import BillFactory, CreditNoteFactory, SupplierFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def document(
    *,
    number="FA-2026-001",
    supplier="Boulangerie Martin",
    vat="FR40303265045",
    kind=INVOICE,
    lines=None,
    warnings=(),
) -> ParsedDocument:
    """A UBL invoice of two lines at 20 % (100.00 + 50.00 net, 180.00 to pay) unless told."""
    lines = lines or (
        Line("Croissants", Decimal("10"), Decimal("10.00"), Decimal("100.00"), Decimal("20")),
        Line("Baguettes", Decimal("25"), Decimal("2.00"), Decimal("50.00"), Decimal("20")),
    )
    net = sum((line.net_amount for line in lines), Decimal(0))
    tax = (net * Decimal("0.2")).quantize(Decimal("0.01"))
    return ParsedDocument(
        format=UBL,
        kind=kind,
        number=number,
        issue_date=date(2026, 11, 2),
        due_date=date(2026, 12, 2),
        currency="USD",
        supplier=Party(
            name=supplier,
            vat_number=vat,
            street="1 rue de la Paix",
            city="Paris",
            postal_code="75002",
            country="FR",
        ),
        buyer=Party(name="Buyer SAS"),
        lines=tuple(lines),
        taxes=(TaxBreakdown(Decimal("20"), "S", net, tax),),
        totals=Totals(net, net, tax, net + tax, Decimal(0), net + tax),
        warnings=tuple(warnings),
    )


def make_draft(company, *, doc=None, supplier=None, user=None, attachment=True, **fields) -> Draft:
    """A draft as the ingest leaves it for `doc`, with its file stashed."""
    doc = doc or document()
    stash = None
    if attachment:
        stash = bill_attachment_stash(
            company=company,
            actor=user,
            upload=SimpleUploadedFile(f"{doc.number}.pdf", PDF, "application/pdf"),
            content_type="application/pdf",
        )
    values = {
        "company": company,
        "source": Draft.Source.UPLOAD,
        "kind": Draft.Kind.CREDIT_NOTE if doc.kind == CREDIT_NOTE else Draft.Kind.BILL,
        "format": doc.format,
        "file_name": f"{doc.number}.xml",
        "attachment": stash,
        "data": doc.to_json(),
        "warnings": [w.to_json() for w in doc.warnings],
        "supplier": supplier,
        "supplier_name": doc.supplier.name,
        "reference": doc.number,
        "issue_date": doc.issue_date,
        "due_date": doc.due_date,
        "currency": doc.currency,
        "total_amount": doc.totals.payable,
        "created_by": user,
    }
    values.update(fields)
    return Draft.objects.create(**values)


def test_confirming_marks_the_draft_created_once_and_a_second_confirm_keeps_the_first_bill(
    company, user
):
    draft = make_draft(company, user=user)
    first, second = BillFactory(company=company), BillFactory(company=company)

    done = draft_confirm(draft=draft, actor=user, bill=first)
    again = draft_confirm(draft=Draft.objects.get(pk=draft.pk), actor=user, bill=second)

    assert done.status == Draft.Status.CREATED and done.bill == first
    assert again.bill == first and again.decided_by == user
    assert AuditEvent.objects.filter(company=company, action="draft.confirmed").count() == 1


def test_a_credit_note_draft_is_confirmed_with_its_credit_note(company, user):
    supplier = SupplierFactory(company=company)
    draft = make_draft(company, doc=document(kind=CREDIT_NOTE), supplier=supplier, user=user)
    note = CreditNoteFactory(company=company, supplier=supplier)

    done = draft_confirm(draft=draft, actor=user, credit_note=note)

    assert done.status == Draft.Status.CREATED and done.credit_note == note and done.bill is None


def test_discarding_keeps_the_draft_and_deletes_its_stashed_file(
    company, user, django_capture_on_commit_callbacks
):
    draft = make_draft(company, user=user)
    stored, storage = draft.attachment.file.name, draft.attachment.file.storage
    assert storage.exists(stored)

    with django_capture_on_commit_callbacks(execute=True):
        discarded = draft_discard(draft=draft, actor=user)

    assert discarded.status == Draft.Status.DISCARDED and discarded.attachment is None
    assert not BillAttachment.objects.filter(company=company).exists()
    assert not storage.exists(stored)
    assert AuditEvent.objects.filter(company=company, action="draft.discarded").count() == 1


def test_a_decided_draft_is_not_discarded(company, user):
    draft = make_draft(company, user=user)
    draft_confirm(draft=draft, actor=user, bill=BillFactory(company=company))

    after = draft_discard(draft=Draft.objects.get(pk=draft.pk), actor=user)

    assert after.status == Draft.Status.CREATED
    assert BillAttachment.objects.filter(pk=draft.attachment_id).exists()


def test_dismissing_removes_only_a_refused_file(company, user):
    refused = Draft.objects.create(
        company=company,
        source=Draft.Source.UPLOAD,
        file_name="bad.xml",
        status=Draft.Status.REFUSED,
        problem="nope",
        problem_i18n=phrase("nope").to_json(),
    )
    kept = make_draft(company, user=user)

    draft_dismiss(draft=refused, actor=user)
    draft_dismiss(draft=kept, actor=user)

    assert list(Draft.objects.filter(company=company)) == [kept]


def test_each_draft_has_its_own_one_time_key(company, user):
    a, b = make_draft(company, user=user), make_draft(company, doc=document(number="X-2"))

    assert draft_submission_key(draft=a) == draft_submission_key(draft=Draft.objects.get(pk=a.pk))
    assert draft_submission_key(draft=a) != draft_submission_key(draft=b)
