"""The queue shows the company's inbound address; an owner can replace it when it leaked."""

from django.urls import reverse

from billpay.core.models import AuditEvent
from billpay.inbound.services.addresses import company_for_recipient, inbound_address_get


def test_the_queue_shows_the_address_and_an_owner_replaces_it(client_member, company):
    old = inbound_address_get(company=company).address
    page = client_member.get(reverse("inbound:draft-list"))
    assert old in page.content.decode()

    response = client_member.post(reverse("inbound:address-new"), follow=True)

    new = inbound_address_get(company=company).address
    assert new != old and new in response.content.decode()
    assert "no longer read" in response.content.decode()
    assert company_for_recipient(old) is None and company_for_recipient(new) == company
    assert AuditEvent.objects.filter(company=company, action__startswith="inbound").exists()


def test_an_accountant_sees_the_address_but_cannot_replace_it(client_accountant, company):
    old = inbound_address_get(company=company).address
    page = client_accountant.get(reverse("inbound:draft-list")).content.decode()
    assert old in page and reverse("inbound:address-new") not in page

    response = client_accountant.post(reverse("inbound:address-new"))

    assert response.status_code == 403
    assert inbound_address_get(company=company).address == old
