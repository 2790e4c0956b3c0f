"""Issue 12, point 3: the inbox's ticked bills — pay them (one payment per supplier, never a dead
end), or approve several at once."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from billpay.bills.models import Bill
from billpay.bills.services import bills_approve
from billpay.core.models import AuditEvent
from billpay.core.templatetags.money import money
from tests.factories import BillFactory, SupplierFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

SELECTION = reverse("bills:bill-selection")
PAY_SELECTED = reverse("bills:pay-selected")


def _select(client, bills, action="pay", **data):
    return client.post(SELECTION, {"bill": [b.pk for b in bills], "action": action, **data})


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --- the inbox shows the selection and a Pay action per row ------------------------------------------


def test_inbox_offers_select_all_a_count_and_a_pay_action_per_row(
    client_member, company, connected
):
    bill = BillFactory(company=company)

    content = client_member.get(reverse("bills:inbox")).content.decode()

    assert 'data-select-all aria-label="Select all bills on this page"' in content
    assert "data-selection-count" in content
    assert f'action="{SELECTION}"' in content
    assert f'href="{reverse("payments:payment-new")}?bill={bill.pk}"' in content
    assert ">Approve selected</button>" in content


def test_the_selection_remembers_the_inbox_filters(client_member, company, connected):
    BillFactory(company=company, due_date=timezone.localdate() - timedelta(days=3))

    content = client_member.get(reverse("bills:inbox"), {"view": "overdue"}).content.decode()

    assert '<input type="hidden" name="params" value="view=overdue">' in content


# --- pay selected ---------------------------------------------------------------------------------


def test_paying_nothing_selected_goes_back_to_the_inbox_with_a_word_not_a_404(
    client_member, connected
):
    response = _select(client_member, [], params="view=overdue")

    assert response.status_code == 302
    assert response.url == reverse("bills:inbox") + "?view=overdue"
    page = client_member.get(response.url).content.decode()
    assert "Tick the bills to pay first." in page


def test_pay_selected_opened_without_bills_goes_back_to_the_inbox(client_member, connected):
    response = client_member.get(PAY_SELECTED)

    assert (response.status_code, response.url) == (302, reverse("bills:inbox"))


def test_paying_bills_of_one_supplier_goes_straight_to_the_payment(client_member, company):
    supplier = SupplierFactory(company=company)
    bills = BillFactory.create_batch(2, company=company, supplier=supplier)

    response = client_member.get(client_member.post(SELECTION, {"bill": [b.pk for b in bills]}).url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("payments:payment-new"))
    assert sorted(_query(response.url)["bill"]) == sorted(str(b.pk) for b in bills)


def test_paying_bills_of_several_suppliers_explains_and_offers_one_payment_each(
    client_member, company
):
    a = SupplierFactory(company=company, name="Acme Paper")
    b = SupplierFactory(company=company, name="Blue Freight")
    a1 = BillFactory(company=company, supplier=a, amount_due=Decimal("10.10"))
    a2 = BillFactory(company=company, supplier=a, amount_due=Decimal("0.20"))
    b1 = BillFactory(company=company, supplier=b, currency="EUR", amount_due=Decimal("7.00"))

    response = client_member.get(_select(client_member, [a1, b1, a2]).url)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Pay these bills in 2 payments" in content
    assert "One payment goes to one supplier in one currency" in content
    assert money(Decimal("10.30"), "USD") in content  # exact, per supplier
    assert money(Decimal("7.00"), "EUR") in content
    new = reverse("payments:payment-new")
    assert f'href="{new}?bill={a1.pk}&amp;bill={a2.pk}"' in content
    assert f'href="{new}?bill={b1.pk}"' in content


def test_the_pay_form_opened_with_two_suppliers_links_to_the_split(client_member, company):
    one = BillFactory(company=company)
    two = BillFactory(company=company, supplier=SupplierFactory(company=company))

    response = client_member.get(reverse("payments:payment-new"), {"bill": [one.pk, two.pk]})

    assert f'href="{PAY_SELECTED}?bill={one.pk}&amp;bill={two.pk}"' in response.content.decode()


def test_one_supplier_in_two_currencies_is_two_payments(client_member, company):
    supplier = SupplierFactory(company=company)
    usd = BillFactory(company=company, supplier=supplier)
    eur = BillFactory(company=company, supplier=supplier, currency="EUR")

    response = client_member.get(PAY_SELECTED, {"bill": [usd.pk, eur.pk]})

    assert response.status_code == 200
    assert "Pay these bills in 2 payments" in response.content.decode()


def test_a_paid_bill_in_the_selection_is_left_out_and_said_so(client_member, company):
    open_bill = BillFactory(company=company)
    paid = BillFactory(company=company, amount_due=Decimal("0"), codat_status="Paid")

    response = client_member.get(PAY_SELECTED, {"bill": [open_bill.pk, paid.pk]})

    content = response.content.decode()
    assert "1 bill left out" in content
    assert f"?bill={open_bill.pk}" in content
    assert f'bill={paid.pk}"' not in content


def test_paying_another_companys_bill_from_the_selection_is_a_404(
    client_member, company, other_company
):
    mine = BillFactory(company=company)
    theirs = BillFactory(company=other_company)

    response = client_member.get(PAY_SELECTED, {"bill": [mine.pk, theirs.pk]})

    assert response.status_code == 404


def test_a_selection_value_that_is_not_a_bill_id_is_a_400(client_member):
    assert client_member.get(PAY_SELECTED, {"bill": "x"}).status_code == 400
    assert client_member.post(SELECTION, {"bill": "1e3"}).status_code == 400


@pytest.mark.parametrize(("url", "method"), [(SELECTION, "get"), (PAY_SELECTED, "post")])
def test_the_selection_urls_refuse_the_wrong_method(client_member, url, method):
    assert getattr(client_member, method)(url).status_code == 405


def test_the_inbox_filters_to_go_back_to_are_reparsed_never_a_url(client_member, connected):
    response = _select(client_member, [], params="q=a&view=//evil.example/")

    assert response.url == reverse("bills:inbox")  # malformed filters: the default inbox


# --- approve selected -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["user", "accountant"])
def test_approving_several_bills_at_once_records_who_approved_each(request, company, who):
    client = request.getfixturevalue(f"client_{'member' if who == 'user' else who}")
    actor = request.getfixturevalue(who)
    bills = BillFactory.create_batch(3, company=company)

    response = _select(client, bills, action="approve", params="view=all")

    assert (response.status_code, response.url) == (302, reverse("bills:inbox") + "?view=all")
    for bill in bills:
        bill.refresh_from_db()
        assert (bill.review_status, bill.reviewed_by) == (Bill.Review.APPROVED, actor)
    events = AuditEvent.objects.filter(action="bill.review.approved", company=company)
    assert sorted(e.ref for e in events) == sorted(f"bill:{b.pk}" for b in bills)
    assert "Approved 3 bills." in client.get(response.url).content.decode()


def test_approving_nothing_selected_says_so(client_member, connected):
    response = _select(client_member, [], action="approve")

    assert "Tick the bills to approve first." in client_member.get(response.url).content.decode()


def test_approving_another_companys_bill_is_a_404_and_changes_nothing(
    client_member, company, other_company
):
    mine = BillFactory(company=company)
    theirs = BillFactory(company=other_company)

    response = _select(client_member, [mine, theirs], action="approve")

    assert response.status_code == 404
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.review_status == theirs.review_status == Bill.Review.PENDING


def test_bulk_approval_is_idempotent_and_counts_bills_approved_before(company, user):
    bills = BillFactory.create_batch(2, company=company)
    first = bills_approve(company=company, actor=user, bills=bills[:1])

    again = bills_approve(company=company, actor=user, bills=bills)

    assert (first.approved, first.already) == (1, 0)
    assert (again.approved, again.already) == (1, 1)
    assert AuditEvent.objects.filter(action="bill.review.approved").count() == 2


def test_bulk_approval_clears_a_rejection_reason(company, user):
    bill = BillFactory(company=company, review_status="rejected", review_reason="Wrong amount")

    bills_approve(company=company, actor=user, bills=[bill])

    bill.refresh_from_db()
    assert (bill.review_status, bill.review_reason) == ("approved", "")


def test_bulk_approval_touches_only_the_companys_bills(company, other_company, user):
    theirs = BillFactory(company=other_company)

    outcome = bills_approve(company=company, actor=user, bills=[theirs])

    theirs.refresh_from_db()
    assert (outcome.approved, theirs.review_status) == (0, Bill.Review.PENDING)
