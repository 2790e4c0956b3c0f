"""The approval engine on its own: matching, steps, separation of duties, staleness, races."""

import threading
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import close_old_connections

from billpay.approvals.errors import ApprovalClosed, ApprovalCommentRequired, RuleInvalid
from billpay.approvals.models import ApprovalDecision, ApprovalRequest
from billpay.approvals.selectors import approval_view, rules_list, waiting_for
from billpay.approvals.services import (
    approval_decide,
    approvals_refresh,
    rule_delete,
    rule_for,
)
from billpay.approvals.subjects import Part
from billpay.core.errors import NotAllowed
from billpay.core.models import AuditEvent
from billpay.onboarding.models import Membership
from billpay.payments.services.approval import payment_subject
from tests.approvals.conftest import add_rule
from tests.factories import LedgerAccountFactory, PaymentFactory

pytestmark = pytest.mark.django_db
R = ApprovalRequest.Status


def subject(amount, *, currency="USD", by=None, company=None, supplier="sup-1"):
    """A prepared payment of `amount`, as the engine sees it."""
    account = LedgerAccountFactory(company=company, currency=currency)
    payment = PaymentFactory(
        company=company,
        account=account,
        total_amount=Decimal(amount),
        codat_supplier_id=supplier,
        status="draft",
        created_by=by,
    )
    return payment_subject(payment)


def asked(enqueued, kind="approval_requested"):
    """Who the deliveries sent so far tell, for notifications of `kind`."""
    return sorted(
        recipient
        for name, kwargs in enqueued
        if name == "notifications_deliver_task" and kwargs["kind"] == kind
        for recipient in kwargs["recipient_ids"]
    )


def request_of(company, s):
    return (
        ApprovalRequest.objects.filter(company=company, kind=s.kind, object_id=s.object_id)
        .exclude(status=R.CANCELLED)
        .get()
    )


# --- matching -------------------------------------------------------------------------------


def test_the_first_rule_that_fits_decides_supplier_rules_first_then_higher_amounts(company, team):
    small = add_rule(company, team.owner, [team.approver], high="999.99")
    large = add_rule(company, team.owner, [team.approver, team.admin], low="1000")
    acme = add_rule(company, team.owner, [team.admin], low="500", supplier=("sup-acme", "Acme"))
    rules = rules_list(company=company, applies_to="payments")

    def fit(amount, supplier="sup-1", currency="USD"):
        return rule_for(rules, [Part(Decimal(amount), currency, supplier)], "USD")

    assert fit("10") == small
    assert fit("999.99") == small
    assert fit("1000") == large
    assert fit("600", "sup-acme") == acme
    assert fit("100", "sup-acme") == small  # under the supplier rule's floor
    # Another currency cannot be compared: the most demanding rule its supplier meets.
    assert fit("5", currency="EUR") == large
    assert fit("5", "sup-acme", "EUR") == acme


def test_a_run_takes_the_most_demanding_rule_of_its_suppliers(company, team):
    add_rule(company, team.owner, [team.approver], high="999.99")
    large = add_rule(company, team.owner, [team.approver, team.admin], low="1000")
    rules = rules_list(company=company, applies_to="payments")
    parts = [Part(Decimal("50"), "USD", "a"), Part(Decimal("1500"), "USD", "b")]

    assert rule_for(rules, parts, "USD") == large


def test_a_rule_names_members_allowed_to_approve_once_each(company, team, other_company):
    with pytest.raises(RuleInvalid, match="role allows approving"):
        add_rule(company, team.owner, [team.accountant])  # accountants do not approve payments
    with pytest.raises(RuleInvalid, match="once"):
        add_rule(company, team.owner, [team.approver, team.approver])
    with pytest.raises(NotAllowed):
        add_rule(company, team.accountant, [team.approver])
    # Accountants do approve bills.
    assert add_rule(company, team.owner, [team.accountant], applies_to="bills")


# --- steps ----------------------------------------------------------------------------------


def test_approvers_in_sequence_each_approve_their_step_in_order(
    company, team, django_capture_on_commit_callbacks, enqueued
):
    add_rule(company, team.owner, [team.approver, team.admin])
    s = subject("200", company=company, by=team.accountant)
    with django_capture_on_commit_callbacks(execute=True):
        approvals_refresh(company=company, subjects=[s], announce=True)

        with pytest.raises(NotAllowed, match="waiting for"):
            approval_decide(company=company, actor=team.admin, subject=s, decision="approved")
        first = approval_decide(
            company=company, actor=team.approver, subject=s, decision="approved", comment="ok"
        )
        assert (first.status, first.step) == (R.PENDING, 1)
        done = approval_decide(company=company, actor=team.admin, subject=s, decision="approved")
    assert done.status == R.APPROVED
    events = AuditEvent.objects.filter(ref=f"payment:{s.object_id}").order_by("id")
    assert [(e.action, e.data.get("step"), e.data.get("comment")) for e in events] == [
        ("approval.requested", None, None),
        ("approval.approved", 1, "ok"),
        ("approval.approved", 2, None),
    ]
    # Each step's approvers were asked once, and the preparer told it is approved.
    assert asked(enqueued) == sorted([team.approver.pk, team.admin.pk])
    assert asked(enqueued, "decided") == [team.accountant.pk]


def test_any_one_of_a_group_is_enough(company, team):
    add_rule(company, team.owner, [team.approver, team.approver2], mode="any")
    s = subject("200", company=company, by=team.accountant)

    done = approval_decide(company=company, actor=team.approver2, subject=s, decision="approved")

    assert done.status == R.APPROVED
    assert done.decisions.get().user == team.approver2


def test_whoever_prepared_it_never_approves_it_even_when_named(company, team):
    add_rule(company, team.owner, [team.approver, team.admin], mode="any")
    s = subject("200", company=company, by=team.approver)

    with pytest.raises(NotAllowed, match="You prepared this payment"):
        approval_decide(company=company, actor=team.approver, subject=s, decision="approved")
    assert approval_decide(company=company, actor=team.admin, subject=s, decision="approved")


def test_nobody_approves_two_steps_of_one_approval(company, team):
    # The owner is named twice in effect: as step 2's approver and as the fallback.
    add_rule(company, team.owner, [team.approver, team.owner])
    s = subject("200", company=company, by=team.accountant)
    approval_decide(company=company, actor=team.approver, subject=s, decision="approved")
    Membership.objects.filter(user=team.owner).update(role="viewer")  # step 2 cannot approve now

    # Step 2 falls back to owners and admins, but not to the person who approved step 1.
    view = approval_view(company=company, kind="payment", object_id=s.object_id, user=team.approver)
    assert not view.can_decide
    assert view.refusal == "You approved an earlier step: the next step needs someone else."
    approval_decide(company=company, actor=team.approver, subject=s, decision="approved")
    assert ApprovalDecision.objects.count() == 1  # their second "approve" decided nothing
    done = approval_decide(company=company, actor=team.admin, subject=s, decision="approved")
    assert done.status == R.APPROVED


def test_a_step_whose_approver_left_falls_back_to_owners_and_admins(company, team):
    add_rule(company, team.owner, [team.approver])
    s = subject("200", company=company, by=team.accountant)
    approvals_refresh(company=company, subjects=[s])
    Membership.objects.filter(user=team.approver).delete()

    view = approval_view(company=company, kind="payment", object_id=s.object_id, user=team.admin)
    assert view.can_decide
    assert view.waiting_for.count(",") == 1  # the owner and the admin
    assert approval_decide(company=company, actor=team.admin, subject=s, decision="approved")


def test_a_rejection_needs_a_comment_ends_the_approval_and_tells_the_preparer(
    company, team, django_capture_on_commit_callbacks, enqueued
):
    add_rule(company, team.owner, [team.approver, team.admin])
    s = subject("200", company=company, by=team.accountant)

    with pytest.raises(ApprovalCommentRequired):
        approval_decide(company=company, actor=team.approver, subject=s, decision="rejected")
    with django_capture_on_commit_callbacks(execute=True):
        rejected = approval_decide(
            company=company,
            actor=team.approver,
            subject=s,
            decision="rejected",
            comment="Wrong IBAN",
        )
    assert rejected.status == R.REJECTED
    with pytest.raises(ApprovalClosed):
        approval_decide(company=company, actor=team.admin, subject=s, decision="approved")
    assert asked(enqueued, "decided") == [team.accountant.pk]
    assert "Wrong IBAN" in str(enqueued[-1][1]["message"])
    # The rejection stands for the same subject, refreshed any number of times.
    approvals_refresh(company=company, subjects=[s])
    assert request_of(company, s).status == R.REJECTED


def test_the_same_decision_sent_twice_is_one_decision(company, team):
    add_rule(company, team.owner, [team.approver, team.admin])
    s = subject("200", company=company, by=team.accountant)
    for _ in range(2):
        approval_decide(company=company, actor=team.approver, subject=s, decision="approved")

    assert ApprovalDecision.objects.count() == 1
    assert request_of(company, s).step == 1


# --- following the subject and the rules ------------------------------------------------------


def test_an_approval_is_of_an_amount_another_amount_starts_over(company, team):
    add_rule(company, team.owner, [team.approver])
    s = subject("200", company=company)
    approval_decide(company=company, actor=team.approver, subject=s, decision="approved")
    more = Part(Decimal("250"), "USD", "sup-1")

    approvals_refresh(company=company, subjects=[replace(s, amount=more.amount, parts=(more,))])

    statuses = list(ApprovalRequest.objects.order_by("id").values_list("status", flat=True))
    assert statuses == [R.CANCELLED, R.PENDING]


def test_undecided_requests_follow_rule_changes_decided_ones_keep_their_steps(company, team):
    rule = add_rule(company, team.owner, [team.approver, team.admin])
    started, untouched = subject("200", company=company), subject("300", company=company)
    approval_decide(company=company, actor=team.approver, subject=started, decision="approved")
    approvals_refresh(company=company, subjects=[untouched])

    rule_delete(company=company, actor=team.owner, rule_id=rule.pk)
    add_rule(company, team.owner, [team.approver2], mode="any")
    approvals_refresh(company=company, subjects=[started, untouched])

    assert request_of(company, started).steps == [[team.approver.pk], [team.admin.pk]]
    assert request_of(company, untouched).steps == [[team.approver2.pk]]


def test_waiting_for_me_lists_what_i_may_decide_now(company, team):
    add_rule(company, team.owner, [team.approver, team.admin])
    mine, theirs = (
        subject("200", company=company),
        subject("300", company=company, by=team.approver),
    )
    approvals_refresh(company=company, subjects=[mine, theirs])

    def ids(user):
        return [r.object_id for r in waiting_for(company=company, user=user)]

    assert ids(team.approver) == [mine.object_id]
    # Carol prepared `theirs` and is its step 1: an owner or an admin decides that step instead.
    assert ids(team.admin) == [theirs.object_id]
    approval_decide(company=company, actor=team.approver, subject=mine, decision="approved")
    assert ids(team.admin) == [mine.object_id, theirs.object_id]
    assert ids(team.accountant) == []


@pytest.mark.django_db(transaction=True)
def test_two_approvers_of_one_step_at_once_make_one_decision(company, team):
    add_rule(company, team.owner, [team.approver, team.approver2], mode="any")
    s = subject("200", company=company, by=team.accountant)
    approvals_refresh(company=company, subjects=[s])
    barrier, outcomes = threading.Barrier(2), []

    def approve(user):
        try:
            barrier.wait()
            approval_decide(company=company, actor=user, subject=s, decision="approved")
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(type(exc).__name__)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (team.approver, team.approver2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert ApprovalDecision.objects.count() == 1
    assert request_of(company, s).status == R.APPROVED
    assert sorted(outcomes) == ["ok", "ok"]  # the second finds it approved: nothing to do
