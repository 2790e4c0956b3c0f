"""Issue 10, point 1: the connection's state is Codat's, whatever order the news arrives in.

Each `connection.*` event and the return from the consent page re-read the connection from
Codat (the sandbox, over real HTTP); readings apply in the order they were asked for.
"""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import close_old_connections
from django.utils import timezone

from billpay.bills.models import SyncRun
from billpay.core.models import AuditEvent
from billpay.onboarding.models import AccountingConnection, WebhookEvent
from billpay.onboarding.services import connection_verify, webhook_process
from billpay.onboarding.services.connection import _connection_apply, connection_refresh
from billpay.sandbox.companies import connection_approve, connection_create, connection_set_status
from billpay.sandbox.models import SandboxCompany, SandboxConnection

pytestmark = pytest.mark.django_db(transaction=True)

LINKED = AccountingConnection.Status.LINKED
PENDING = AccountingConnection.Status.PENDING_AUTH
UNLINKED = AccountingConnection.Status.UNLINKED


@pytest.fixture(autouse=True)
def _no_sync_tasks():
    with mock.patch("billpay.bills.tasks.bills_sync_task.delay_on_commit"):
        yield


@pytest.fixture
def pending(sandbox, company):
    """`company` mid-Link: a PendingAuth connection at the sandbox, mirrored locally."""
    books = SandboxCompany.objects.create(name=company.name, created=timezone.now())
    remote = connection_create(company=books, platform_key="qhyg")
    company.codat_company_id = str(books.pk)
    company.save(update_fields=["codat_company_id"])
    local = AccountingConnection.objects.create(
        company=company,
        codat_connection_id=str(remote.pk),
        platform_key="qhyg",
        platform_name="QuickBooks Online",
        status=PENDING,
    )
    return local, remote


def _event(company, event_type: str, connection_id: str, status: str, n: int) -> WebhookEvent:
    payload = {
        "id": f"evt-{n}",
        "eventType": event_type,
        "generatedDate": "2026-11-30T10:00:00Z",
        "payload": {
            "referenceCompany": {"id": company.codat_company_id},
            "connection": {"id": connection_id, "status": status},
        },
    }
    return WebhookEvent.objects.create(
        webhook_id=f"msg_{n}", event_type=event_type, company=company, payload=payload
    )


def _status(company) -> str:
    return AccountingConnection.objects.get(company=company).status


def test_an_event_about_another_connection_never_touches_the_current_one(pending, company):
    local, remote = pending
    abandoned = connection_create(company=remote.company, platform_key="gbol")
    connection_approve(connection=abandoned)  # an earlier Link attempt, finished elsewhere

    webhook_process(
        event_id=_event(company, "connection.connected", str(abandoned.pk), "Linked", 1).pk
    )

    assert _status(company) == PENDING
    assert AccountingConnection.objects.get(company=company).codat_connection_id == str(remote.pk)
    assert not SyncRun.objects.filter(company=company).exists()


def test_a_late_connected_event_does_not_undo_a_disconnect(pending, company):
    local, remote = pending
    connection_approve(connection=remote)
    connected = _event(company, "connection.connected", str(remote.pk), "Linked", 1)
    webhook_process(event_id=connected.pk)
    assert _status(company) == LINKED

    connection_set_status(connection=remote, status=SandboxConnection.Status.UNLINKED)
    webhook_process(
        event_id=_event(company, "connection.disconnected", str(remote.pk), "Unlinked", 2).pk
    )
    # Codat's retry of the older connection.connected arrives last.
    WebhookEvent.objects.filter(pk=connected.pk).update(processed_at=None)
    webhook_process(event_id=connected.pk)

    assert _status(company) == UNLINKED


def test_a_late_created_event_does_not_undo_the_link(pending, company):
    """The bug of issue 10: connection.created (PendingAuth) processed after the return."""
    local, remote = pending
    created = _event(company, "connection.created", str(remote.pk), "PendingAuth", 1)
    connection_approve(connection=remote)
    connection_verify(
        company=company,
        actor=None,
        codat_company_id=company.codat_company_id,
        connection_id=str(remote.pk),
        status_code="200",
        error_message="",
    )

    webhook_process(event_id=created.pk)

    assert _status(company) == LINKED
    assert SyncRun.objects.filter(company=company, trigger=SyncRun.Trigger.LINK).count() == 1


def test_an_older_reading_applied_after_a_newer_one_is_ignored(pending, company):
    local, _ = pending
    now = timezone.now()

    _connection_apply(local, status=LINKED, asked_at=now, actor=None)
    _connection_apply(local, status=PENDING, asked_at=now - timedelta(seconds=1), actor=None)

    assert _status(company) == LINKED


def test_a_connection_deleted_at_codat_reads_as_disconnected(pending, company):
    local, remote = pending
    remote_id = str(remote.pk)
    connection_approve(connection=remote)
    connection_refresh(company=company, codat_connection_id=remote_id)
    SandboxConnection.objects.filter(pk=remote_id).delete()

    connection_refresh(company=company, codat_connection_id=remote_id)

    assert _status(company) == UNLINKED


def test_the_return_and_the_webhooks_racing_in_threads_end_in_codats_state(pending, company):
    """Eight workers at once: the consent return and deliveries of every connection event."""
    local, remote = pending
    created = _event(company, "connection.created", str(remote.pk), "PendingAuth", 1)
    connection_approve(connection=remote)
    events = [created] + [
        _event(company, "connection.connected", str(remote.pk), "Linked", n) for n in (2, 3, 4)
    ]
    start, errors = threading.Barrier(8), []

    def run(work):
        try:
            start.wait()
            work()
        except Exception as exc:  # reported below, on the test's thread
            errors.append(exc)
        finally:
            close_old_connections()

    def verify():
        connection_verify(
            company=company,
            actor=None,
            codat_company_id=company.codat_company_id,
            connection_id=str(remote.pk),
            status_code="200",
            error_message="",
        )

    works = [verify, verify, verify, verify] + [
        (lambda e=e: webhook_process(event_id=e.pk)) for e in events
    ]
    threads = [threading.Thread(target=run, args=(w,)) for w in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert _status(company) == LINKED
    assert SyncRun.objects.filter(company=company, trigger=SyncRun.Trigger.LINK).count() == 1
    assert AuditEvent.objects.filter(company=company, action="connection.linked").count() == 1
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()
