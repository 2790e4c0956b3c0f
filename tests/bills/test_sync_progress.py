"""The sync's progress shows records read of Codat's totalResults, per data type."""

import copy
from unittest import mock

import pytest
from django.urls import reverse

from billpay.bills.models import SyncRun
from billpay.bills.services.sync import fetch
from tests.conftest import sync_books


def test_progress_counts_records_read_of_codats_total_per_data_type(linked_company, settings):
    settings.CODAT_SYNC_PAGE_SIZE = 10
    snapshots = []
    write = fetch._write_batch

    def spy(run, spec, company, batch, counts, data_type):
        write(run, spec, company, batch, counts, data_type)
        snapshots.append(copy.deepcopy(SyncRun.objects.get(pk=run.pk).progress))

    with mock.patch.object(fetch, "_write_batch", spy):
        sync_books(linked_company)

    bills = [s["bills"] for s in snapshots if "bills" in s and not s["bills"]["done"]]
    assert [b["read"] for b in bills] == [10, 20, 30, 40]
    assert {b["total"] for b in bills} == {40}
    run = SyncRun.objects.get(company=linked_company)
    assert run.progress["bills"] == {"read": 40, "total": 40, "done": True}
    assert run.progress["suppliers"]["done"] and run.progress["suppliers"]["total"] > 0
    assert [step.state for step in run.progress_steps] == ["done"] * len(run.data_types)
    assert run.progress_percent == 100


def _running(company, progress) -> SyncRun:
    return SyncRun.objects.create(
        company=company,
        trigger="manual",
        status="running",
        data_types=["suppliers", "taxRates", "accounts", "bills"],
        progress=progress,
        records_read=2075,
    )


@pytest.mark.django_db
def test_the_progress_bar_shows_real_progress_in_words(htmx_client, company, connected):
    _running(
        company,
        {
            "suppliers": {"read": 75, "total": 75, "done": True},
            "taxRates": {"read": 0, "total": 0, "done": True},
            "accounts": {"read": 0, "total": None, "done": False},
            "bills": {"read": 2000, "total": 10000, "done": False},
        },
    )

    response = htmx_client.get(reverse("bills:sync-status"))

    text = response.content.decode()
    # suppliers 100 + tax rates 100 + accounts 0 + bills 20, over 4 = 55 %
    assert "Reading your books: 55%" in text
    assert '<progress class="progress" max="100" value="55"' in text
    assert "Suppliers: done, 75 read" in text
    assert "Tax rates: done, nothing new" in text
    assert "Bills: 2,000 of 10,000 read" in text
    assert "taxRates" not in text and "60%" not in text


@pytest.mark.django_db
def test_a_data_type_not_started_is_still_to_do(htmx_client, company, connected):
    _running(company, {"suppliers": {"read": 30, "total": 75, "done": False}})

    text = htmx_client.get(reverse("bills:sync-status")).content.decode()

    assert "Suppliers: 30 of 75 read" in text
    assert "Bills: to do" in text
    assert "Reading your books: 10%" in text  # 40 % of one step of four


@pytest.mark.django_db
def test_a_queued_sync_shows_no_made_up_progress(htmx_client, company, connected):
    SyncRun.objects.create(company=company, trigger="manual", status="queued")

    text = htmx_client.get(reverse("bills:sync-status")).content.decode()

    assert "Sync queued" in text
    assert "<progress" not in text


@pytest.mark.django_db
def test_a_finished_sync_lists_data_types_in_words(htmx_client, company, connected):
    SyncRun.objects.create(
        company=company,
        trigger="manual",
        status="succeeded",
        counts={
            "taxRates": {"not_supported": True},
            "accounts": {"read": 3, "created": 3, "updated": 0, "deleted": 0},
        },
    )

    text = htmx_client.get(reverse("bills:sync-status")).content.decode()

    assert "Tax rates: not kept by your accounting software" in text
    assert "Accounts: 3 read, 3 new" in text
    assert "taxRates" not in text
