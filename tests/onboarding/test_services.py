import pytest
from django.core.management import call_command

from billpay.core.models import AuditEvent
from billpay.onboarding.models import Company, Membership, User
from billpay.onboarding.services import user_signup

pytestmark = pytest.mark.django_db


def test_signup_records_an_audit_event():
    membership = user_signup(
        email="Eve@Example.com",
        password="x-long-passphrase",
        full_name="Eve",
        company_name="  Eve's Garage ",
        base_currency="eur",
        country="fr",
    )

    assert membership.user.email == "eve@example.com"
    assert (
        membership.company.name,
        membership.company.base_currency,
        membership.company.country,
    ) == ("Eve's Garage", "EUR", "FR")
    assert AuditEvent.objects.get(company=membership.company).action == "company.created"


def test_the_demo_seed_is_idempotent():
    call_command("seed_demo")
    call_command("seed_demo")

    assert Company.objects.filter(name="Acme Plumbing Ltd").count() == 1
    assert (
        User.objects.filter(email__in=["owner@example.com", "accountant@example.com"]).count() == 2
    )
    assert sorted(Membership.objects.values_list("role", flat=True)) == ["accountant", "owner"]
    assert User.objects.get(email="owner@example.com").check_password("billpay-demo")
