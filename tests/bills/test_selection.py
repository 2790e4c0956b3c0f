"""Issue 12, point 3: the inbox's ticked bills — approve several at once (paying them makes a pay
run: tests/runs/test_from_inbox.py)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billpay.bills.models import Bill
from billpay.bills.services import bills_approve
from billpay.core.models import AuditEvent
from tests.factories import BillFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

SELECTION = reverse("bills:bill-selection")


def _select(client, bills, action="approve", **data):
    return client.post(SELECTION, {"bill": [b.pk for b in bills], "action": action, **data})


# --- the inbox shows the selection and a Pay action per row ------------------------------------------


def test_inbox_offers_select_all_a_count_and_a_pay_action_per_row(
    client_member, company, connected
):
    bill = BillFactory(company=company)

    content = client_member.get(reverse("bills:inbox")).content.decode()

    assert 'data-select-all aria-label="Select all bills on this page"' in content
    assert "data-selection-count" in content
    assert f'action="{SELECTION}"' in content
    assert f'formaction="{reverse("runs:run-create")}">Pay selected</button>' in content
    assert f'href="{reverse("payments:payment-new")}?bill={bill.pk}"' in content
    assert ">Approve selected</button>" in content


def test_the_selection_remembers_the_inbox_filters(client_member, company, connected):
    BillFactory(company=company, due_date=timezone.localdate() - timedelta(days=3))

    content = client_member.get(reverse("bills:inbox"), {"view": "overdue"}).content.decode()

    assert '<input type="hidden" name="params" value="view=overdue">' in content


# --- the selection form (paying it is a pay run: tests/runs/test_from_inbox.py) ---------------------


def test_a_selection_value_that_is_not_a_bill_id_is_a_400(client_member):
    assert client_member.post(SELECTION, {"bill": "1e3"}).status_code == 400


def test_the_selection_url_refuses_get(client_member):
    assert client_member.get(SELECTION).status_code == 405


def test_the_inbox_filters_to_go_back_to_are_reparsed_never_a_url(client_member, connected):
    response = _select(client_member, [], action="approve", params="q=a&view=//evil.example/")

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
