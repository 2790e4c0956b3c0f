"""The approvals pages: "Waiting for me" with bulk approve, deciding from a page, the rules."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billpay.approvals.models import ApprovalRequest, ApprovalRule
from billpay.approvals.services import approvals_refresh
from billpay.core.models import AuditEvent
from billpay.payments.services.approval import payment_subject
from tests.approvals.conftest import add_rule
from tests.conftest import _logged_in
from tests.factories import LedgerAccountFactory, PaymentFactory

pytestmark = pytest.mark.django_db
R = ApprovalRequest.Status


def _payments(company, count, *, by, amount="250"):
    account = LedgerAccountFactory(company=company)
    payments = [
        PaymentFactory(
            company=company,
            account=account,
            total_amount=Decimal(amount),
            status="draft",
            created_by=by,
            supplier_name=f"Supplier {n}",
        )
        for n in range(count)
    ]
    approvals_refresh(company=company, subjects=[payment_subject(p) for p in payments])
    return payments


def test_waiting_for_me_lists_only_what_i_may_decide(company, team):
    add_rule(company, team.owner, [team.approver, team.admin])
    mine = _payments(company, 2, by=team.accountant)
    client = _logged_in(team.approver, company)

    page = client.get(reverse("approvals:waiting")).content.decode()

    assert all(p.supplier_name in page for p in mine)
    assert "1 of 2" in page
    assert (
        "Nothing waits for your approval"
        in _logged_in(team.admin, company).get(reverse("approvals:waiting")).content.decode()
    )


def test_waiting_for_me_runs_the_same_queries_for_3_or_30_items(company, team):
    add_rule(company, team.owner, [team.approver])
    client = _logged_in(team.approver, company)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("approvals:waiting")).status_code == 200
        return len(ctx)

    _payments(company, 3, by=team.accountant)
    few = queries()
    _payments(company, 27, by=team.accountant)
    assert queries() == few


def test_bulk_approve_takes_one_step_each_with_the_comment(company, team):
    add_rule(company, team.owner, [team.approver, team.admin])
    first, second, left = _payments(company, 3, by=team.accountant)
    requests = {r.object_id: r.pk for r in ApprovalRequest.objects.all()}
    client = _logged_in(team.approver, company)

    response = client.post(
        reverse("approvals:waiting"),
        {"requests": [requests[first.pk], requests[second.pk]], "comment": "Budgeted"},
        follow=True,
    )

    assert "You approved 2 items." in response.content.decode()
    steps = dict(ApprovalRequest.objects.values_list("object_id", "step"))
    assert steps == {first.pk: 1, second.pk: 1, left.pk: 0}
    comments = AuditEvent.objects.filter(action="approval.approved").values_list(
        "data__comment", flat=True
    )
    assert list(comments) == ["Budgeted", "Budgeted"]


def test_bulk_approve_refuses_what_is_not_mine_to_approve(company, team):
    add_rule(company, team.owner, [team.approver, team.admin])
    (payment,) = _payments(company, 1, by=team.accountant)
    request = ApprovalRequest.objects.get()

    response = _logged_in(team.admin, company).post(
        reverse("approvals:waiting"), {"requests": [request.pk]}
    )

    assert response.status_code == 200  # the form says the choice is not valid
    assert ApprovalRequest.objects.get().step == 0


def test_deciding_on_the_payment_page_rejects_with_a_reason_or_says_why_not(company, team):
    add_rule(company, team.owner, [team.approver])
    (payment,) = _payments(company, 1, by=team.accountant)
    url = reverse("approvals:decide", args=["payment", payment.pk])
    page = reverse("payments:payment-detail", args=[payment.pk])
    approver = _logged_in(team.approver, company)

    shown = approver.get(page).content.decode()
    assert "waiting for" in shown and 'value="rejected"' in shown
    said = approver.post(url, {"decision": "rejected", "comment": ""}, follow=True)
    assert "Say why you reject it" in said.content.decode()
    approver.post(url, {"decision": "rejected", "comment": "Wrong amount"})
    payment.refresh_from_db()
    assert payment.status == "cancelled"
    assert ApprovalRequest.objects.get().status == R.REJECTED


@pytest.mark.parametrize(
    "path",
    ["approvals/payment/{pk}/decide/", "approvals/bill/999999/decide/", "approvals/x/1/decide/"],
)
def test_deciding_on_something_of_another_company_or_of_no_kind_is_a_404(
    company, team, other_company, path
):
    other = PaymentFactory(company=other_company, status="draft")

    response = _logged_in(team.approver, company).post(
        "/" + path.format(pk=other.pk), {"decision": "approved"}
    )

    assert response.status_code == 404


def test_an_owner_adds_changes_and_removes_a_rule(company, team):
    client = _logged_in(team.owner, company)
    data = {
        "applies_to": "payments",
        "min_amount": "1,000.00",
        "max_amount": "",
        "supplier": "",
        "mode": "sequence",
        "approver_1": team.approver.pk,
        "approver_2": team.admin.pk,
    }

    assert client.post(reverse("approvals:rule-new"), data).status_code == 302
    rule = ApprovalRule.objects.get()
    assert rule.min_amount == Decimal("1000") and rule.max_amount is None
    assert [a.user for a in rule.approvers.all()] == [team.approver, team.admin]
    listed = client.get(reverse("approvals:rules")).content.decode()
    assert team.approver.full_name in listed and "and more" in listed

    client.post(reverse("approvals:rule-edit", args=[rule.pk]), {**data, "mode": "any"})
    assert ApprovalRule.objects.get().mode == "any"
    client.post(reverse("approvals:rule-delete", args=[rule.pk]))
    assert not ApprovalRule.objects.exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="approval.rule")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["approval.rule_created", "approval.rule_changed", "approval.rule_deleted"]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"min_amount": "500", "max_amount": "100"}, "at least the amount it starts from"),
        ({"min_amount": "1e9"}, ""),
        ({"min_amount": "-5"}, ""),
        ({"approver_1": ""}, "This field is required"),
        ({"approver_1": "99999999"}, "among the members listed"),
        ({"approver_1": "9" * 40}, ""),
        ({"approver_2": "{approver}"}, "Name each person once"),
        ({"supplier": "not-a-supplier"}, "Select a valid choice"),
        ({"applies_to": "everything"}, "Select a valid choice"),
    ],
)
def test_a_rule_form_with_bad_input_says_what_is_wrong_and_saves_nothing(
    company, team, change, error
):
    data = {
        "applies_to": "payments",
        "mode": "sequence",
        "approver_1": team.approver.pk,
        **{k: v.format(approver=team.approver.pk) for k, v in change.items()},
    }

    response = _logged_in(team.owner, company).post(reverse("approvals:rule-new"), data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ApprovalRule.objects.exists()


def test_a_rule_naming_an_accountant_for_payments_is_refused_in_words(company, team):
    response = _logged_in(team.owner, company).post(
        reverse("approvals:rule-new"),
        {"applies_to": "payments", "mode": "any", "approver_1": team.accountant.pk},
    )

    assert "role allows approving" in response.content.decode()


@pytest.mark.parametrize("who", ["accountant", "approver"])
def test_only_owners_and_admins_change_rules(company, team, who):
    client = _logged_in(getattr(team, who), company)

    assert client.get(reverse("approvals:rule-new")).status_code == 403
    assert client.get(reverse("approvals:rules")).status_code == 200
