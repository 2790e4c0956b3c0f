"""Issue 12, point 5: the bill page's amounts, the approval comment, a paid bill, and the invoice
shown inline (PDFs and images only, with headers that keep the file from running anything)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billpay.bills.models import BillAllocation
from billpay.codat.errors import CodatNotFoundError
from billpay.codat.schemas import Attachment
from billpay.core.models import AuditEvent
from tests.factories import BillFactory, BillLineFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def _page(client, bill) -> str:
    response = client.get(reverse("bills:bill-detail", args=[bill.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _row(page: str, label: str) -> str:
    start = page.index(label)
    return page[start : page.index("</tr>", start)]


# --- amounts --------------------------------------------------------------------------------------


def test_each_line_shows_before_tax_tax_and_total_and_they_add_up_to_the_bill(
    client_member, company
):
    bill = BillFactory(
        company=company,
        sub_total=Decimal("150.00"),
        tax_amount=Decimal("30.00"),
        total_amount=Decimal("180.00"),
    )
    BillLineFactory(
        bill=bill,
        description="Flour",
        unit_amount=Decimal("100.00"),
        sub_total=Decimal("100.00"),
        tax_amount=Decimal("20.00"),
        total_amount=Decimal("120.00"),
    )
    BillLineFactory(
        bill=bill,
        description="Yeast",
        quantity=Decimal("2"),
        unit_amount=Decimal("25.00"),
        sub_total=None,
        tax_amount=None,
        total_amount=Decimal("60.00"),
    )

    page = _page(client_member, bill)

    assert ">Before tax<" in page and ">Tax<" in page and ">Total<" in page
    flour = _row(page, "Flour")
    assert "$100.00" in flour and "$20.00" in flour and "$120.00" in flour
    yeast = _row(page, "Yeast")  # 2 × $25.00 before tax; the books' total says $10.00 of tax
    assert "$50.00" in yeast and "$10.00" in yeast and "$60.00" in yeast
    bill_row = _row(page, '<th scope="row" class="num">Bill')
    assert "$150.00" in bill_row and "$30.00" in bill_row and "$180.00" in bill_row
    assert "do not add up" not in page


def test_lines_that_do_not_add_up_to_the_bill_are_pointed_out(client_member, company):
    bill = BillFactory(company=company)  # $100.00 + $20.00 = $120.00
    BillLineFactory(
        bill=bill,
        sub_total=Decimal("90.00"),
        tax_amount=Decimal("18.00"),
        total_amount=Decimal("108.00"),
    )

    page = _page(client_member, bill)

    assert "The lines add up to" in page and "$108.00" in page
    assert "do not add up to the bill" in page


# --- approval comment -----------------------------------------------------------------------------


def test_a_comment_typed_when_approving_is_kept_in_the_activity(client_member, company):
    bill = BillFactory(company=company)

    client_member.post(
        reverse("bills:bill-review", args=[bill.pk]),
        {"decision": "approved", "reason": "Matches the delivery note"},
    )

    event = AuditEvent.objects.get(ref=f"bill:{bill.pk}")
    assert event.action == "bill.review.approved"
    assert event.data["comment"] == "Matches the delivery note"
    assert "approved the bill: <em>Matches the delivery note</em>" in _page(client_member, bill)


def test_a_comment_with_a_repeated_approval_is_kept_once_as_a_note(client_member, company):
    bill = BillFactory(company=company)
    url = reverse("bills:bill-review", args=[bill.pk])
    client_member.post(url, {"decision": "approved"})

    client_member.post(url, {"decision": "approved", "reason": "Checked the VAT too"})
    client_member.post(url, {"decision": "approved", "reason": "Checked the VAT too"})

    actions = list(AuditEvent.objects.filter(ref=f"bill:{bill.pk}").values_list("action", "data"))
    assert actions == [
        ("bill.note", {"text": "Checked the VAT too"}),
        ("bill.review.approved", {"reason": ""}),
    ]


def test_the_activity_reloads_itself_after_a_review_over_htmx(client_member, company):
    bill = BillFactory(company=company)

    page = _page(client_member, bill)

    start = page.index('<section id="bill-activity"')
    tag = page[start : page.index(">", start)]
    assert 'hx-trigger="billReviewed from:body"' in tag and 'hx-select="#bill-activity"' in tag


# --- a paid bill ----------------------------------------------------------------------------------


def test_a_paid_bill_says_so_and_offers_no_pay_button(client_member, company):
    bill = BillFactory(company=company, amount_due=Decimal("0"), codat_status="Paid")
    BillAllocation.objects.create(
        company=company,
        bill=bill,
        amount=Decimal("120.00"),
        currency="USD",
        allocated_on=timezone.now(),
    )

    page = _page(client_member, bill)

    assert "Paid in full" in page and "nothing left to pay" in page
    assert reverse("payments:payment-new") not in page


def test_a_bill_with_nothing_left_due_reads_as_paid_even_before_the_status_catches_up(
    client_member, company
):
    bill = BillFactory(company=company, amount_due=Decimal("0"), codat_status="Open")

    page = _page(client_member, bill)

    assert "Paid in full" in page
    assert reverse("payments:payment-new") not in page


def test_an_open_bill_offers_the_pay_button(client_member, company):
    bill = BillFactory(company=company, codat_status="Open")

    page = _page(client_member, bill)

    assert f"{reverse('payments:payment-new')}?bill={bill.pk}" in page
    assert "Paid in full" not in page


# --- the invoice inline ---------------------------------------------------------------------------


@pytest.fixture
def bill(company):
    return BillFactory(company=company, codat_bill_id="codat-bill-9")


def _preview(client, bill, attachment_id="a1"):
    return client.get(reverse("bills:bill-attachment-preview", args=[bill.pk, attachment_id]))


def _serve(codat, name, content_type, content):
    codat.get_bill_attachment.return_value = Attachment(
        id="a1", name=name, content_type=content_type
    )
    codat.download_bill_attachment.return_value = content


def test_a_pdf_invoice_is_served_inline_for_the_bills_own_page_only(
    client_member, connected, attachments_codat, bill
):
    _serve(attachments_codat, "invoice.pdf", "application/pdf", PDF)

    response = _preview(client_member, bill)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert response["Cache-Control"] == "private, no-store"
    assert response.content == PDF


def test_an_image_invoice_is_served_inline_and_sandboxed(
    client_member, connected, attachments_codat, bill
):
    _serve(attachments_codat, "scan.png", "image/png", PNG)

    response = _preview(client_member, bill)

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("text/html", b"<script>alert(1)</script>"),
        ("image/svg+xml", b"<svg onload=alert(1)></svg>"),
        ("image/png", b"<html><script>alert(1)</script>"),  # not what the books say it is
        ("application/pdf", b"MZ\x90\x00"),
    ],
)
def test_anything_else_is_never_shown_inline_but_downloaded(
    client_member, connected, attachments_codat, bill, content_type, content
):
    _serve(attachments_codat, "file", content_type, content)

    response = _preview(client_member, bill)

    assert response.status_code == 302
    assert response.url == reverse("bills:bill-attachment-download", args=[bill.pk, "a1"])


def test_a_missing_invoice_file_says_so_in_plain_words(
    client_member, connected, attachments_codat, bill
):
    attachments_codat.get_bill_attachment.side_effect = CodatNotFoundError("gone")

    response = _preview(client_member, bill)

    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert response.content.decode().startswith("The invoice can't be shown here:")


def test_another_companys_bill_has_no_preview(
    client_member, other_company, connected, attachments_codat
):
    theirs = BillFactory(company=other_company)

    assert _preview(client_member, theirs).status_code == 404
    attachments_codat.download_bill_attachment.assert_not_called()


def test_the_preview_answers_only_get(client_member, bill):
    url = reverse("bills:bill-attachment-preview", args=[bill.pk, "a1"])

    assert client_member.post(url).status_code == 405


def test_the_attachments_list_previews_pdfs_and_images_and_only_lists_the_rest(
    client_member, connected, attachments_codat, bill
):
    attachments_codat.list_bill_attachments.return_value = [
        Attachment(id="a1", name="invoice.pdf", content_type="application/pdf", file_size=10),
        Attachment(id="a2", name="photo.jpg", content_type="image/jpeg", file_size=10),
        Attachment(id="a3", name="notes.html", content_type="text/html", file_size=10),
    ]

    page = client_member.get(reverse("bills:bill-attachments", args=[bill.pk])).content.decode()

    pdf, jpg, html = (
        reverse("bills:bill-attachment-preview", args=[bill.pk, i]) for i in ("a1", "a2", "a3")
    )
    assert f'<iframe src="{pdf}"' in page
    assert f'<img src="{jpg}"' in page
    assert html not in page
    assert "PDF, 10" in page and "JPEG image" in page and "file, 10" in page
