"""Issue 15, point 1: each role against each action, over HTTP (a table-driven test).

The table below is written out by hand, not read from `billpay.onboarding.roles`, so a change of
the rules there must be made here too, on purpose. Each action is a real request; a refused one
is a 403 that says why and changes nothing. The allowed ones are sent without their form data,
so only the gate is under test here (the services' own checks are tested below and in payments
and runs).
"""

import pytest
from django.urls import reverse

from billpay.core.errors import NotAllowed
from billpay.core.models import AuditEvent
from billpay.onboarding.models import Membership
from billpay.onboarding.roles import Can, require
from billpay.payments.models import Payment
from billpay.runs.models import PayRun
from tests.factories import MembershipFactory
from tests.security.conftest import logged_in

ROLES = ["owner", "admin", "approver", "accountant", "viewer"]
EVERYONE = set(ROLES)
REVIEWERS = {"owner", "admin", "approver", "accountant"}
PREPARERS = {"owner", "admin", "accountant"}
APPROVERS = {"owner", "admin", "approver"}
MANAGERS = {"owner", "admin"}

# action → (method, URL name, URL args from the world, who may)
ACTIONS = {
    "see the inbox": ("get", "bills:inbox", lambda w: [], EVERYONE),
    "see a bill": ("get", "bills:bill-detail", lambda w: [w.bill.pk], EVERYONE),
    "see the payments": ("get", "payments:payment-list", lambda w: [], EVERYONE),
    "see the team": ("get", "onboarding:team", lambda w: [], EVERYONE),
    "see notifications": ("get", "notifications:list", lambda w: [], EVERYONE),
    "read the history": ("get", "onboarding:audit-log", lambda w: [], MANAGERS),
    "sync the books": ("post", "bills:sync-now", lambda w: [], EVERYONE),
    "review a bill": ("post", "bills:bill-review", lambda w: [w.bill.pk], REVIEWERS),
    "add a note to a bill": ("post", "bills:bill-note", lambda w: [w.bill.pk], REVIEWERS),
    "approve several bills": ("post", "bills:bill-selection", lambda w: [], REVIEWERS),
    "create a bill": ("get", "bills:bill-new", lambda w: [], PREPARERS),
    "edit a bill": ("get", "bills:bill-edit", lambda w: [w.bill.pk], PREPARERS),
    "delete a bill": ("post", "bills:bill-delete", lambda w: [w.bill.pk], PREPARERS),
    "create a supplier": ("get", "bills:supplier-new", lambda w: [], PREPARERS),
    "see the recurring bills": ("get", "recurring:recurring-list", lambda w: [], EVERYONE),
    "see a recurring bill": (
        "get",
        "recurring:recurring-detail",
        lambda w: [w.recurring.pk],
        EVERYONE,
    ),
    "set up a recurring bill": ("get", "recurring:recurring-new", lambda w: [], PREPARERS),
    "edit a recurring bill": (
        "get",
        "recurring:recurring-edit",
        lambda w: [w.recurring.pk],
        PREPARERS,
    ),
    "pause a recurring bill": (
        "post",
        "recurring:recurring-pause",
        lambda w: [w.recurring.pk],
        PREPARERS,
    ),
    "resume a recurring bill": (
        "post",
        "recurring:recurring-resume",
        lambda w: [w.recurring.pk],
        PREPARERS,
    ),
    "prepare a payment": ("get", "payments:payment-new", lambda w: [], PREPARERS),
    "cancel a payment": ("post", "payments:payment-cancel", lambda w: [w.payment.pk], PREPARERS),
    "create a pay run": ("post", "runs:run-create", lambda w: [], PREPARERS),
    "change a pay run": ("post", "runs:run-settings", lambda w: [w.run.pk], PREPARERS),
    "discard a pay run": ("post", "runs:run-cancel", lambda w: [w.run.pk], PREPARERS),
    "approve a pay run": ("post", "runs:run-approve", lambda w: [w.run.pk], APPROVERS),
    "record a payment": ("post", "payments:payment-confirm", lambda w: [w.payment.pk], MANAGERS),
    "retry a payment": ("post", "payments:payment-retry", lambda w: [w.payment.pk], MANAGERS),
    "record a pay run": ("post", "runs:run-confirm", lambda w: [w.run.pk], MANAGERS),
    "map a payment account": ("post", "mapping:mapping-save", lambda w: [], MANAGERS),
    "delete a payment in the books": (
        "get",
        "payments:payment-delete",
        lambda w: [w.payment.pk],
        MANAGERS,
    ),
    "delete a bill in the books": (
        "get",
        "bills:bill-delete-in-books",
        lambda w: [w.bill.pk],
        MANAGERS,
    ),
    "create a bank account": ("get", "mapping:bank-account-new", lambda w: [], MANAGERS),
    "change payment settings": ("get", "payments:payment-settings", lambda w: [], MANAGERS),
    "connect the books": ("post", "onboarding:connect-start", lambda w: [], MANAGERS),
    "disconnect the books": ("get", "onboarding:disconnect", lambda w: [], MANAGERS),
    "invite someone": ("post", "onboarding:invitation-create", lambda w: [], MANAGERS),
    "change a role": ("post", "onboarding:member-role", lambda w: [w.other.pk], MANAGERS),
    "remove a member": ("get", "onboarding:member-remove", lambda w: [w.other.pk], MANAGERS),
}


@pytest.fixture
def world(victim):
    victim.other = MembershipFactory(company=victim.company, role=Membership.Role.ACCOUNTANT)
    return victim


def _state(world) -> tuple:
    payment = Payment.objects.get(pk=world.payment.pk)
    run = PayRun.objects.get(pk=world.run.pk)
    return (
        payment.status,
        run.status,
        world.bill.__class__.objects.get(pk=world.bill.pk).review_status,
        sorted(Membership.objects.filter(company=world.company).values_list("pk", "role")),
        AuditEvent.objects.filter(company=world.company).count(),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_role_may_do_what_its_row_says_and_nothing_else(world, role, action):
    method, name, args, allowed = ACTIONS[action]
    member = (
        world.owner if role == "owner" else MembershipFactory(company=world.company, role=role).user
    )
    client = logged_in(member, world.company)
    before = _state(world)

    response = getattr(client, method)(reverse(name, args=args(world)))

    if role in allowed:
        assert response.status_code != 403, (role, action)
    else:
        assert response.status_code == 403, (role, action, response.status_code)
        assert "Not allowed" in response.content.decode()
        assert _state(world) == before, (role, action)


def test_the_table_covers_every_action_the_code_knows():
    """Every action of roles.Can is exercised by at least one row above."""
    gates = {
        "see the inbox": Can.VIEW,
        "review a bill": Can.REVIEW_BILLS,
        "create a bill": Can.EDIT_BILLS,
        "prepare a payment": Can.PREPARE_PAYMENTS,
        "approve a pay run": Can.APPROVE_PAYMENTS,
        "record a payment": Can.CONFIRM_PAYMENTS,
        "map a payment account": Can.MANAGE_SETTINGS,
        "invite someone": Can.MANAGE_TEAM,
        "delete a payment in the books": Can.DELETE_IN_BOOKS,
    }
    assert set(gates.values()) == set(Can)
    assert set(gates) <= set(ACTIONS)


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("accountant", Can.CONFIRM_PAYMENTS, False),
        ("approver", Can.PREPARE_PAYMENTS, False),
        ("viewer", Can.REVIEW_BILLS, False),
        ("admin", Can.CONFIRM_PAYMENTS, True),
        ("approver", Can.APPROVE_PAYMENTS, True),
        ("accountant", Can.DELETE_IN_BOOKS, False),
        ("approver", Can.DELETE_IN_BOOKS, False),
        ("admin", Can.DELETE_IN_BOOKS, True),
    ],
)
def test_services_ask_again(world, role, action, allowed):
    """A service called from a task or a shell checks the role too, not only the view."""
    member = MembershipFactory(company=world.company, role=role).user
    if allowed:
        assert require(world.company, member, action).user == member
    else:
        with pytest.raises(NotAllowed):
            require(world.company, member, action)


def test_someone_of_another_company_is_refused_by_the_services(world, attacker):
    with pytest.raises(NotAllowed):
        require(world.company, attacker.owner, Can.VIEW)
