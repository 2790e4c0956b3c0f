"""One factory per model. Amounts are Decimal strings; related rows stay in one company."""

import factory
from factory.django import DjangoModelFactory

from billpay.onboarding.models import Company, Membership, User

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
