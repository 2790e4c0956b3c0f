"""Approval rules applied to bills, single payments and pay runs, through their own services."""

from decimal import Decimal

import pytest
from django.utils import timezone

from billpay.approvals.models import ApprovalRequest
from billpay.bills.models import Bill
from billpay.bills.services import bill_review, bills_approve
from billpay.core.errors import NotAllowed
from billpay.core.models import AuditEvent
from billpay.payments.errors import ApprovalRequired
from billpay.payments.models import Payment
from billpay.payments.services import payment_cancel, payment_confirm, payment_prepare
from billpay.payments.services.approval import payment_decide
from billpay.runs.models import PayRun
from billpay.runs.services import run_approve, run_confirm, run_create, run_reject, run_set_amount
from tests.approvals.conftest import add_rule
from tests.factories import AccountMappingFactory, BillFactory, SupplierFactory

pytestmark = pytest.mark.django_db
R = ApprovalRequest.Status


@pytest.fixture
def mapped(company):
    return AccountMappingFactory(company=company)


def _prepare(company, actor, bills):
    return payment_prepare(
        company=company,
        actor=actor,
        bill_ids=[b.pk for b in bills],
        method="bank_transfer",
        amounts={b.pk: b.amount_due for b in bills},
        payment_date=timezone.localdate(),
    )


def _request(kind, object_id):
    return ApprovalRequest.objects.exclude(status=R.CANCELLED).get(kind=kind, object_id=object_id)


# --- single payments --------------------------------------------------------------------------


def test_a_payment_a_rule_covers_is_recorded_only_after_every_step(company, team, mapped):
    add_rule(company, team.owner, [team.approver, team.admin], low="100")
    bill = BillFactory(company=company, total_amount=Decimal("500"), amount_due=Decimal("500"))
    payment = _prepare(company, team.accountant, [bill])
    assert _request("payment", payment.pk).status == R.PENDING  # asked when prepared

    with pytest.raises(ApprovalRequired, match=r"step 1 of 2\) by " + team.approver.full_name):
        payment_confirm(company=company, actor=team.owner, payment_id=payment.pk)
    payment_decide(
        company=company, actor=team.approver, object_id=payment.pk, decision="approved", comment=""
    )
    with pytest.raises(ApprovalRequired, match=r"step 2 of 2"):
        payment_confirm(company=company, actor=team.owner, payment_id=payment.pk)
    payment_decide(
        company=company, actor=team.admin, object_id=payment.pk, decision="approved", comment="ok"
    )

    confirmed = payment_confirm(company=company, actor=team.owner, payment_id=payment.pk)
    assert confirmed.status == Payment.Status.SENDING


def test_a_payment_under_every_rule_needs_no_approval(company, team, mapped):
    add_rule(company, team.owner, [team.approver], low="1000")
    bill = BillFactory(company=company, total_amount=Decimal("500"), amount_due=Decimal("500"))
    payment = _prepare(company, team.owner, [bill])

    assert not ApprovalRequest.objects.exists()
    assert payment_confirm(company=company, actor=team.owner, payment_id=payment.pk).status == (
        Payment.Status.SENDING
    )


def test_the_owner_who_prepared_a_payment_cannot_approve_it(company, team, mapped):
    add_rule(company, team.owner, [team.owner, team.approver], mode="any")
    bill = BillFactory(company=company, amount_due=Decimal("50"))
    payment = _prepare(company, team.owner, [bill])

    with pytest.raises(NotAllowed, match="You prepared this payment"):
        payment_decide(
            company=company, actor=team.owner, object_id=payment.pk, decision="approved", comment=""
        )
    payment_decide(
        company=company, actor=team.approver, object_id=payment.pk, decision="approved", comment=""
    )
    assert payment_confirm(company=company, actor=team.owner, payment_id=payment.pk).status == (
        Payment.Status.SENDING
    )


def test_a_rejected_payment_is_cancelled_with_the_reason_and_frees_its_bills(company, team, mapped):
    add_rule(company, team.owner, [team.approver])
    bill = BillFactory(company=company, amount_due=Decimal("80"))
    payment = _prepare(company, team.accountant, [bill])

    payment_decide(
        company=company,
        actor=team.approver,
        object_id=payment.pk,
        decision="rejected",
        comment="Paid by card already",
    )

    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert payment.status_reason_text.endswith("Paid by card already")
    assert _prepare(company, team.accountant, [bill]).status == Payment.Status.DRAFT


def test_a_discarded_payment_no_longer_waits_for_anyone(company, team, mapped):
    add_rule(company, team.owner, [team.approver])
    bill = BillFactory(company=company, amount_due=Decimal("80"))
    payment = _prepare(company, team.accountant, [bill])

    payment_cancel(company=company, actor=team.accountant, payment_id=payment.pk)

    assert ApprovalRequest.objects.get().status == R.CANCELLED


# --- bills ------------------------------------------------------------------------------------


def test_a_bill_a_rule_covers_is_approved_once_every_step_is(company, team):
    add_rule(company, team.owner, [team.accountant, team.owner], applies_to="bills", low="1000")
    bill = BillFactory(company=company, total_amount=Decimal("1500"), amount_due=Decimal("1500"))

    bill = bill_review(bill=bill, actor=team.accountant, decision="approved", reason="Checked")
    assert bill.review_status == Bill.Review.PENDING  # one step of two
    bill = bill_review(bill=bill, actor=team.owner, decision="approved")
    assert bill.review_status == Bill.Review.APPROVED
    assert bill.reviewed_by == team.owner
    actions = list(
        AuditEvent.objects.filter(ref=f"bill:{bill.pk}")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "approval.requested",
        "approval.approved",
        "approval.approved",
        "bill.review.approved",
    ]


def test_whoever_created_a_bill_cannot_approve_it(company, team):
    add_rule(company, team.owner, [team.accountant, team.approver], applies_to="bills", mode="any")
    bill = BillFactory(company=company, created_by=team.accountant)

    with pytest.raises(NotAllowed, match="You created this bill"):
        bill_review(bill=bill, actor=team.accountant, decision="approved")
    assert bill_review(bill=bill, actor=team.approver, decision="approved").review_status == (
        "approved"
    )


def test_bills_held_by_a_rule_cannot_be_paid_until_approved(company, team, mapped):
    add_rule(company, team.owner, [team.approver], applies_to="bills")
    bill = BillFactory(company=company, amount_due=Decimal("80"))
    payment = _prepare(company, team.owner, [bill])

    with pytest.raises(ApprovalRequired, match="your approval rules ask for these bills"):
        payment_confirm(company=company, actor=team.owner, payment_id=payment.pk)
    bill_review(bill=bill, actor=team.approver, decision="approved")
    assert payment_confirm(company=company, actor=team.owner, payment_id=payment.pk).status == (
        Payment.Status.SENDING
    )


def test_bulk_approve_takes_one_step_per_bill_and_says_who_may_not(company, team):
    add_rule(company, team.owner, [team.approver, team.owner], applies_to="bills", low="1000")
    big = BillFactory(company=company, total_amount=Decimal("2000"), amount_due=Decimal("2000"))
    mine = BillFactory(
        company=company,
        total_amount=Decimal("3000"),
        amount_due=Decimal("3000"),
        created_by=team.approver,
    )
    small = BillFactory(company=company, total_amount=Decimal("10"), amount_due=Decimal("10"))

    outcome = bills_approve(company=company, actor=team.approver, bills=[big, mine, small])

    assert (outcome.approved, outcome.stepped) == (1, 1)  # small at once, big one step
    assert len(outcome.refused) == 1 and "You created this bill" in outcome.refused[0]
    assert Bill.objects.get(pk=small.pk).review_status == "approved"
    assert Bill.objects.get(pk=big.pk).review_status == "pending"


def test_a_rejected_bill_reset_to_review_starts_its_approval_over(company, team):
    add_rule(company, team.owner, [team.approver], applies_to="bills")
    bill = BillFactory(company=company)
    bill_review(bill=bill, actor=team.approver, decision="rejected", reason="Duplicate")
    bill.refresh_from_db()

    bill_review(bill=bill, actor=team.owner, decision="pending")
    bill.refresh_from_db()
    assert bill_review(bill=bill, actor=team.approver, decision="approved").review_status == (
        "approved"
    )


# --- pay runs ---------------------------------------------------------------------------------


@pytest.fixture
def run_bills(company, mapped):
    bills = []
    for name, amount in (("Acme Paper", "300"), ("Blue Freight", "900")):
        supplier = SupplierFactory(company=company, name=name)
        bills.append(
            BillFactory(
                company=company,
                supplier=supplier,
                total_amount=Decimal(amount),
                amount_due=Decimal(amount),
            )
        )
    return bills


def _confirm(company, actor, run):
    run.refresh_from_db()
    return run_confirm(company=company, actor=actor, run_id=run.pk, form_token=run.form_token)


def test_a_run_is_approved_by_its_rules_approvers_never_by_its_preparer(company, team, run_bills):
    add_rule(company, team.owner, [team.approver], high="499.99")
    add_rule(company, team.owner, [team.approver, team.admin], low="500")  # Blue Freight: 900
    run = run_create(
        company=company,
        actor=team.owner,
        bill_ids=[b.pk for b in run_bills],
        payment_date=timezone.localdate(),
        method="bank_transfer",
    )
    assert _request("run", run.pk).steps == [[team.approver.pk], [team.admin.pk]]

    with pytest.raises(ApprovalRequired, match="needs approval"):
        _confirm(company, team.owner, run)
    with pytest.raises(NotAllowed, match="You prepared this pay run"):
        run_approve(company=company, actor=team.owner, run_id=run.pk)
    assert run_approve(company=company, actor=team.approver, run_id=run.pk).status == "draft"
    assert run_approve(company=company, actor=team.admin, run_id=run.pk).status == "approved"
    assert _confirm(company, team.owner, run).status == PayRun.Status.SENDING


def test_a_changed_run_asks_again_and_a_rejected_one_cannot_be_paid(company, team, run_bills):
    add_rule(company, team.owner, [team.approver])
    run = run_create(
        company=company,
        actor=team.owner,
        bill_ids=[b.pk for b in run_bills],
        payment_date=timezone.localdate(),
        method="bank_transfer",
    )
    run_approve(company=company, actor=team.approver, run_id=run.pk)
    run_set_amount(
        company=company,
        actor=team.owner,
        run_id=run.pk,
        bill_id=run_bills[0].pk,
        amount=Decimal("100"),
    )
    assert _request("run", run.pk).status == R.PENDING  # a new request for the new amounts

    run_reject(company=company, actor=team.approver, run_id=run.pk, comment="Not this week")
    with pytest.raises(ApprovalRequired, match="rejected it: Not this week"):
        _confirm(company, team.owner, run)
