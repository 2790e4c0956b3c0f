"""HTML and script in text from the books reaches every page escaped, and the CSV defuses formulas.

The books are outside our control: a supplier's name, a bill's reference or a line's description
is whatever someone typed into QuickBooks or Xero. Each is rendered on many pages.
"""

import csv
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils.html import escape

from billpay.bills.models import Bill, BillLine, Supplier, SyncRun
from billpay.bills.services import SyncOutcome, bills_sync
from billpay.bills.tasks import sync_start
from billpay.codat.schemas import Attachment
from billpay.core.csvs import csv_cell as _csv_cell
from billpay.sandbox import store
from tests.factories import (
    AccountingConnectionFactory,
    AccountMappingFactory,
    BillFactory,
    LedgerAccountFactory,
    MembershipFactory,
    SupplierFactory,
)
from tests.security.conftest import body, build_world, logged_in

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
PAYLOADS = [SCRIPT, ATTRIBUTE]
# What must never reach a page: any of these is an executable tag.
RAW = ("<script>alert(1)", "<img src=x onerror", "onerror=alert(1)>")


def _assert_escaped(text: str, payload: str, url: str) -> None:
    assert payload not in text, f"{url} shows the raw payload {payload!r}"
    for raw in RAW:
        assert raw not in text, f"{url} contains {raw!r}"
    assert escape(payload) in text, f"{url} does not show the (escaped) text at all"


def _pages(world) -> list[tuple[str, dict]]:
    """(url, headers) of every page that shows a supplier name, reference or line description."""
    htmx = {"HX-Request": "true"}
    bill, payment = world.bill.pk, world.payment.pk
    return [
        (reverse("bills:inbox"), {}),
        (reverse("bills:inbox"), htmx),
        (reverse("bills:inbox") + "?view=all&q=", {}),
        (reverse("bills:bill-detail", args=[bill]), {}),
        (reverse("bills:bill-detail", args=[bill]), htmx),  # the drawer
        (reverse("bills:bill-edit", args=[bill]), {}),
        (reverse("bills:suppliers"), {}),
        (reverse("bills:supplier-edit", args=[world.supplier.pk]), {}),
        (reverse("bills:supplier-options") + "?q=", {}),
        (reverse("payments:payment-new") + f"?bill={bill}", {}),  # the pay form
        (reverse("payments:payment-new") + f"?bill={bill}", htmx),
        (reverse("payments:payment-list"), {}),
        (reverse("payments:payment-list"), htmx),
        (reverse("payments:payment-detail", args=[payment]), {}),  # the review of a draft
    ]


@pytest.fixture(params=PAYLOADS, ids=["script", "attribute"])
def hostile(request, db):
    payload = request.param
    world = build_world(
        name="Hostile Books Co",
        email="owner@hostile.example",
        supplier=f"ACME {payload}",
        reference=f"INV {payload}",
        line=f"Flour {payload}",
        total=Decimal("120.00"),
        payment_ref="PAYX1",
        bank_account=f"Bank {payload}",
        attachment=f"scan {payload}.pdf",
    )
    world.payload = payload
    AccountingConnectionFactory(company=world.company)
    AccountMappingFactory(company=world.company, account=world.account)
    return world


@pytest.mark.django_db
def test_text_from_the_books_is_escaped_on_every_page(hostile):
    client = logged_in(hostile.owner, hostile.company)
    Bill.objects.filter(pk=hostile.bill.pk).update(note=f"Note {hostile.payload}")

    for url, headers in _pages(hostile):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        _assert_escaped(body(response), hostile.payload, url)


@pytest.mark.django_db
def test_the_payment_form_with_errors_escapes_too(hostile):
    client = logged_in(hostile.owner, hostile.company)

    response = client.post(
        reverse("payments:payment-new") + f"?bill={hostile.bill.pk}",
        {"bill": hostile.bill.pk, "method": "nope", f"amount_{hostile.bill.pk}": "abc"},
    )

    assert response.status_code == 200
    _assert_escaped(body(response), hostile.payload, "payment-new POST")


@pytest.mark.django_db
def test_the_csv_export_is_an_attachment_the_browser_wont_render(hostile):
    """CSV is data, not HTML: escaping would corrupt it. It must download, never render."""
    client = logged_in(hostile.owner, hostile.company)

    response = client.get(reverse("bills:inbox-csv"))

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    rows = list(csv.reader(io.StringIO(body(response))))
    assert rows[1][:2] == [f"ACME {hostile.payload}", f"INV {hostile.payload}"]


# --- formulas in the CSV ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil","x")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_csv_cell_that_a_spreadsheet_would_run_is_quoted(value):
    assert _csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["ACME Ltd", "", "INV-1", Decimal("-5.00"), None, 3])
def test_other_csv_cells_are_left_alone(value):
    assert _csv_cell(value) == value


@pytest.mark.django_db
def test_the_csv_export_defuses_formulas_from_the_books(client_member, company):
    supplier = SupplierFactory(company=company, name="=cmd|' /C calc'!A0")
    BillFactory(company=company, supplier=supplier, reference="@SUM(1+1)*cmd|' /C calc'!A0")
    BillFactory(company=company, supplier=supplier, reference="+1+1", supplier_name="-1+1")

    rows = list(csv.reader(io.StringIO(body(client_member.get(reverse("bills:inbox-csv"))))))

    cells = [cell for row in rows[1:] for cell in row[:2]]
    assert all(not cell or cell[0] not in "=+-@\t\r" for cell in cells), cells
    assert "'=cmd|' /C calc'!A0" in cells and "'+1+1" in cells and "'-1+1" in cells


# --- the same text arriving through a real sync of the sandbox books --------------------------


def _sync(company) -> None:
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        run = sync_start(company=company, trigger=SyncRun.Trigger.MANUAL)
    assert bills_sync(run_id=run.pk) == SyncOutcome.DONE


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("payload", PAYLOADS, ids=["script", "attribute"])
def test_hostile_text_synced_from_the_books_is_escaped(linked_company, payload):
    books = linked_company.seeded.company
    _sync(linked_company)
    bill = Bill.objects.filter(
        company=linked_company, codat_status="Open", amount_due__gt=0
    ).first()
    ledger_bill = store.ledger_get(books, "bills", bill.codat_bill_id)
    supplier_id = ledger_bill["supplierRef"]["id"]
    ledger_supplier = store.ledger_get(books, "suppliers", supplier_id)
    store.ledger_put(
        books, "suppliers", supplier_id, ledger_supplier | {"supplierName": f"ACME {payload}"}
    )
    lines = [line | {"description": f"Flour {payload}"} for line in ledger_bill["lineItems"]]
    changed = ledger_bill | {
        "reference": f"INV {payload}",
        "lineItems": lines,
        "supplierRef": ledger_bill["supplierRef"] | {"supplierName": f"ACME {payload}"},
    }
    store.ledger_put(books, "bills", bill.codat_bill_id, changed)
    store.sync_records(books, "suppliers")
    store.sync_records(books, "bills")

    _sync(linked_company)

    bill.refresh_from_db()
    assert (bill.reference, bill.supplier_name) == (f"INV {payload}", f"ACME {payload}")
    assert Supplier.objects.get(pk=bill.supplier_id).name == f"ACME {payload}"
    assert BillLine.objects.filter(bill=bill, description=f"Flour {payload}").exists()
    account = LedgerAccountFactory(company=linked_company, currency=bill.currency)
    AccountMappingFactory(company=linked_company, currency=bill.currency, account=account)
    owner = linked_company.memberships.get().user
    client = logged_in(owner, linked_company)
    pages = [
        reverse("bills:inbox") + "?view=all",
        reverse("bills:bill-detail", args=[bill.pk]),
        reverse("bills:suppliers"),
        reverse("payments:payment-new") + f"?bill={bill.pk}",
    ]
    for url in pages:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, url
            _assert_escaped(body(response), payload, url)


@pytest.mark.django_db
def test_a_member_name_with_markup_is_escaped_on_the_team_page(company, client_member):
    """Not from the books, but the same rule: people's names are typed by other people."""
    MembershipFactory(company=company, role="accountant", user__full_name=SCRIPT)

    response = client_member.get(reverse("onboarding:team"))

    _assert_escaped(body(response), SCRIPT, "team")


# --- attachments: names, ids and files from the books ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS, ids=["script", "attribute"])
def test_attachment_names_and_ids_from_the_books_are_escaped(
    client_member,
    company,
    connected,
    attachments_codat,
    empty_cache,
    payload,
):
    bill = BillFactory(company=company)
    attachments_codat.list_bill_attachments.return_value = [
        Attachment(id=f"a1{payload}", name=f"scan {payload}.pdf", content_type=f"x/{payload}")
    ]

    for headers in ({}, {"HX-Request": "true"}):
        response = client_member.get(
            reverse("bills:bill-attachments", args=[bill.pk]), headers=headers
        )
        assert response.status_code == 200
        _assert_escaped(body(response), payload, "bill-attachments")


@pytest.mark.django_db
def test_an_html_attachment_from_the_books_downloads_and_never_renders(
    client_member,
    company,
    connected,
    attachments_codat,
    empty_cache,
):
    bill = BillFactory(company=company)
    attachments_codat.get_bill_attachment.return_value = Attachment(
        id="a1", name=f'x"{SCRIPT}.html', content_type="text/html"
    )
    attachments_codat.download_bill_attachment.return_value = SCRIPT.encode()

    response = client_member.get(reverse("bills:bill-attachment-download", args=[bill.pk, "a1"]))

    assert response["Content-Disposition"].startswith("attachment;")
    assert "\n" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_an_attachment_id_with_a_slash_lists_and_downloads(
    client_member,
    company,
    connected,
    attachments_codat,
    empty_cache,
):
    """Ids are the books' to choose; one with "/" once made the whole list a 500."""
    bill = BillFactory(company=company)
    odd = Attachment(id="2024/scans/a1", name="scan.pdf", content_type="application/pdf")
    attachments_codat.list_bill_attachments.return_value = [odd]
    attachments_codat.get_bill_attachment.return_value = odd
    attachments_codat.download_bill_attachment.return_value = b"%PDF-1.7"

    listing = client_member.get(reverse("bills:bill-attachments", args=[bill.pk]))
    link = reverse("bills:bill-attachment-download", args=[bill.pk, odd.id])
    download = client_member.get(link)

    assert listing.status_code == 200 and f'href="{link}"' in body(listing)
    assert download.status_code == 200
    assert attachments_codat.download_bill_attachment.call_args.kwargs["attachment_id"] == odd.id
