"""Who may do what in a company: five roles and the actions each allows (issue 15, point 1).

- **Owner**: everything.
- **Admin**: everything an owner does, except what touches owners: an admin cannot make anyone
  an owner, change an owner's role or remove an owner. (Removing the company is not a feature
  yet; it will be owners' alone.)
- **Approver**: reviews bills and approves pay runs; prepares and records nothing.
- **Accountant**: reviews bills, creates bills and suppliers, prepares payments and pay runs;
  cannot approve a pay run nor confirm (record) a payment.
- **Viewer**: reads everything, changes nothing.

The last owner of a company can be neither removed nor given another role (`services.members`).
Views ask `company_required(action=...)`; services ask `require(...)` again, since a service is
also called by tasks and commands. Templates read `request.membership.can.<action>`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from billpay.core.errors import NotAllowed
from billpay.onboarding.errors import TwoFactorRequired

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, Membership, User


class Can(StrEnum):
    VIEW = "view"  # every page; a sync of the books (a read)
    REVIEW_BILLS = "review_bills"  # approve or reject a bill, add notes
    EDIT_BILLS = "edit_bills"  # create bills and suppliers and send them to the books
    PREPARE_PAYMENTS = "prepare_payments"  # draft payments and pay runs
    APPROVE_PAYMENTS = "approve_payments"  # approve a pay run
    CONFIRM_PAYMENTS = "confirm_payments"  # record payments in the books, retry, cancel
    MANAGE_SETTINGS = "manage_settings"  # accounting connection, payment accounts and settings
    MANAGE_TEAM = "manage_team"  # invite, change roles, remove members
    # Delete a bill payment or a bill in the books (undoes what the books hold): owners, admins.
    DELETE_IN_BOOKS = "delete_in_books"


EVERYTHING = frozenset(Can)
ROLE_ACTIONS: dict[str, frozenset[Can]] = {
    "owner": EVERYTHING,
    "admin": EVERYTHING,
    "approver": frozenset({Can.VIEW, Can.REVIEW_BILLS, Can.APPROVE_PAYMENTS}),
    "accountant": frozenset({Can.VIEW, Can.REVIEW_BILLS, Can.EDIT_BILLS, Can.PREPARE_PAYMENTS}),
    "viewer": frozenset({Can.VIEW}),
}
# Roles only an owner may give, change or remove.
OWNER_ROLES = frozenset({"owner"})


def role_allows(role: str, action: Can | str) -> bool:
    return Can(action) in ROLE_ACTIONS.get(role, frozenset())


class Abilities:
    """`membership.can.confirm_payments` in a template: True or False; a misspelt action fails."""

    __slots__ = ("role",)

    def __init__(self, role: str) -> None:
        self.role = role

    def __getattr__(self, name: str) -> bool:
        return role_allows(self.role, Can(name))


def refusal(action: Can) -> str:
    """What a person whose role does not allow `action` is told."""
    return {
        Can.VIEW: gettext("You are not a member of this company."),
        Can.REVIEW_BILLS: gettext("Your role does not allow reviewing bills."),
        Can.EDIT_BILLS: gettext("Your role does not allow creating or changing bills."),
        Can.PREPARE_PAYMENTS: gettext("Your role does not allow preparing payments."),
        Can.APPROVE_PAYMENTS: gettext("Only an owner, an admin or an approver can approve this."),
        Can.CONFIRM_PAYMENTS: gettext("Only an owner or an admin can record payments."),
        Can.MANAGE_SETTINGS: gettext("Only an owner or an admin can change this."),
        Can.MANAGE_TEAM: gettext("Only an owner or an admin can manage the team."),
        Can.DELETE_IN_BOOKS: gettext("Only an owner or an admin can delete things in your books."),
    }[action]


def require(company: Company, actor: User | None, action: Can, message: str = "") -> Membership:
    """The actor's membership in `company` if its role allows `action`; else NotAllowed with
    `message` (default: `refusal(action)`). One query."""
    from billpay.onboarding.models import Membership

    membership = Membership.objects.filter(
        company=company, user_id=getattr(actor, "pk", None)
    ).first()
    if membership is None or not role_allows(membership.role, action):
        raise NotAllowed(message or refusal(action))
    return membership


def two_factor_gate(*, company: Company, verified: bool | None) -> None:
    """Refuse when the company requires two-step login and the session did not pass it.

    `verified` is None when the caller has no session (a task, a command): nothing to check.
    **Raises:** TwoFactorRequired.
    """
    if verified is False and company.require_two_factor:
        raise TwoFactorRequired(two_factor_refusal())


def two_factor_refusal() -> str:
    """What a session that did not pass two-step login is told when confirming a payment."""
    return gettext(
        "Your company requires two-step login to confirm payments. Log in with a code from "
        "your authenticator app first."
    )
