import csv
import html
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billpay.bills import selectors
from billpay.bills.models import Bill, BillAllocation, SyncRun
from billpay.core.models import AuditEvent
from billpay.onboarding.models import User
from billpay.onboarding.tenancy import SESSION_COMPANY_KEY
from tests.factories import BillFactory, BillLineFactory, SupplierFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"

# (url name, takes a bill id, the one allowed method)
ROUTES = [
    ("bills:inbox", False, "get"),
    ("bills:inbox-totals", False, "get"),
    ("bills:inbox-csv", False, "get"),
    ("bills:bill-detail", True, "get"),
    ("bills:bill-attachments", True, "get"),
    ("bills:bill-attachment-download", True, "get"),
    ("bills:bill-review", True, "post"),
    ("bills:bill-note", True, "post"),
    ("bills:suppliers", False, "get"),
    ("bills:sync-now", False, "post"),
    ("bills:sync-status", False, "get"),
]
BILL_ROUTES = [route for route in ROUTES if route[1]]
ROUTE_IDS = [route[0] for route in ROUTES]

POST_DATA = {
    "bills:bill-review": {"decision": "approved"},
    "bills:bill-note": {"text": "Hello"},
}


def _url(name, bill=None):
    if name == "bills:bill-attachment-download":
        return reverse(name, args=[bill.pk, "a1"])
    return reverse(name, args=[bill.pk]) if bill is not None else reverse(name)


def _request(client, name, method, bill=None, **extra):
    url = _url(name, bill)
    if method == "post":
        return client.post(url, POST_DATA.get(name, {}), **extra)
    return client.get(url, **extra)


def _text(response) -> str:
    return response.content.decode()


def _inbox(client, **params):
    return client.get(reverse("bills:inbox"), params)


def _link(content: str, rel: str) -> dict[str, str]:
    """The attributes of the pager's <a rel="…">, unescaped."""
    tag = re.search(rf'<a [^>]*rel="{rel}"[^>]*>', content).group(0)
    return {k: html.unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', tag)}


def _csv_rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


# --- inbox ----------------------------------------------------------------------------------------


def test_inbox_shows_bills_with_amounts_formatted_in_their_currency(
    client_member, company, connected
):
    BillFactory(company=company, supplier_name="Acme Plumbing", total_amount=Decimal("1234.50"))
    BillFactory(
        company=company, supplier_name="Berlin GmbH", currency="EUR", total_amount=Decimal("99.9")
    )

    response = _inbox(client_member)

    assert response.status_code == 200
    assert "Acme Plumbing" in _text(response)
    assert "$1,234.50" in _text(response)
    assert "Berlin GmbH" in _text(response)
    assert "€99.90" in _text(response)


def test_inbox_highlights_overdue_bills(client_member, company, connected):
    BillFactory(company=company, due_date=timezone.localdate() - timedelta(days=3))

    response = _inbox(client_member)

    assert "overdue by 3 days" in _text(response)
    assert '<tr class="overdue">' in _text(response)


def test_inbox_says_how_soon_a_bill_is_due(client_member, company, connected):
    BillFactory(company=company, due_date=timezone.localdate() + timedelta(days=3))

    response = _inbox(client_member)

    assert "due in 3 days" in _text(response)
    assert '<tr class="overdue">' not in _text(response)


def test_inbox_lists_only_bills_matching_the_filter(client_member, company, connected):
    BillFactory(company=company, supplier_name="Paid Supplier", codat_status="Paid", amount_due=0)
    BillFactory(company=company, supplier_name="Owed Supplier")

    response = _inbox(client_member, view="paid")

    assert "Paid Supplier" in _text(response)
    assert "Owed Supplier" not in _text(response)


def test_inbox_search_finds_a_bill_by_line_description(client_member, company, connected):
    BillFactory(company=company, supplier_name="Acme", search_text="acme inv-1 copper pipe")
    BillFactory(company=company, supplier_name="Other", search_text="other inv-2 paint")

    response = _inbox(client_member, view="all", q="Copper")

    assert "Acme" in _text(response)
    assert "Other" not in _text(response)


def test_inbox_with_malformed_parameters_shows_the_bills_to_pay(client_member, company, connected):
    BillFactory(company=company, supplier_name="Owed Supplier")

    response = _inbox(client_member, view="bogus", sort="nope", after="garbage")

    assert response.status_code == 200
    assert "Owed Supplier" in _text(response)


def test_inbox_search_box_is_a_search_input_with_one_type(client_member, company, connected):
    response = _inbox(client_member)

    [tag] = re.findall(r'<input [^>]*name="q"[^>]*>', _text(response))
    assert tag.count("type=") == 1
    assert 'type="search"' in tag


def test_inbox_htmx_request_gets_only_the_bill_table(htmx_client, company, connected):
    BillFactory(company=company, supplier_name="Acme Plumbing")

    response = _inbox(htmx_client)

    assert response.status_code == 200
    assert "<html" not in _text(response)
    assert _text(response).lstrip().startswith('<section id="bill-table"')
    assert "Acme Plumbing" in _text(response)
    assert 'id="inbox-filters"' not in _text(response)


def test_inbox_htmx_history_restore_request_gets_the_full_page(htmx_client, company, connected):
    BillFactory(company=company, supplier_name="Acme Plumbing")

    response = htmx_client.get(reverse("bills:inbox"), HTTP_HX_HISTORY_RESTORE_REQUEST="true")

    assert "<html" in _text(response)
    assert 'id="inbox-filters"' in _text(response)
    assert 'id="bill-table"' in _text(response)


def test_inbox_varies_on_the_htmx_header(client_member, company, connected):
    response = _inbox(client_member)

    assert "HX-Request" in response["Vary"]


def test_inbox_pager_links_work_with_and_without_htmx(
    client_member, company, connected, monkeypatch
):
    monkeypatch.setattr(selectors.inbox, "PAGE_SIZE", 2)
    for name in ["Supplier A", "Supplier B", "Supplier C"]:
        BillFactory(company=company, supplier_name=name)

    response = _inbox(client_member, view="all", sort="supplier")

    link = _link(_text(response), "next")
    assert link["href"].startswith("?view=all&sort=supplier&after=")
    assert link["hx-get"] == reverse("bills:inbox") + link["href"]
    assert link["hx-push-url"] == "true"
    assert link["hx-target"] == "#bill-table"
    assert 'rel="prev"' not in _text(response)


def test_inbox_next_page_shows_the_rest_and_links_back(
    client_member, company, connected, monkeypatch
):
    monkeypatch.setattr(selectors.inbox, "PAGE_SIZE", 2)
    for name in ["Supplier A", "Supplier B", "Supplier C"]:
        BillFactory(company=company, supplier_name=name)
    first = _inbox(client_member, view="all", sort="supplier")

    second = client_member.get(reverse("bills:inbox") + _link(_text(first), "next")["href"])

    assert "Supplier C" in _text(second)
    assert "Supplier A" not in _text(second)
    back = client_member.get(_link(_text(second), "prev")["hx-get"])
    assert "Supplier A" in _text(back) and "Supplier B" in _text(back)
    assert "Supplier C" not in _text(back)


def test_inbox_pager_shows_no_count_word_without_a_count(client_member, company, connected):
    BillFactory(company=company)

    response = _inbox(client_member)

    pager = re.search(r'<div class="pager">.*?</div>', _text(response), re.S).group(0)
    assert "bill" not in re.sub(r"<[^>]+>", "", pager).lower()
    assert "Export CSV" in pager


def test_inbox_without_a_connection_invites_to_connect(client_member, company):
    response = _inbox(client_member)

    assert "Connect your accounting software" in _text(response)
    assert reverse("onboarding:connect") in _text(response)
    assert 'id="bill-table"' not in _text(response)


def test_inbox_with_nothing_to_pay_says_so(client_member, company, connected):
    SyncRun.objects.create(company=company, trigger=SyncRun.Trigger.LINK, status="succeeded")
    BillFactory(company=company, codat_status="Paid", amount_due=0)

    response = _inbox(client_member)

    assert "Nothing to pay" in _text(response)
    assert "No bills match" not in _text(response)


def test_inbox_with_a_filter_matching_nothing_says_no_bills_match(
    client_member, company, connected
):
    BillFactory(company=company, supplier_name="Acme")

    response = _inbox(client_member, q="zzz")

    assert "No bills match" in _text(response)
    assert "Nothing to pay" not in _text(response)


def test_inbox_during_the_first_sync_says_bills_are_on_their_way(client_member, company, connected):
    SyncRun.objects.create(company=company, trigger=SyncRun.Trigger.LINK, status="running")

    response = _inbox(client_member)

    assert "Your bills are on their way" in _text(response)
    assert 'hx-trigger="every 2s"' in _text(response)


def test_inbox_never_shows_another_companys_bills(client_member, company, other_company, connected):
    BillFactory(company=other_company, supplier_name="Charlie Secret Supplier")

    response = _inbox(client_member, view="all")

    assert "Charlie Secret Supplier" not in _text(response)
    assert "No bills match" in _text(response)


def _inbox_query_count(client) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = _inbox(client)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("n", [30, 300])
def test_inbox_takes_at_most_ten_queries(
    client_member, company, connected, django_assert_max_num_queries, n
):
    BillFactory.create_batch(n, company=company, supplier=SupplierFactory(company=company))

    with django_assert_max_num_queries(10):
        response = _inbox(client_member)

    assert response.status_code == 200


def test_the_everyday_inbox_reads_the_user_their_companies_and_the_page_of_bills(
    client_member, company, connected
):
    """Session from the cache, the connection with the membership, no sync-run lookup once the
    books have been read: three queries (with the currencies cached, as between syncs)."""
    connected.last_synced_at = timezone.now()
    connected.save()
    BillFactory.create_batch(5, company=company, supplier=SupplierFactory(company=company))
    _inbox(client_member)  # warms the session and currencies caches

    with CaptureQueriesContext(connection) as queries:
        response = _inbox(client_member)

    assert response.status_code == 200
    tables = [q["sql"].split(" FROM ")[1].split()[0].strip('"') for q in queries]
    assert tables == ["onboarding_user", "onboarding_membership", "bills_bill"]


def test_inbox_queries_do_not_grow_with_the_number_of_bills(client_member, company, connected):
    supplier = SupplierFactory(company=company)
    BillFactory.create_batch(30, company=company, supplier=supplier)
    with_30 = _inbox_query_count(client_member)

    BillFactory.create_batch(270, company=company, supplier=supplier)

    assert _inbox_query_count(client_member) == with_30


# --- totals and CSV -------------------------------------------------------------------------------


def test_totals_page_shows_exact_totals_per_currency(client_member, company, connected):
    BillFactory(company=company, total_amount=Decimal("0.10"))
    BillFactory(company=company, total_amount=Decimal("0.20"))
    BillFactory(company=company, currency="EUR", total_amount=Decimal("1000.00"))

    response = client_member.get(reverse("bills:inbox-totals"))

    assert "<html" in _text(response)
    assert "$0.30" in _text(response)
    assert "2 bills in USD" in _text(response)
    assert "€1,000.00" in _text(response)
    assert "1 bill in EUR" in _text(response)


def test_totals_htmx_request_gets_the_totals_partial(htmx_client, company, connected):
    BillFactory(company=company, total_amount=Decimal("120.00"))

    response = htmx_client.get(reverse("bills:inbox-totals"))

    assert "<html" not in _text(response)
    assert _text(response).lstrip().startswith('<div id="inbox-totals"')
    assert "$120.00" in _text(response)


def test_totals_follow_the_inbox_filter(client_member, company, connected):
    BillFactory(company=company, total_amount=Decimal("10.00"))
    BillFactory(company=company, currency="EUR", total_amount=Decimal("20.00"))

    response = client_member.get(reverse("bills:inbox-totals"), {"currency": "eur"})

    assert "€20.00" in _text(response)
    assert "$10.00" not in _text(response)
    assert "currency=EUR" in _text(response)


def test_totals_vary_on_the_htmx_header(client_member, company, connected):
    response = client_member.get(reverse("bills:inbox-totals"))

    assert "HX-Request" in response["Vary"]


def test_totals_with_nothing_matching_say_so(client_member, company, connected):
    response = client_member.get(reverse("bills:inbox-totals"))

    assert "No totals: no bills match." in _text(response)


def test_the_export_link_follows_a_filter_changed_over_htmx(htmx_client, company, connected):
    BillFactory(company=company, codat_status="Paid", amount_due=0)

    response = _inbox(htmx_client, view="paid", currency="usd")

    href = html.unescape(
        re.search(r'<a href="([^"]*)" download>Export CSV', _text(response)).group(1)
    )
    assert href == reverse("bills:inbox-csv") + "?view=paid&currency=USD"


def test_the_export_link_downloads_the_bills_on_screen(client_member, company, connected):
    BillFactory(company=company, supplier_name="Paid Supplier", codat_status="Paid", amount_due=0)
    BillFactory(company=company, supplier_name="Owed Supplier")
    page = _inbox(client_member, view="paid")
    href = html.unescape(re.search(r'<a href="([^"]*)" download>Export CSV', _text(page)).group(1))

    rows = _csv_rows(client_member.get(href))

    assert [r["supplier_name"] for r in rows] == ["Paid Supplier"]


def test_csv_export_is_a_csv_attachment(client_member, company, connected):
    response = client_member.get(reverse("bills:inbox-csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="bills-')


def test_csv_export_lists_the_bills_of_the_current_filter_with_exact_amounts(
    client_member, company, connected
):
    BillFactory(
        company=company,
        supplier_name="Acme",
        reference="INV-1",
        currency="EUR",
        total_amount=Decimal("1234.50"),
        amount_due=Decimal("0.10"),
        codat_status="PartiallyPaid",
    )
    BillFactory(company=company, supplier_name="Acme", currency="USD")
    BillFactory(company=company, supplier_name="Bygone", currency="EUR", codat_status="Void")

    rows = _csv_rows(client_member.get(reverse("bills:inbox-csv"), {"currency": "EUR"}))

    assert [(r["supplier_name"], r["reference"], r["currency"]) for r in rows] == [
        ("Acme", "INV-1", "EUR")
    ]
    assert Decimal(rows[0]["total_amount"]) == Decimal("1234.50")
    assert Decimal(rows[0]["amount_due"]) == Decimal("0.10")
    assert re.fullmatch(r"\d+\.\d+", rows[0]["amount_due"])  # a plain decimal, never 1E-1
    assert rows[0]["codat_status"] == "PartiallyPaid"


def test_csv_export_follows_the_sort(client_member, company, connected):
    for name in ["Zed", "Abe", "Max"]:
        BillFactory(company=company, supplier_name=name)

    rows = _csv_rows(client_member.get(reverse("bills:inbox-csv"), {"sort": "supplier"}))

    assert [r["supplier_name"] for r in rows] == ["Abe", "Max", "Zed"]


def test_csv_export_never_includes_another_companys_bills(
    client_member, company, other_company, connected
):
    BillFactory(company=other_company, supplier_name="Charlie Secret Supplier")

    rows = _csv_rows(client_member.get(reverse("bills:inbox-csv"), {"view": "all"}))

    assert rows == []


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_csv_export_neutralises_spreadsheet_formulas_in_text(
    client_member, company, connected, payload
):
    BillFactory(company=company, supplier_name=payload, reference=payload)

    [row] = _csv_rows(client_member.get(reverse("bills:inbox-csv")))

    assert row["supplier_name"] == "'" + payload
    assert row["reference"] == "'" + payload
    assert Decimal(row["amount_due"]) == Decimal("120.00")


# --- bill detail ----------------------------------------------------------------------------------


def test_bill_detail_shows_lines_and_totals(client_member, company, connected):
    bill = BillFactory(
        company=company,
        sub_total=Decimal("1000.00"),
        tax_amount=Decimal("234.50"),
        total_amount=Decimal("1234.50"),
    )
    BillLineFactory(
        bill=bill,
        description="Copper pipe",
        quantity=Decimal("4"),
        unit_amount=Decimal("250.00"),
        total_amount=Decimal("1000.00"),
        account_name="Materials",
    )

    response = client_member.get(reverse("bills:bill-detail", args=[bill.pk]))

    assert response.status_code == 200
    assert "Copper pipe" in _text(response)
    assert "Materials" in _text(response)
    assert '<td class="num">4</td>' in _text(response)
    assert "$250.00" in _text(response)
    assert "$1,000.00" in _text(response)
    assert "$234.50" in _text(response)
    assert "$1,234.50" in _text(response)


def test_bill_detail_shows_payments_recorded_in_the_books(client_member, company, connected):
    bill = BillFactory(company=company, total_amount=Decimal("100.00"), amount_due=Decimal("60.00"))
    BillAllocation.objects.create(
        company=company,
        bill=bill,
        amount=Decimal("40.00"),
        currency="USD",
        allocated_on=timezone.now(),
        payment_note="Cheque 1001",
    )

    response = client_member.get(reverse("bills:bill-detail", args=[bill.pk]))

    assert "$40.00 on" in _text(response)
    assert "Cheque 1001" in _text(response)
    assert "$60.00</strong> of $100.00" in _text(response)
    assert "No payments recorded yet." not in _text(response)


@pytest.mark.parametrize(
    ("quantity", "shown"),
    [("10", "10"), ("100", "100"), ("2.5", "2.5"), ("0.3333", "0.3333"), ("1", "1")],
)
def test_bill_detail_shows_line_quantities_as_plain_numbers(
    client_member, company, connected, quantity, shown
):
    bill = BillFactory(company=company)
    BillLineFactory(bill=bill, quantity=Decimal(quantity))

    response = client_member.get(reverse("bills:bill-detail", args=[bill.pk]))

    assert f'<td class="num">{shown}</td>' in _text(response)
    assert "E+" not in _text(response)


def test_bill_detail_shows_a_payment_without_a_currency_in_the_bills_currency(
    client_member, company, connected
):
    bill = BillFactory(company=company, currency="EUR")
    BillAllocation.objects.create(
        company=company, bill=bill, amount=Decimal("40.00"), currency="", paid_on=timezone.now()
    )

    response = client_member.get(reverse("bills:bill-detail", args=[bill.pk]))

    assert "€40.00 on" in _text(response)
    assert "recorded a payment: <em>€40.00</em>" in _text(response)


def test_bill_detail_shows_the_review_section(client_member, company, connected):
    bill = BillFactory(company=company)

    response = client_member.get(reverse("bills:bill-detail", args=[bill.pk]))

    assert 'id="bill-review"' in _text(response)
    assert "To review" in _text(response)
    assert 'value="approved"' in _text(response)
    assert 'value="rejected"' in _text(response)


def test_bill_detail_htmx_request_gets_the_drawer(htmx_client, company, connected):
    bill = BillFactory(company=company, supplier_name="Acme Plumbing")

    response = htmx_client.get(reverse("bills:bill-detail", args=[bill.pk]))

    assert "<html" not in _text(response)
    assert _text(response).lstrip().startswith('<aside id="bill-drawer"')
    assert "Acme Plumbing" in _text(response)
    assert "Open as page" in _text(response)


def test_bill_detail_of_a_deleted_bill_is_a_404(client_member, company, connected):
    bill = BillFactory(company=company, is_deleted=True)

    response = client_member.get(reverse("bills:bill-detail", args=[bill.pk]))

    assert response.status_code == 404


def _detail_query_count(client, bill) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("bills:bill-detail", args=[bill.pk]))
    assert response.status_code == 200
    return len(queries)


def test_bill_detail_queries_do_not_grow_with_lines_or_payments(client_member, company, user):
    bill = BillFactory(company=company)
    BillLineFactory(bill=bill)
    with_one = _detail_query_count(client_member, bill)

    for _ in range(20):
        BillLineFactory(bill=bill)
        BillAllocation.objects.create(
            company=company,
            bill=bill,
            amount=Decimal("1.00"),
            currency="USD",
            paid_on=timezone.now(),
        )
        AuditEvent.objects.create(
            company=company, actor=user, action="bill.note", ref=f"bill:{bill.pk}"
        )

    assert _detail_query_count(client_member, bill) == with_one


# --- review ---------------------------------------------------------------------------------------


def _review(client, bill, **data):
    return client.post(reverse("bills:bill-review", args=[bill.pk]), data)


@pytest.mark.parametrize("who", ["user", "accountant"])
def test_approving_a_bill_records_who_approved_it(request, company, who):
    client = request.getfixturevalue(f"client_{'member' if who == 'user' else who}")
    actor = request.getfixturevalue(who)
    bill = BillFactory(company=company)

    response = _review(client, bill, decision="approved")

    assert response.status_code == 302
    assert response.url == reverse("bills:bill-detail", args=[bill.pk])
    bill.refresh_from_db()
    assert (bill.review_status, bill.reviewed_by, bill.reviewed_at is not None) == (
        "approved",
        actor,
        True,
    )
    event = AuditEvent.objects.get(ref=f"bill:{bill.pk}")
    assert (event.action, event.actor, event.company) == ("bill.review.approved", actor, company)


@pytest.mark.parametrize("who", ["user", "accountant"])
def test_rejecting_a_bill_with_a_reason_records_it(request, company, who):
    client = request.getfixturevalue(f"client_{'member' if who == 'user' else who}")
    actor = request.getfixturevalue(who)
    bill = BillFactory(company=company)

    _review(client, bill, decision="rejected", reason="  VAT number missing ")

    bill.refresh_from_db()
    assert (bill.review_status, bill.review_reason, bill.reviewed_by) == (
        "rejected",
        "VAT number missing",
        actor,
    )
    event = AuditEvent.objects.get(ref=f"bill:{bill.pk}")
    assert (event.action, event.actor, event.data) == (
        "bill.review.rejected",
        actor,
        {"reason": "VAT number missing"},
    )


@pytest.mark.parametrize("who", ["user", "accountant"])
def test_resetting_a_review_makes_the_bill_pending_again(request, company, who):
    client = request.getfixturevalue(f"client_{'member' if who == 'user' else who}")
    actor = request.getfixturevalue(who)
    bill = BillFactory(company=company)
    _review(client, bill, decision="rejected", reason="Wrong amount")

    _review(client, bill, decision="pending")

    bill.refresh_from_db()
    assert (bill.review_status, bill.review_reason, bill.reviewed_by, bill.reviewed_at) == (
        "pending",
        "",
        None,
        None,
    )
    event = AuditEvent.objects.filter(ref=f"bill:{bill.pk}").first()
    assert (event.action, event.actor) == ("bill.review.pending", actor)


def test_rejecting_without_a_reason_shows_an_error_and_changes_nothing(client_member, company):
    bill = BillFactory(company=company)

    response = client_member.post(
        reverse("bills:bill-review", args=[bill.pk]), {"decision": "rejected"}, follow=True
    )

    assert "Say why the bill is rejected" in _text(response)
    bill.refresh_from_db()
    assert bill.review_status == "pending"
    assert not AuditEvent.objects.filter(ref=f"bill:{bill.pk}").exists()


def test_rejecting_without_a_reason_over_htmx_rerenders_the_form_with_the_error(
    htmx_client, company
):
    bill = BillFactory(company=company, review_status=Bill.Review.APPROVED)

    response = _review(htmx_client, bill, decision="rejected", reason="   ")

    assert response.status_code == 200
    assert _text(response).lstrip().startswith('<section id="bill-review"')
    assert "Say why the bill is rejected" in _text(response)
    assert "HX-Trigger" not in response
    bill.refresh_from_db()
    assert bill.review_status == "approved"


def test_an_unknown_decision_changes_nothing(client_member, company):
    bill = BillFactory(company=company)

    response = _review(client_member, bill, decision="paid")

    assert response.status_code == 302
    bill.refresh_from_db()
    assert bill.review_status == "pending"
    assert not AuditEvent.objects.filter(ref=f"bill:{bill.pk}").exists()


@pytest.mark.parametrize("who", ["user", "accountant"])
def test_htmx_review_returns_the_review_partial_and_triggers_bill_reviewed(request, company, who):
    actor = request.getfixturevalue(who)
    client = Client(HTTP_HX_REQUEST="true")
    client.force_login(actor)
    bill = BillFactory(company=company)

    response = _review(client, bill, decision="approved")

    assert response.status_code == 200
    assert "<html" not in _text(response)
    assert _text(response).lstrip().startswith('<section id="bill-review"')
    assert "Approved" in _text(response)
    assert f"by {actor}" in _text(response)
    assert "billReviewed" in response["HX-Trigger"]
    bill.refresh_from_db()
    assert bill.review_status == "approved"


def test_approving_twice_records_one_event(client_member, company):
    bill = BillFactory(company=company)

    _review(client_member, bill, decision="approved")
    _review(client_member, bill, decision="approved")

    assert AuditEvent.objects.filter(ref=f"bill:{bill.pk}").count() == 1


def test_a_review_shows_in_the_bill_activity(client_member, company, user):
    bill = BillFactory(company=company)
    _review(client_member, bill, decision="rejected", reason="Duplicate of INV-9")

    response = client_member.get(reverse("bills:bill-detail", args=[bill.pk]))

    assert f"{user} rejected the bill" in _text(response)
    assert "Duplicate of INV-9" in _text(response)


# --- notes ----------------------------------------------------------------------------------------


def test_adding_a_note_shows_it_in_the_activity(client_member, company, user):
    bill = BillFactory(company=company)

    response = client_member.post(
        reverse("bills:bill-note", args=[bill.pk]), {"text": "Called Acme about it"}, follow=True
    )

    assert f"{user} added a note" in _text(response)
    assert "Called Acme about it" in _text(response)
    event = AuditEvent.objects.get(ref=f"bill:{bill.pk}")
    assert (event.action, event.actor, event.data) == (
        "bill.note",
        user,
        {"text": "Called Acme about it"},
    )


def test_adding_a_note_over_htmx_returns_the_activity_partial(htmx_client, company):
    bill = BillFactory(company=company)

    response = htmx_client.post(
        reverse("bills:bill-note", args=[bill.pk]), {"text": "Paid by card"}
    )

    assert "<html" not in _text(response)
    assert _text(response).lstrip().startswith('<section id="bill-activity"')
    assert "Paid by card" in _text(response)


def test_an_empty_note_is_refused_with_a_message(client_member, company):
    bill = BillFactory(company=company)

    response = client_member.post(
        reverse("bills:bill-note", args=[bill.pk]), {"text": ""}, follow=True
    )

    assert "Write something in the note first." in _text(response)
    assert not AuditEvent.objects.filter(ref=f"bill:{bill.pk}").exists()


def test_an_empty_note_over_htmx_rerenders_the_form_with_the_error(htmx_client, company):
    bill = BillFactory(company=company)

    response = htmx_client.post(reverse("bills:bill-note", args=[bill.pk]), {"text": ""})

    assert response.status_code == 200
    assert "This field is required." in _text(response)
    assert not AuditEvent.objects.filter(ref=f"bill:{bill.pk}").exists()


# --- suppliers ------------------------------------------------------------------------------------


def test_suppliers_page_shows_open_balance_per_currency_and_bill_count(
    client_member, company, connected
):
    acme = SupplierFactory(company=company, name="Acme Plumbing", codat_supplier_id="sup-acme")
    BillFactory(company=company, supplier=acme, total_amount=Decimal("1234.50"))
    BillFactory(company=company, supplier=acme, currency="EUR", total_amount=Decimal("99.90"))
    BillFactory(company=company, supplier=acme, codat_status="Paid", amount_due=0)

    response = client_member.get(reverse("bills:suppliers"))

    content = _text(response)
    assert "Acme Plumbing" in content
    assert "€99.90<br>$1,234.50" in content
    assert '<td class="num">3</td>' in content


def test_suppliers_page_links_to_the_inbox_filtered_by_supplier(client_member, company, connected):
    acme = SupplierFactory(company=company, name="Acme Plumbing", codat_supplier_id="sup-acme")
    BillFactory(company=company, supplier=acme, reference="ACME-1")
    BillFactory(company=company, reference="OTHER-1")
    href = html.unescape(
        re.search(
            r'href="([^"]*)">Acme Plumbing', _text(client_member.get(reverse("bills:suppliers")))
        ).group(1)
    )

    response = client_member.get(href)

    assert href == reverse("bills:inbox") + "?view=all&supplier=sup-acme"
    assert "ACME-1" in _text(response)
    assert "OTHER-1" not in _text(response)
    assert "Supplier filter on" in _text(response)


def test_suppliers_page_never_shows_another_companys_suppliers(client_member, other_company):
    SupplierFactory(company=other_company, name="Charlie Secret Supplier")

    response = client_member.get(reverse("bills:suppliers"))

    assert "Charlie Secret Supplier" not in _text(response)
    assert "No suppliers yet." in _text(response)


# --- sync -----------------------------------------------------------------------------------------


def test_sync_now_queues_a_manual_sync_and_redirects_back(
    client_member, company, connected, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_member.post(reverse("bills:sync-now"), {"next": "/bills/?view=all"})

    assert response.status_code == 302
    assert response.url == "/bills/?view=all"
    run = SyncRun.objects.get(company=company)
    assert (run.trigger, run.status) == ("manual", "queued")
    assert len(callbacks) == 1


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http:evil.example"]
)
def test_sync_now_never_redirects_to_another_site(client_member, company, connected, target):
    response = client_member.post(reverse("bills:sync-now"), {"next": target})

    assert response.status_code == 302
    assert response.url == reverse("onboarding:connection")


def test_sync_now_over_htmx_returns_a_polling_status(htmx_client, company, connected):
    response = htmx_client.post(reverse("bills:sync-now"))

    assert _text(response).lstrip().startswith('<div id="sync-status"')
    assert 'hx-trigger="every 2s"' in _text(response)


def test_sync_status_keeps_polling_while_a_sync_runs(htmx_client, company, connected):
    SyncRun.objects.create(company=company, trigger="manual", status="running", records_read=1500)

    response = htmx_client.get(reverse("bills:sync-status"))

    assert response.status_code == 200
    assert "1,500 records read" in _text(response)


def test_sync_status_stops_polling_once_the_sync_is_over(htmx_client, company, connected):
    SyncRun.objects.create(company=company, trigger="manual", status="succeeded")

    response = htmx_client.get(reverse("bills:sync-status"))

    assert response.status_code == 286
    assert "syncFinished" in response["HX-Trigger"]


# --- methods, tenancy, login ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "takes_bill", "method"), ROUTES, ids=ROUTE_IDS)
def test_the_wrong_http_method_is_refused(client_member, company, name, takes_bill, method):
    bill = BillFactory(company=company) if takes_bill else None

    response = _request(client_member, name, "get" if method == "post" else "post", bill)

    assert response.status_code == 405


@pytest.mark.parametrize(
    ("name", "takes_bill", "method"), BILL_ROUTES, ids=[r[0] for r in BILL_ROUTES]
)
def test_another_companys_bill_is_a_404(
    client_member, company, other_company, connected, attachments_codat, name, takes_bill, method
):
    theirs = BillFactory(company=other_company)

    response = _request(client_member, name, method, theirs)

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.review_status == "pending"
    assert not AuditEvent.objects.exists()
    attachments_codat.factory.assert_not_called()


@pytest.fixture
def charlie_client(other_company):
    """A member of other_company only, whose session points at `company`."""
    charlie = User.objects.get(email="charlie@example.com")
    client = Client()
    client.force_login(charlie)
    return client


@pytest.mark.parametrize(("name", "takes_bill", "method"), ROUTES, ids=ROUTE_IDS)
def test_a_member_of_another_company_gets_a_404_for_every_bills_url(
    charlie_client, company, connected, attachments_codat, name, takes_bill, method
):
    bill = BillFactory(company=company) if takes_bill else None
    session = charlie_client.session
    session[SESSION_COMPANY_KEY] = company.pk
    session.save()

    response = _request(charlie_client, name, method, bill)

    assert response.status_code == 404
    assert not SyncRun.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("name", "takes_bill", "method"), BILL_ROUTES, ids=[r[0] for r in BILL_ROUTES]
)
def test_a_member_of_another_company_gets_a_404_for_our_bill_ids(
    charlie_client, company, other_company, name, takes_bill, method
):
    ours = BillFactory(company=company)

    response = _request(charlie_client, name, method, ours)

    assert response.status_code == 404


@pytest.mark.parametrize(("name", "takes_bill", "method"), ROUTES, ids=ROUTE_IDS)
def test_anonymous_users_are_sent_to_log_in(client, company, name, takes_bill, method):
    bill = BillFactory(company=company) if takes_bill else None

    response = _request(client, name, method, bill)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


# --- escaping -------------------------------------------------------------------------------------


def test_markup_in_a_supplier_name_and_reference_is_escaped_in_the_inbox(
    client_member, company, connected
):
    BillFactory(company=company, supplier_name=SCRIPT, reference=SCRIPT)

    response = _inbox(client_member)

    assert SCRIPT not in _text(response)
    assert _text(response).count(ESCAPED_SCRIPT) == 2


def test_markup_in_a_bill_is_escaped_on_the_bill_page(client_member, company, connected):
    supplier = SupplierFactory(company=company, name=SCRIPT, contact_name=SCRIPT)
    bill = BillFactory(company=company, supplier=supplier, reference=SCRIPT, note=SCRIPT)
    BillLineFactory(bill=bill, description=SCRIPT, account_name=SCRIPT)

    response = client_member.get(reverse("bills:bill-detail", args=[bill.pk]))

    assert SCRIPT not in _text(response)
    assert ESCAPED_SCRIPT in _text(response)


def test_markup_in_notes_and_reasons_is_escaped_in_the_activity(client_member, company):
    bill = BillFactory(company=company)
    _review(client_member, bill, decision="rejected", reason=SCRIPT)
    client_member.post(reverse("bills:bill-note", args=[bill.pk]), {"text": SCRIPT})

    response = client_member.get(reverse("bills:bill-detail", args=[bill.pk]))

    assert SCRIPT not in _text(response)
    assert _text(response).count(ESCAPED_SCRIPT) >= 3  # reason twice (review, activity), note


def test_markup_in_a_supplier_name_is_escaped_on_the_suppliers_page(client_member, company):
    SupplierFactory(company=company, name=SCRIPT)

    response = client_member.get(reverse("bills:suppliers"))

    assert SCRIPT not in _text(response)
    assert ESCAPED_SCRIPT in _text(response)


def test_markup_in_the_search_box_is_escaped(client_member, company, connected):
    response = _inbox(client_member, q=SCRIPT)

    assert SCRIPT not in _text(response)
    assert ESCAPED_SCRIPT in _text(response)


def test_markup_in_an_attachment_name_is_escaped(
    client_member, company, connected, attachments_codat
):
    from billpay.codat.schemas import Attachment

    bill = BillFactory(company=company)
    attachments_codat.list_bill_attachments.return_value = [Attachment(id="a1", name=SCRIPT)]

    response = client_member.get(reverse("bills:bill-attachments", args=[bill.pk]))

    assert SCRIPT not in _text(response)
    assert ESCAPED_SCRIPT in _text(response)


def test_approving_twice_records_one_event_even_with_a_reason_typed(client_member, company):
    from billpay.core.models import AuditEvent
    from tests.factories import BillFactory

    bill = BillFactory(company=company)
    url = f"/bills/{bill.pk}/review/"
    client_member.post(url, {"decision": "approved"})

    client_member.post(url, {"decision": "approved", "reason": "looks fine"})

    assert (
        AuditEvent.objects.filter(ref=f"bill:{bill.pk}", action="bill.review.approved").count() == 1
    )
