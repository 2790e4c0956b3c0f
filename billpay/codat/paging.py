"""Codat's list envelope (PagingInfo + results) and when to ask for the next page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from billpay.codat.decode import decode
from billpay.codat.errors import CodatInvalidResponseError
from billpay.codat.schemas import Page

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 100  # Codat's default and recommendation
MAX_PAGE_SIZE = 5000  # the `pageSize` parameter's maximum ("much slower" per the docs)


def parse_page(body: Any, record: type[T], template: str) -> Page[T]:
    if not isinstance(body, Mapping) or not isinstance(body.get("results"), list):
        raise CodatInvalidResponseError(f"GET {template}: not a page of results")
    links = body.get("_links")
    next_link = links.get("next") if isinstance(links, Mapping) else None
    return Page(
        results=tuple(decode(record, item) for item in body["results"]),
        page_number=_int_or_none(body.get("pageNumber")),
        page_size=_int_or_none(body.get("pageSize")),
        total_results=_int_or_none(body.get("totalResults")),
        next_href=next_link.get("href") if isinstance(next_link, Mapping) else None,
        raw=body,
    )


def has_next(page: Page[Any], page_number: int, page_size: int) -> bool:
    # Codat may serve fewer than we asked for (PagingInfo.pageSize says max 2000 while the
    # parameter allows 5000), so count with the page size the server actually used.
    size = page.page_size or page_size
    if page.total_results is not None and page_number * size >= page.total_results:
        return False
    # `next` is present exactly when there is a next page; if `_links` is missing
    # altogether (a non-conforming server), the counts above and an empty page decide.
    links = page.raw.get("_links")
    return not isinstance(links, Mapping) or page.next_href is not None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
