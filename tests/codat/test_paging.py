"""Paging is bounded: every way a list can end, and every way a server could keep us paging."""

import json
import logging
from urllib.parse import parse_qs, urlparse

import pytest

from billpay.codat import CodatInvalidResponseError, paging
from tests.codat.payloads import COMPANY_ID, page, url

BILLS = url(f"/companies/{COMPANY_ID}/data/bills")


def _bills(*ids):
    return [{"id": bill_id, "totalAmount": 1} for bill_id in ids]


def _serve(mocked, pages):
    """Serve `pages` (envelopes) in order, one per request, whatever page is asked for."""
    for envelope in pages:
        mocked.get(BILLS, body=json.dumps(envelope))


def _endless(mocked, *, size, total=lambda number: None, ids=None, links=True):
    """A server that always has a next page: fresh ids (or `ids(number)`) on every page."""

    def reply(request):
        number = int(parse_qs(urlparse(request.url).query)["page"][0])
        records = _bills(*(ids(number) if ids else [f"p{number}-{i}" for i in range(size)]))
        envelope = page(records, page_number=number, page_size=size, next_href="/next")
        envelope["totalResults"] = total(number)
        if envelope["totalResults"] is None:
            del envelope["totalResults"]
        if not links:
            del envelope["_links"]
        return 200, {}, json.dumps(envelope)

    mocked.add_callback("GET", BILLS, callback=reply)


def _read(codat, page_size=2):
    """The ids read before the listing ended, and the error that ended it (or None)."""
    read = []
    try:
        for bill in codat.list_bills(company_id=COMPANY_ID, page_size=page_size):
            read.append(bill.id)
    except CodatInvalidResponseError as exc:
        return read, exc
    return read, None


# --- where a list ends ---------------------------------------------------------------------


def test_a_short_page_ends_the_list_even_with_a_next_link(codat, mocked):
    pages = [
        page(_bills("a", "b"), page_size=2, next_href="/n"),
        page(_bills("c"), page_number=2, page_size=2, next_href="/n"),
    ]
    for envelope in pages:
        del envelope["totalResults"]
    _serve(mocked, pages)

    read, error = _read(codat)

    assert (read, error) == (["a", "b", "c"], None)
    assert len(mocked.calls) == 2


def test_a_short_page_while_total_results_says_more_remain_is_refused(codat, mocked):
    # Cut short without a word (as a server capping pages at 2000 while saying 5000 would):
    # stopping would pass 3 of 10 records off as the whole list.
    _serve(
        mocked,
        [
            page(_bills("a", "b"), page_size=2, total=10, next_href="/n"),
            page(_bills("c"), page_number=2, page_size=2, total=10, next_href="/n"),
        ],
    )

    read, error = _read(codat)

    assert read == ["a", "b"]
    assert isinstance(error, CodatInvalidResponseError)
    assert "3 of totalResults=10" in str(error)


def test_an_empty_page_while_total_results_says_more_remain_is_refused(codat, mocked):
    _serve(mocked, [page([], page_size=2, total=9)])

    read, error = _read(codat)

    assert read == []
    assert isinstance(error, CodatInvalidResponseError)


def test_a_page_is_short_against_the_size_the_server_says_it_used(codat, mocked):
    # Asked for 5000, served 2 a page: a page of 2 is full, a page of 1 is the last.
    pages = [
        page(_bills("a", "b"), page_size=2, total=None, next_href="/n"),
        page(_bills("c", "d"), page_number=2, page_size=2, next_href="/n"),
        page(_bills("e"), page_number=3, page_size=2, next_href="/n"),
    ]
    for envelope in pages:
        del envelope["totalResults"]
    _serve(mocked, pages)

    read, error = _read(codat, page_size=5000)

    assert (read, error) == (["a", "b", "c", "d", "e"], None)
    assert len(mocked.calls) == 3


def test_total_results_ends_the_list_even_with_a_next_link(codat, mocked):
    _serve(
        mocked,
        [
            page(_bills("a", "b"), page_size=2, total=4, next_href="/n"),
            page(_bills("c", "d"), page_number=2, page_size=2, total=4, next_href="/n"),
        ],
    )

    read, error = _read(codat)

    assert (read, error) == (["a", "b", "c", "d"], None)
    assert len(mocked.calls) == 2


def test_a_list_of_exactly_full_pages_ends_without_asking_for_an_empty_one(codat, mocked):
    # The sandbox's own envelope: no next link on the last page.
    _serve(
        mocked,
        [
            page(_bills("a", "b"), page_size=2, total=4, next_href="/n"),
            page(_bills("c", "d"), page_number=2, page_size=2, total=4),
        ],
    )

    read, _ = _read(codat)

    assert read == ["a", "b", "c", "d"]
    assert len(mocked.calls) == 2


def test_without_total_results_the_list_follows_next_links_and_warns(codat, mocked, caplog):
    pages = [
        page(_bills("a", "b"), page_size=2, next_href="/n"),
        page(_bills("c", "d"), page_number=2, page_size=2),
    ]
    for envelope in pages:
        del envelope["totalResults"]
    _serve(mocked, pages)

    with caplog.at_level(logging.WARNING, logger="billpay.codat"):
        read, error = _read(codat)

    assert (read, error) == (["a", "b", "c", "d"], None)
    assert "no totalResults" in caplog.text


# --- servers that would keep us paging ------------------------------------------------------


def test_pages_past_what_total_results_allows_are_refused(codat, mocked):
    # totalResults says 4 (2 pages of 2), then keeps growing while next links keep coming:
    # at most ceil(4 / 2) + 1 = 3 pages are read.
    _endless(mocked, size=2, total=lambda number: 4 if number == 1 else number * 2 + 10)

    read, error = _read(codat)

    assert isinstance(error, CodatInvalidResponseError)
    assert "totalResults=4" in str(error)
    assert len(mocked.calls) == 3
    assert len(read) == 4  # pages 1 and 2; page 3 showed the loop and was not handed out


def test_without_total_results_a_fixed_cap_ends_an_endless_list(codat, mocked, monkeypatch):
    monkeypatch.setattr(paging, "MAX_PAGES_WITHOUT_TOTAL", 5)
    _endless(mocked, size=2)

    read, error = _read(codat)

    assert isinstance(error, CodatInvalidResponseError)
    assert "without totalResults" in str(error)
    assert len(mocked.calls) == 5
    assert len(read) == 8


def test_without_links_or_total_an_endless_list_still_ends_at_the_cap(codat, mocked, monkeypatch):
    monkeypatch.setattr(paging, "MAX_PAGES_WITHOUT_TOTAL", 4)
    _endless(mocked, size=2, links=False)

    _, error = _read(codat)

    assert isinstance(error, CodatInvalidResponseError)
    assert len(mocked.calls) == 4


def test_a_page_that_repeats_the_previous_one_is_refused(codat, mocked):
    # A server that ignores `page` and serves page 1 again and again.
    _endless(mocked, size=2, total=lambda number: 1_000_000, ids=lambda number: ["a", "b"])

    read, error = _read(codat)

    assert isinstance(error, CodatInvalidResponseError)
    assert "repeats" in str(error)
    assert read == ["a", "b"]
    assert len(mocked.calls) == 2


def test_a_page_that_repeats_an_earlier_one_is_refused(codat, mocked):
    cycle = {1: ["a", "b"], 2: ["c", "d"], 3: ["a", "b"]}
    _endless(mocked, size=2, total=lambda number: 1_000_000, ids=lambda number: cycle[number])

    read, error = _read(codat)

    assert isinstance(error, CodatInvalidResponseError)
    assert read == ["a", "b", "c", "d"]
    assert len(mocked.calls) == 3


@pytest.mark.parametrize("page_size", [-1, 0, 5001, 1_000_000, 3, "2", 2.5, True])
def test_a_page_size_we_cannot_trust_is_refused_before_any_record(codat, mocked, page_size):
    # Asked for 2: zero, negative, above 5000, above what we asked, or not a whole number.
    envelope = page(_bills("a", "b"), page_size=2, total=10, next_href="/n")
    envelope["pageSize"] = page_size
    _serve(mocked, [envelope])

    read, error = _read(codat)

    assert read == []
    assert isinstance(error, CodatInvalidResponseError)
    assert "pageSize" in str(error)
    assert len(mocked.calls) == 1


def test_more_results_than_the_page_size_is_refused(codat, mocked):
    _serve(mocked, [page(_bills("a", "b", "c"), page_size=2, total=10, next_href="/n")])

    read, error = _read(codat)

    assert read == []
    assert isinstance(error, CodatInvalidResponseError)


@pytest.mark.parametrize("total", [-1, "4", 4.5])
def test_a_total_results_that_is_not_a_count_is_refused(codat, mocked, total):
    envelope = page(_bills("a", "b"), page_size=2, next_href="/n")
    envelope["totalResults"] = total
    _serve(mocked, [envelope])

    read, error = _read(codat)

    assert read == []
    assert isinstance(error, CodatInvalidResponseError)
    assert "totalResults" in str(error)


def test_pages_of_records_without_ids_are_not_taken_for_repeats(codat, mocked):
    # Found by the property test: such records are skipped one by one, not a looping server.
    no_ids = [{}, {"id": ""}]
    _serve(
        mocked,
        [
            page(no_ids, page_size=2, total=5, next_href="/n"),
            page(no_ids, page_number=2, page_size=2, total=5, next_href="/n"),
            page([{"id": "c"}], page_number=3, page_size=2, total=5),
        ],
    )
    skipped = []

    bills = codat.list_bills(
        company_id=COMPANY_ID, page_size=2, on_invalid=lambda item, why: skipped.append(why)
    )

    assert [bill.id for bill in bills] == ["c"]
    assert len(skipped) == 4


def test_undecodable_items_still_count_toward_a_full_page(codat, mocked):
    # Two items served, one skipped: the page was full, so the next one is still read.
    _serve(
        mocked,
        [
            page([{"id": "a"}, {"totalAmount": 1}], page_size=2, total=3, next_href="/n"),
            page(_bills("c"), page_number=2, page_size=2, total=3),
        ],
    )
    skipped = []

    bills = codat.list_bills(
        company_id=COMPANY_ID, page_size=2, on_invalid=lambda item, why: skipped.append(why)
    )

    assert [bill.id for bill in bills] == ["a", "c"]
    assert skipped == ["Bill.id is missing"]
    assert len(mocked.calls) == 2
