from dataclasses import dataclass
from decimal import Decimal

import pytest

from billpay.approvals.services import rule_save
from tests.factories import MembershipFactory


@dataclass
class Team:
    owner: object  # alice
    accountant: object  # bob
    approver: object  # carol
    admin: object  # dana
    approver2: object  # erin


@pytest.fixture
def team(company, user, accountant) -> Team:
    def member(role, email):
        return MembershipFactory(company=company, role=role, user__email=email).user

    return Team(
        owner=user,
        accountant=accountant,
        approver=member("approver", "carol@example.com"),
        admin=member("admin", "dana@example.com"),
        approver2=member("approver", "erin@example.com"),
    )


def add_rule(
    company,
    owner,
    approvers,
    *,
    applies_to="payments",
    mode="sequence",
    low=None,
    high=None,
    supplier=("", ""),
):
    return rule_save(
        company=company,
        actor=owner,
        rule=None,
        applies_to=applies_to,
        min_amount=None if low is None else Decimal(low),
        max_amount=None if high is None else Decimal(high),
        codat_supplier_id=supplier[0],
        supplier_name=supplier[1],
        mode=mode,
        approver_ids=[u.pk for u in approvers],
    )
