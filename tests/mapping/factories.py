"""Factories for bank account requests (each with its push, as the service creates them)."""

import factory
from factory.django import DjangoModelFactory

from billpay.mapping.models import BankAccountRequest
from billpay.mapping.services import PUSH_KIND
from billpay.pushes.models import Push
from tests.factories import CompanyFactory


class BankAccountPushFactory(DjangoModelFactory):
    class Meta:
        model = Push

    company = factory.SubFactory(CompanyFactory)
    kind = PUSH_KIND
    data_type = "bankAccounts"


class BankAccountRequestFactory(DjangoModelFactory):
    class Meta:
        model = BankAccountRequest

    company = factory.SubFactory(CompanyFactory)
    method = "bank_transfer"
    currency = "USD"
    account_type = "Debit"
    account_name = factory.Sequence(lambda n: f"Operating {n}")
    push = factory.SubFactory(
        BankAccountPushFactory,
        company=factory.SelfAttribute("..company"),
        created_by=factory.SelfAttribute("..created_by"),
    )
    created_by = None
