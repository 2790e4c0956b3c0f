import pytest
from django.core import mail
from django.core.management import call_command

from billpay.core.models import AuditEvent
from billpay.onboarding.models import Company, Membership, User
from billpay.onboarding.services import signup_confirm, signup_request

pytestmark = pytest.mark.django_db


def test_signup_records_an_audit_event():
    signup_request(
        email="Eve@Example.com",
        password="x-long-passphrase",
        full_name="Eve",
        company_name="  Eve's Garage ",
        base_currency="eur",
        country="fr",
    )
    uidb64, token = mail.outbox[-1].body.split("/signup/confirm/")[1].split()[0].split("/")[:2]
    membership = signup_confirm(uidb64=uidb64, token=token)

    assert membership.user.email == "eve@example.com"
    assert (
        membership.company.name,
        membership.company.base_currency,
        membership.company.country,
    ) == ("Eve's Garage", "EUR", "FR")
    assert list(
        AuditEvent.objects.filter(company=membership.company)
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["company.created", "user.confirmed"]


def test_the_demo_seed_is_idempotent():
    call_command("seed_demo")
    call_command("seed_demo")

    assert Company.objects.filter(name="Acme Plumbing Ltd").count() == 1
    assert (
        User.objects.filter(email__in=["owner@example.com", "accountant@example.com"]).count() == 2
    )
    assert sorted(Membership.objects.values_list("role", flat=True)) == ["accountant", "owner"]
    assert User.objects.get(email="owner@example.com").check_password("billpay-demo")
