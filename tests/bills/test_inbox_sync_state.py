"""Issue 10, point 2: the inbox tells the truth about a first sync.

Until the books have been read once, an empty inbox says they are being read (and reloads itself
when that ends), or that the read failed, why, with a way to try again, or that it has not
started. It says that every bill is paid only after a sync has succeeded.
"""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from billpay.bills.models import SyncRun
from billpay.bills.selectors import sync_first_state
from billpay.onboarding.models import AccountingConnection
from tests.factories import AccountingConnectionFactory, BillFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

ALL_PAID = re.compile(r"Nothing to pay|Every bill in your books is paid")
RELOAD_WHEN_DONE = 'hx-trigger="syncFinished from:body"'
POLL = 'hx-trigger="every 2s"'
ACTIVE = [SyncRun.Status.QUEUED, SyncRun.Status.WAITING, SyncRun.Status.RUNNING]


def _run(company, status, *, error="", trigger=SyncRun.Trigger.LINK) -> SyncRun:
    return SyncRun.objects.create(company=company, trigger=trigger, status=status, error=error)


def _inbox(client, **params):
    response = client.get(reverse("bills:inbox"), params)
    assert response.status_code == 200
    return response.content.decode()


def _bill_table(content: str) -> str:
    """The opening tag of the #bill-table region."""
    return re.search(r'<section id="bill-table"[^>]*>', content).group(0)


def _text(content: str) -> str:
    """What a person reads: the markup without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", content).split())


# --- reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ACTIVE)
def test_while_the_first_sync_runs_the_inbox_says_the_books_are_being_read(
    client_member, company, connected, status
):
    _run(company, status)

    content = _inbox(client_member)

    assert "Your bills are on their way" in content
    assert "We are reading your books from QuickBooks Online for the first time" in _text(content)
    assert not ALL_PAID.search(content)
    # The status region polls every 2 s; when the run ends, the inbox region reloads itself.
    assert f'hx-get="{reverse("bills:sync-status")}"' in content
    assert POLL in content
    table = _bill_table(content)
    assert RELOAD_WHEN_DONE in table
    assert f'hx-get="{reverse("bills:inbox")}"' in table
    assert 'hx-swap="outerHTML"' in table


def test_while_the_first_sync_runs_a_filtered_inbox_says_more_bills_may_come(
    client_member, company, connected
):
    _run(company, SyncRun.Status.RUNNING)

    content = _inbox(client_member, view="paid", q="acme")

    assert "No bills match" in content
    assert "We are still reading your books." in content
    assert POLL in content
    # The reload keeps the filters.
    assert f'hx-get="{reverse("bills:inbox")}?view=paid&amp;q=acme"' in _bill_table(content)


def test_bills_read_so_far_show_with_a_note_that_more_may_come(client_member, company, connected):
    _run(company, SyncRun.Status.RUNNING)
    BillFactory(company=company, supplier_name="Acme Plumbing")

    content = _inbox(client_member)

    assert "Acme Plumbing" in content
    assert "We are still reading your books." in content
    assert POLL in content
    assert RELOAD_WHEN_DONE in _bill_table(content)


def test_the_reload_when_the_sync_ends_brings_the_bills_and_stops(htmx_client, company, connected):
    run = _run(company, SyncRun.Status.RUNNING)
    assert RELOAD_WHEN_DONE in _inbox(htmx_client)

    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.SUCCEEDED)
    BillFactory(company=company, supplier_name="Acme Plumbing")
    content = _inbox(htmx_client)

    assert content.lstrip().startswith('<section id="bill-table"')
    assert "<html" not in content
    assert "Acme Plumbing" in content
    assert RELOAD_WHEN_DONE not in content
    assert POLL not in content


def test_the_status_poll_stops_and_signals_the_inbox_when_the_run_ends(
    htmx_client, company, connected
):
    run = _run(company, SyncRun.Status.RUNNING)
    polling = htmx_client.get(reverse("bills:sync-status"))
    assert polling.status_code == 200
    assert "HX-Trigger" not in polling

    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.FAILED, error="Oops.")
    done = htmx_client.get(reverse("bills:sync-status"))

    assert done.status_code == 286  # htmx stops polling
    assert "syncFinished" in done["HX-Trigger"]


# --- failed --------------------------------------------------------------------------------------


def test_after_a_failed_first_sync_the_inbox_says_why_and_offers_a_retry(
    client_member, company, connected
):
    _run(company, SyncRun.Status.FAILED, error="Your accounting software did not answer.")

    content = _inbox(client_member)

    assert "We could not read your books" in content
    assert "The first sync failed: Your accounting software did not answer." in content
    assert not ALL_PAID.search(content)
    (form,) = [f for f in re.findall(r"<form .*?</form>", content, re.S) if "Try again" in f]
    assert f'method="post" action="{reverse("bills:sync-now")}"' in form
    assert 'name="next" value="/bills/"' in form
    assert POLL not in content
    assert RELOAD_WHEN_DONE not in content


def test_try_again_starts_a_sync_and_the_inbox_then_says_the_books_are_being_read(
    client_member, company, connected
):
    _run(company, SyncRun.Status.FAILED, error="Your accounting software did not answer.")

    response = client_member.post(reverse("bills:sync-now"), {"next": "/bills/"})

    assert response.status_code == 302
    assert response["Location"] == "/bills/"
    latest = SyncRun.objects.filter(company=company).first()
    assert latest.status == SyncRun.Status.QUEUED
    assert latest.trigger == SyncRun.Trigger.MANUAL
    content = _inbox(client_member)
    assert "Your bills are on their way" in content
    assert "could not read" not in content


def test_a_failed_first_sync_on_a_lost_connection_points_to_the_connection(
    client_member, company, connected
):
    AccountingConnection.objects.filter(pk=connected.pk).update(
        status=AccountingConnection.Status.PENDING_AUTH
    )
    _run(company, SyncRun.Status.FAILED, error="Connect your accounting software first.")

    content = _inbox(client_member)

    assert "The first sync failed: Connect your accounting software first." in content
    assert "QuickBooks Online is not connected right now." in content
    assert f'href="{reverse("onboarding:connection")}"' in content
    assert "Try again" not in content  # it could only fail the same way
    assert not ALL_PAID.search(content)


def test_a_failed_first_sync_with_bills_already_read_says_so_above_them(
    client_member, company, connected
):
    _run(company, SyncRun.Status.FAILED, error="Your accounting software did not answer.")
    BillFactory(company=company, supplier_name="Acme Plumbing")

    content = _inbox(client_member)

    assert "Acme Plumbing" in content
    assert "The first sync failed: Your accounting software did not answer." in content
    assert "Try again" in content


# --- not started ---------------------------------------------------------------------------------


def test_before_any_sync_a_linked_inbox_offers_to_read_the_books(client_member, company, connected):
    content = _inbox(client_member)

    assert "Your bills are not here yet" in content
    assert "Read my books now" in content
    assert not ALL_PAID.search(content)


def test_before_the_connection_is_approved_the_inbox_asks_to_finish_connecting(
    client_member, company, connected
):
    AccountingConnection.objects.filter(pk=connected.pk).update(
        status=AccountingConnection.Status.PENDING_AUTH
    )

    content = _inbox(client_member)

    assert "Finish connecting QuickBooks Online" in content
    assert f'href="{reverse("onboarding:connection")}"' in content
    assert "Read my books now" not in content
    assert not ALL_PAID.search(content)


# --- after a successful sync ---------------------------------------------------------------------


def test_only_after_a_successful_sync_does_an_empty_inbox_say_every_bill_is_paid(
    client_member, company, connected
):
    _run(company, SyncRun.Status.SUCCEEDED)
    BillFactory(company=company, codat_status="Paid", amount_due=0)

    content = _inbox(client_member)

    assert "Nothing to pay" in content
    assert "Every bill in your books is paid" in content
    assert RELOAD_WHEN_DONE not in content


@pytest.mark.parametrize("later", [SyncRun.Status.RUNNING, SyncRun.Status.FAILED])
def test_a_later_sync_does_not_make_the_inbox_forget_the_books_were_read(
    client_member, company, connected, later
):
    _run(company, SyncRun.Status.SUCCEEDED)
    _run(company, later, error="Oops." if later == SyncRun.Status.FAILED else "")

    content = _inbox(client_member)

    assert "Nothing to pay" in content
    assert "first sync" not in content.lower()
    assert RELOAD_WHEN_DONE not in content


def test_another_companys_sync_says_nothing_about_this_inbox(
    client_member, company, other_company, connected
):
    _run(other_company, SyncRun.Status.SUCCEEDED)
    _run(other_company, SyncRun.Status.FAILED, error="Charlie's secret failure")

    content = _inbox(client_member)

    assert "Your bills are not here yet" in content
    assert "Charlie" not in content
    assert not ALL_PAID.search(content)


# --- the selector --------------------------------------------------------------------------------


def test_sync_first_state_follows_the_runs_of_the_company(company, other_company):
    assert sync_first_state(company=company).not_started
    _run(other_company, SyncRun.Status.SUCCEEDED)
    assert sync_first_state(company=company).not_started

    first = _run(company, SyncRun.Status.WAITING)
    state = sync_first_state(company=company)
    assert (state.reading, state.failed, state.done, state.latest) == (True, False, False, first)

    SyncRun.objects.filter(pk=first.pk).update(status=SyncRun.Status.FAILED)
    state = sync_first_state(company=company)
    assert (state.reading, state.failed, state.done) == (False, True, False)

    _run(company, SyncRun.Status.SUCCEEDED)
    _run(company, SyncRun.Status.FAILED)
    state = sync_first_state(company=company)
    assert (state.reading, state.failed, state.done, state.not_started) == (
        False,
        False,
        True,
        False,
    )


def test_sync_first_state_takes_one_query_when_the_latest_run_succeeded(
    company, django_assert_num_queries
):
    _run(company, SyncRun.Status.SUCCEEDED)

    with django_assert_num_queries(1):
        assert sync_first_state(company=company).done


def test_sync_first_state_takes_no_query_once_the_connection_says_a_sync_finished(
    company, django_assert_num_queries
):
    connection = AccountingConnectionFactory(company=company, last_synced_at=timezone.now())

    with django_assert_num_queries(0):
        state = sync_first_state(company=company, connection=connection)

    assert state.done and not state.reading and state.latest is None


def test_a_connection_never_synced_still_asks_the_sync_runs(company, django_assert_num_queries):
    connection = AccountingConnectionFactory(company=company, last_synced_at=None)
    _run(company, SyncRun.Status.RUNNING)

    with django_assert_num_queries(2):
        state = sync_first_state(company=company, connection=connection)

    assert state.reading and not state.done
