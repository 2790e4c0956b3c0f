"""Each company's inbound address: made once, found from any recipient form, rotated."""

import threading

import pytest
from django.db import connection

from billpay.core.models import AuditEvent
from billpay.inbound.models import InboundAddress
from billpay.inbound.services.addresses import (
    companies_for_recipients,
    company_for_recipient,
    inbound_address_get,
    inbound_address_rotate,
)


def test_the_address_is_made_once_and_kept(company, settings):
    settings.INBOUND_EMAIL_DOMAIN = "in.example.com"
    first = inbound_address_get(company=company)
    again = inbound_address_get(company=company)
    assert first.pk == again.pk
    assert first.address == f"bills-{first.token}@in.example.com"
    assert InboundAddress.objects.filter(company=company).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_requests_making_the_address_at_once_get_the_same_one():
    from tests.factories import CompanyFactory

    company = CompanyFactory()
    barrier = threading.Barrier(2)
    tokens, errors = [], []

    def make():
        try:
            barrier.wait()
            tokens.append(inbound_address_get(company=company).token)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=make) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(tokens)) == 1 and len(tokens) == 2
    assert InboundAddress.objects.filter(company=company).count() == 1


def test_every_recipient_form_finds_the_company(company, other_company):
    token = inbound_address_get(company=company).token
    inbound_address_get(company=other_company)
    for form in (
        f"bills-{token}@inbound.billpay.localhost",
        f"BILLS-{token.upper()}@Inbound.BillPay.localhost",
        f"bills-{token}+march@inbound.billpay.localhost",
        f'"Alpha Bakery bills" <bills-{token}@inbound.billpay.localhost>',
        f"  <bills-{token}@another-forwarder.example>  ",
    ):
        assert company_for_recipient(form) == company, form


def test_unknown_and_malformed_addresses_find_nothing(company):
    token = inbound_address_get(company=company).token
    for form in (
        "bills-aaaaaaaaaaaaaaaa@inbound.billpay.localhost",
        f"invoices-{token}@inbound.billpay.localhost",
        f"xbills-{token}@inbound.billpay.localhost",
        f"bills-{token}",  # no domain
        "",
        "not an address at all",
    ):
        assert company_for_recipient(form) is None, form


def test_one_email_to_two_companies_finds_both_once(company, other_company):
    a = inbound_address_get(company=company).address
    b = inbound_address_get(company=other_company).address
    found = companies_for_recipients([a, f"Someone <{b}>", a.upper(), "boss@example.com"])
    assert sorted(c.pk for c in found) == sorted([company.pk, other_company.pk])


def test_rotating_stops_the_old_address_and_is_audited(company, user):
    old = inbound_address_get(company=company).address
    new = inbound_address_rotate(company=company, actor=user).address
    assert new != old
    assert company_for_recipient(old) is None
    assert company_for_recipient(new) == company
    event = AuditEvent.objects.get(company=company, action="inbound_address.rotated")
    assert event.actor_id == user.pk
