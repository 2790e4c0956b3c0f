"""Errors a worker writes (a bill's push, a sync run) read in the reader's language (issue 14):
kept as phrases in no one's language, shown in French to a French user and in English to an
English one; what the books said stays as the books wrote it."""

import html

import pytest
from django.urls import reverse
from django.utils import translation

from billpay.bills.models import SyncRun
from billpay.bills.services import sync_run_queue
from billpay.bills.tasks import _sync_failed
from billpay.codat.errors import CodatTransientError, ValidationItem
from tests.bills.test_create_writes import _advance, _no_enqueue, _op, write  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]
NBSP = "\u00a0"


def _page(client, user, language: str, url: str) -> str:
    user.language = language
    user.save(update_fields=["language"])
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _as_the_worker_does(step) -> None:
    translation.deactivate_all()  # a Celery worker runs in no user's language
    try:
        step()
    finally:
        translation.deactivate()


def test_a_bills_push_error_reads_in_french_with_the_books_words_as_they_are(
    codat,
    write,  # noqa: F811  (the fixture imported above)
    client_member,
    user,
):
    codat.create_bill.return_value = _op(
        "Failed",
        errors=[ValidationItem(item_id="supplierRef.id", message="Supplier 7 is archived.")],
    )
    _as_the_worker_does(lambda: _advance(write))
    url = reverse("bills:bill-detail", args=[write.bill.pk])

    french = _page(client_member, user, "fr", url)
    english = _page(client_member, user, "en", url)

    assert write.bill.push_error == "QuickBooks Online refused it: Supplier 7 is archived."
    assert f"QuickBooks Online l’a refusé{NBSP}: Supplier 7 is archived." in french
    assert "refused it" not in french
    assert "QuickBooks Online refused it: Supplier 7 is archived." in english


def test_a_sync_that_failed_in_the_worker_says_why_in_french(
    client_member, user, company, connected
):
    run, _ = sync_run_queue(company=company, trigger=SyncRun.Trigger.LINK, data_types=["bills"])
    _as_the_worker_does(
        lambda: _sync_failed(None, CodatTransientError("down"), "t", (), {"run_id": run.pk}, None)
    )

    french = _page(client_member, user, "fr", reverse("bills:inbox"))
    english = _page(client_member, user, "en", reverse("bills:inbox"))

    run.refresh_from_db()
    assert run.error == "We could not reach your accounting software. Try again later."
    assert "Impossible de joindre votre logiciel comptable. Réessayez plus tard." in french
    assert "We could not reach your accounting software. Try again later." not in french
    assert "We could not reach your accounting software. Try again later." in english


def test_a_sync_error_kept_before_phrases_still_shows_translated_if_it_is_ours(
    client_member, user, company, connected
):
    SyncRun.objects.create(
        company=company,
        trigger=SyncRun.Trigger.LINK,
        status=SyncRun.Status.FAILED,
        error="Connect your accounting software first.",
    )

    french = _page(client_member, user, "fr", reverse("bills:inbox"))

    assert "Connectez d’abord votre logiciel comptable." in french
