"""Codat's list envelope (PagingInfo + results) and when to ask for the next page.

Paging is bounded. `PageWalk` stops at an empty or short page (fewer results than the page
size the server says it used, or than we asked for), once `totalResults` records have been
served, or when `_links.next` is absent; and it never asks for more pages than `totalResults`
allows (ceil(total / size) + 1, the one spare page for records added during the read) or,
without `totalResults`, than `MAX_PAGES_WITHOUT_TOTAL` (with a warning in the log).

A server that would make us loop, or cut a list short, is an error rather than a place to
stop quietly: a page that repeats an earlier one (same record ids), a `pageSize` that is not
positive, above 5000 or above what we asked for, more results than that page size, a short
page while `totalResults` says more records remain, or more pages than `totalResults` allows
all raise `CodatInvalidResponseError`. Stopping early instead would
make a cut-short read look complete: a full sync would then mark every record it did not
read as deleted, and an incremental one would move its watermark past records it never saw.
Raising fails the run with a plain message, leaves the watermark where it was, and the next
sync reads again from there.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

from billpay.codat.decode import decode
from billpay.codat.errors import CodatInvalidResponseError
from billpay.codat.schemas import Page

T = TypeVar("T")

logger = logging.getLogger("billpay.codat")

DEFAULT_PAGE_SIZE = 100  # Codat's default and recommendation
MAX_PAGE_SIZE = 5000  # the `pageSize` parameter's maximum ("much slower" per the docs)
# Without totalResults (the spec requires it) nothing says how long a list is. 10,000 pages
# is a million records at the default page size: far beyond any small business's books, yet
# a bound a broken server reaches in minutes rather than never.
MAX_PAGES_WITHOUT_TOTAL = 10_000

# Called with a result item that cannot be decoded (the JSON value as sent, usually an object)
# and a short reason naming the field ("Bill.id is missing"); the item is then skipped.
OnInvalid = Callable[[Any, str], None]
# Called with a page's totalResults (the whole list's length), before the page's items.
OnTotal = Callable[[int], None]


def parse_page(
    body: Any, record: type[T], template: str, *, on_invalid: OnInvalid | None = None
) -> Page[T]:
    """One list response as a `Page`; an undecodable item raises, or goes to `on_invalid`."""
    if not isinstance(body, Mapping) or not isinstance(body.get("results"), list):
        raise CodatInvalidResponseError(f"GET {template}: not a page of results")
    links = body.get("_links")
    next_link = links.get("next") if isinstance(links, Mapping) else None
    if on_invalid is None:
        results = tuple(decode(record, item) for item in body["results"])
    else:
        decoded = (decode(record, item, on_invalid=on_invalid) for item in body["results"])
        results = tuple(item for item in decoded if item is not None)
    return Page(
        results=results,
        page_number=_int_or_none(body.get("pageNumber")),
        page_size=_int_or_none(body.get("pageSize")),
        total_results=_int_or_none(body.get("totalResults")),
        next_href=next_link.get("href") if isinstance(next_link, Mapping) else None,
        raw=body,
    )


class PageWalk:
    """Decides, page after page of one list, whether to fetch another (see the module doc)."""

    def __init__(self, *, template: str, page_size: int) -> None:
        self.template = template
        self.page_size = page_size
        self.served = 0  # result items served so far, decodable or not
        self.max_pages: int | None = None  # fixed by the first page
        self.first_total: int | None = None
        # One hash per page of its record ids: a few bytes a page, enough to spot a repeat.
        self._seen_pages: set[int] = set()

    def more_after(self, page: Page[Any], page_number: int) -> bool:
        """True if the list goes on after `page` (page `page_number`, counted from 1).

        **Raises:** CodatInvalidResponseError if the page cannot be trusted to end the loop.
        """
        items = page.raw["results"]
        size = self._served_page_size(page)
        total = self._total_results(page)
        if len(items) > size:
            self._invalid(f"page {page_number} has {len(items)} results, above its size {size}")
        if self.max_pages is None:
            self.first_total, self.max_pages = total, self._page_cap(total, size)
        self._check_not_repeated(items, page_number)
        self.served += len(items)
        if len(items) < size:  # an empty or short page: the last one
            if total is not None and self.served < total:
                # A consistent server cannot do this (records deleted meanwhile shrink
                # totalResults too): the rest of the list would be silently missing.
                self._invalid(
                    f"page {page_number} is short ({len(items)} of {size}) with only "
                    f"{self.served} of totalResults={total} served"
                )
            return False
        if total is not None and self.served >= total:
            return False
        # `next` is present exactly when there is a next page; if `_links` is missing
        # altogether (a non-conforming server), the counts above decide.
        if isinstance(page.raw.get("_links"), Mapping) and page.next_href is None:
            return False
        if page_number >= self.max_pages:
            if self.first_total is None:
                self._invalid(f"more than {self.max_pages} pages without totalResults")
            self._invalid(
                f"more pages after page {page_number}, above the {self.max_pages} that "
                f"totalResults={self.first_total} allows"
            )
        return True

    def _served_page_size(self, page: Page[Any]) -> int:
        # Codat may serve fewer than we asked for (PagingInfo.pageSize says max 2000 while the
        # parameter allows 5000), so count with the page size the server says it used.
        value = page.raw.get("pageSize")
        if value is None:
            return self.page_size
        if page.page_size is None or not 1 <= page.page_size <= min(MAX_PAGE_SIZE, self.page_size):
            self._invalid(f"pageSize {value!r} for a page of at most {self.page_size}")
        return page.page_size

    def _total_results(self, page: Page[Any]) -> int | None:
        value = page.raw.get("totalResults")
        if value is None:
            return None
        if page.total_results is None or page.total_results < 0:
            self._invalid(f"totalResults {value!r} is not a count")
        return page.total_results

    def _page_cap(self, total: int | None, size: int) -> int:
        if total is None:
            logger.warning(
                "codat GET %s: no totalResults; reading at most %d pages",
                self.template,
                MAX_PAGES_WITHOUT_TOTAL,
            )
            return MAX_PAGES_WITHOUT_TOTAL
        return math.ceil(total / size) + 1

    def _check_not_repeated(self, items: list[Any], page_number: int) -> None:
        ids = tuple(_record_id(item) for item in items)
        if not any(record_id is not None for record_id in ids):
            return  # nothing identifies these records; the page cap still bounds the walk
        fingerprint = hash(ids)
        if fingerprint in self._seen_pages:
            self._invalid(f"page {page_number} repeats the records of an earlier page")
        self._seen_pages.add(fingerprint)

    def _invalid(self, problem: str) -> NoReturn:
        raise CodatInvalidResponseError(f"GET {self.template}: {problem}")


def _record_id(item: Any) -> str | int | None:
    # Only a real id identifies a record: records without one (or with "") are all alike, and
    # two pages of them are not a repeat.
    record_id = item.get("id") if isinstance(item, Mapping) else None
    if isinstance(record_id, bool) or not isinstance(record_id, str | int) or record_id == "":
        return None
    return record_id


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
