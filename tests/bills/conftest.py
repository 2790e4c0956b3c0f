from unittest.mock import Mock, create_autospec

import pytest
from django.core.cache import cache

from billpay.codat import CodatClient
from billpay.codat.schemas import PullOperation
from tests.factories import AccountingConnectionFactory


@pytest.fixture
def empty_cache():
    """bill_currencies is cached per company id, and ids repeat across rolled-back tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def connected(company):
    """`company` linked to its books through Codat; returns the connection."""
    company.codat_company_id = "codat-company-1"
    company.save(update_fields=["codat_company_id"])
    return AccountingConnectionFactory(company=company, codat_connection_id="codat-connection-1")


@pytest.fixture
def attachments_codat(monkeypatch):
    """An autospec'd Codat client, handed out by the attachments service's factory."""
    client = create_autospec(CodatClient, instance=True)
    client.__enter__.return_value = client
    factory = Mock(return_value=client)
    monkeypatch.setattr("billpay.bills.services.attachments.get_codat_client", factory)
    client.factory = factory
    return client


@pytest.fixture
def codat(monkeypatch):
    """An autospec'd Codat client for the push machine and the ledger writes: nothing in push
    history or the books until a test says so, and every refresh of the books done at once."""
    client = create_autospec(CodatClient, instance=True)
    client.__enter__.return_value = client
    factory = Mock(return_value=client)
    for module in ("pushes.services.machine", "pushes.services.lookup", "bills.services.writes"):
        monkeypatch.setattr(f"billpay.{module}.get_codat_client", factory)
    client.list_push_operations.side_effect = lambda **_: iter(())
    client.list_bills.side_effect = lambda **_: iter(())
    client.list_suppliers.side_effect = lambda **_: iter(())
    client.list_bill_attachments.return_value = []
    client.refresh_data_type.return_value = PullOperation(id="pull-1")
    client.get_pull_operation.return_value = PullOperation(id="pull-1", is_completed=True)
    return client
