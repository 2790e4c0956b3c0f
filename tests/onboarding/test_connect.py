"""Connecting the books through the sandbox's hosted Link page, with the API over real HTTP."""

from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from billpay.bills.models import SyncRun
from billpay.core.models import AuditEvent
from billpay.onboarding.models import AccountingConnection, Company
from billpay.sandbox.models import SandboxConnection
from tests.factories import CompanyFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@pytest.fixture
def owner_client(sandbox, client):
    company = CompanyFactory(name="Alpha Bakery")
    membership = MembershipFactory(company=company, user__email="alice@example.com")
    client.force_login(membership.user)
    client.company = company
    return client


def _start(client, platform: str = "qhyg") -> str:
    response = client.post(reverse("onboarding:connect-start"), {"platform": platform})
    assert response.status_code == 302
    return response.url


def test_connect_page_lists_the_integrations(owner_client):
    page = owner_client.get(reverse("onboarding:connect")).content.decode()

    for name in (
        "QuickBooks Online",
        "Xero",
        "Sage Intacct",
        "Oracle NetSuite",
        "FreeAgent",
        "Zoho Books",
    ):
        assert name in page


def test_choosing_a_platform_creates_the_codat_company_once_and_sends_the_browser_to_the_link(
    owner_client,
):
    link = _start(owner_client)
    _start(owner_client, "gbol")

    company = Company.objects.get(pk=owner_client.company.pk)
    assert company.codat_company_id
    assert "/sandbox/link/" in link
    assert SandboxConnection.objects.filter(company_id=company.codat_company_id).count() == 2
    connection = AccountingConnection.objects.get(company=company)
    assert (connection.platform_key, connection.status) == (
        "gbol",
        AccountingConnection.Status.PENDING_AUTH,
    )


def test_approving_on_the_consent_page_links_the_connection_and_starts_the_first_sync(owner_client):
    link = _start(owner_client)
    consent = owner_client.post(_path(link), {"action": "approve"})

    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit") as enqueue:
        response = owner_client.get(_path(consent.url), follow=True)

    connection = AccountingConnection.objects.get(company=owner_client.company)
    assert connection.status == AccountingConnection.Status.LINKED
    assert "Connected" in response.content.decode()
    assert SyncRun.objects.filter(company=owner_client.company, trigger="link").count() == 1
    enqueue.assert_called_once()
    assert AuditEvent.objects.filter(
        company=owner_client.company, action="connection.linked"
    ).exists()


def test_cancelling_on_the_consent_page_says_so_and_links_nothing(owner_client):
    link = _start(owner_client)
    consent = owner_client.post(_path(link), {"action": "cancel"})

    response = owner_client.get(_path(consent.url), follow=True)

    assert "You cancelled the connection" in response.content.decode()
    assert AccountingConnection.objects.get(company=owner_client.company).status == "pending_auth"


def test_a_return_without_approval_is_refused_even_if_the_query_says_200(owner_client):
    link = _start(owner_client)
    connection = AccountingConnection.objects.get(company=owner_client.company)
    forged = (
        f"/connect/return/?companyId={Company.objects.get(pk=owner_client.company.pk).codat_company_id}"
        f"&connectionId={connection.codat_connection_id}&statusCode=200&errorMessage="
    )
    assert "/sandbox/link/" in link

    response = owner_client.get(forged, follow=True)

    assert "did not confirm the connection" in response.content.decode()
    assert AccountingConnection.objects.get(pk=connection.pk).status == "pending_auth"


def test_a_return_naming_another_companys_connection_is_refused(owner_client, client):
    other = CompanyFactory(name="Charlie Hardware")
    charlie = MembershipFactory(company=other, user__email="charlie@example.com").user
    link = _start(owner_client)
    approved = owner_client.post(_path(link), {"action": "approve"})
    client.force_login(charlie)

    response = client.get(_path(approved.url), follow=True)

    assert "does not belong to your company" in response.content.decode()
    assert not AccountingConnection.objects.filter(company=other).exists()


def test_accountants_cannot_connect(sandbox, client):
    company = CompanyFactory()
    client.force_login(MembershipFactory(company=company, role="accountant").user)

    assert client.post(reverse("onboarding:connect-start"), {"platform": "qhyg"}).status_code == 403


def test_an_unknown_platform_is_refused_with_a_message(owner_client):
    response = owner_client.post(
        reverse("onboarding:connect-start"), {"platform": "zzzz"}, follow=True
    )

    assert "Choose one of the accounting platforms" in response.content.decode()


def test_disconnect_asks_first_then_unlinks_at_codat(linked_company, client):
    client.force_login(linked_company.memberships.get().user)
    assert (
        "Disconnect QuickBooks Online?"
        in client.get(reverse("onboarding:disconnect")).content.decode()
    )

    client.post(reverse("onboarding:disconnect"))

    assert AccountingConnection.objects.get(company=linked_company).status == "unlinked"
    remote = SandboxConnection.objects.get(pk=linked_company.seeded.connection.pk)
    assert remote.status == "Unlinked"


def test_connection_page_shows_platform_status_and_sync(linked_company, client):
    client.force_login(linked_company.memberships.get().user)

    page = client.get(reverse("onboarding:connection")).content.decode()

    assert "QuickBooks Online" in page and "Connected" in page and "Sync now" in page


def test_a_deauthorized_connection_offers_reconnect(linked_company, client):
    AccountingConnection.objects.filter(company=linked_company).update(status="deauthorized")
    client.force_login(linked_company.memberships.get().user)

    page = client.get(reverse("onboarding:connection")).content.decode()

    assert "Reconnect" in page
