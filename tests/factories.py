"""One factory per model. Amounts are Decimal strings; related rows stay in one company."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from billpay.bills.models import Bill, BillLine, Supplier
from billpay.mapping.models import LedgerAccount
from billpay.onboarding.models import AccountingConnection, Company, Membership, User

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password(TEST_PASSWORD)


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Faker("company")
    base_currency = "USD"
    country = "US"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    role = Membership.Role.OWNER


class AccountingConnectionFactory(DjangoModelFactory):
    class Meta:
        model = AccountingConnection

    company = factory.SubFactory(CompanyFactory)
    codat_connection_id = factory.Faker("uuid4")
    platform_key = "qhyg"
    platform_name = "QuickBooks Online"
    status = AccountingConnection.Status.LINKED


class SupplierFactory(DjangoModelFactory):
    class Meta:
        model = Supplier

    company = factory.SubFactory(CompanyFactory)
    codat_supplier_id = factory.Sequence(lambda n: f"sup-{n}")
    name = factory.Faker("company")
    email = factory.Faker("company_email")
    default_currency = "USD"
    status = "Active"


class BillFactory(DjangoModelFactory):
    """An open bill, due in two weeks, of a supplier of the same company."""

    class Meta:
        model = Bill

    company = factory.SubFactory(CompanyFactory)
    supplier = factory.SubFactory(SupplierFactory, company=factory.SelfAttribute("..company"))
    codat_bill_id = factory.Sequence(lambda n: f"bill-{n}")
    codat_supplier_id = factory.LazyAttribute(
        lambda o: o.supplier.codat_supplier_id if o.supplier else ""
    )
    supplier_name = factory.LazyAttribute(lambda o: o.supplier.name if o.supplier else "")
    reference = factory.Sequence(lambda n: f"INV-{1000 + n}")
    issue_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))
    currency = "USD"
    sub_total = Decimal("100.00")
    tax_amount = Decimal("20.00")
    total_amount = Decimal("120.00")
    amount_due = factory.LazyAttribute(lambda o: o.total_amount)
    codat_status = "Open"
    modified_date = factory.LazyFunction(timezone.now)
    search_text = factory.LazyAttribute(lambda o: f"{o.supplier_name} {o.reference}".lower())


class BillLineFactory(DjangoModelFactory):
    class Meta:
        model = BillLine

    bill = factory.SubFactory(BillFactory)
    company = factory.SelfAttribute("bill.company")
    position = factory.Sequence(lambda n: n + 1)
    description = factory.Faker("sentence", nb_words=4)
    quantity = Decimal("1")
    unit_amount = Decimal("100.00")
    total_amount = Decimal("120.00")


class LedgerAccountFactory(DjangoModelFactory):
    class Meta:
        model = LedgerAccount

    company = factory.SubFactory(CompanyFactory)
    codat_account_id = factory.Sequence(lambda n: f"acc-{n}")
    name = factory.Sequence(lambda n: f"Checking {n}")
    account_type = "Asset"
    status = "Active"
    currency = "USD"
    current_balance = Decimal("25000.00")
    is_bank_account = True
