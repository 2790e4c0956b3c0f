"""The registry the apps above onboarding fill in: which webhooks they follow, what a link starts."""

from unittest import mock

from billpay.onboarding import hooks
from billpay.onboarding.hooks import webhook_handlers


def test_each_app_follows_its_own_webhooks():
    from billpay.bills.hooks import sync_on_read_completed
    from billpay.pushes.tasks import push_write_event

    assert webhook_handlers("read.completed") == [sync_on_read_completed]
    assert webhook_handlers("read.completed.initial") == [sync_on_read_completed]
    assert webhook_handlers("bills.write.successful") == [push_write_event]
    assert webhook_handlers("suppliers.write.unsuccessful") == [push_write_event]
    assert webhook_handlers("billPayments.write.successful") == [push_write_event]
    assert webhook_handlers("bankAccounts.write.unsuccessful") == [push_write_event]


def test_an_event_nobody_follows_has_no_handler():
    assert webhook_handlers("invoices.write.successful") == []
    assert webhook_handlers("connection.connected") == []  # onboarding applies those itself
    assert webhook_handlers("read.completedX") == []


def test_bills_starts_a_sync_when_books_are_linked():
    from billpay.bills.hooks import sync_on_link

    assert hooks.linked_handlers() == [sync_on_link]


def test_registering_a_handler_twice_calls_it_once(monkeypatch):
    monkeypatch.setattr(hooks, "_webhook_handlers", [])
    monkeypatch.setattr(hooks, "_linked_handlers", [])
    handler = mock.Mock()

    for _ in range(2):
        hooks.register_webhook_handler("things.write.*", handler)
        hooks.register_linked_handler(handler)

    assert hooks.webhook_handlers("things.write.successful") == [handler]
    assert hooks.webhook_handlers("other.write.successful") == []
    assert hooks.linked_handlers() == [handler]
