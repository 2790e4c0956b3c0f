"""The one HTTP door to Codat: auth, timeouts, retries, error mapping, counting, logging.

Why a small explicit retry loop rather than urllib3's `Retry`: urllib3 can retry GETs on
429/5xx and honour `Retry-After`, but our write rules don't fit it. A POST must be retried on
429 (Codat does not cache 429s, so the same Idempotency-Key is safe) and on a connect failure
(nothing was sent), yet *never* after a read timeout, a dropped connection or a 5xx, because
the write may have happened; those become `CodatOutcomeUnknownError` for the caller to
reconcile. We also want one total-time budget across tries, a Retry-After that exceeds the
budget to fail fast (so a Celery task can schedule itself instead of blocking a worker), an
injectable `sleep` for tests, and a log line per retry. That is ~60 lines here, so the
adapter keeps urllib3's retries off (`max_retries=0`) and this loop owns them all.

Backoff follows Codat's published client policy (`x-speakeasy-retries`: start 0.5 s,
exponent 1.5, cap 60 s) with "equal jitter" (half fixed, half random) so that many workers
hitting the same 5xx do not retry in lockstep.
"""

from __future__ import annotations

import base64
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from billpay.codat import serialize
from billpay.codat.decode import decode
from billpay.codat.errors import (
    CodatAuthError,
    CodatConflictError,
    CodatError,
    CodatInvalidResponseError,
    CodatNotFoundError,
    CodatOutcomeUnknownError,
    CodatRateLimitedError,
    CodatRequestError,
    CodatTransientError,
    ValidationItem,
)
from billpay.codat.paging import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    OnInvalid,
    PageWalk,
    parse_page,
)
from billpay.codat.schemas import Page

T = TypeVar("T")

logger = logging.getLogger("billpay.codat")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BACKOFF_INITIAL = 0.5
BACKOFF_EXPONENT = 1.5
BACKOFF_MAX = 60.0
# Codat closes idle connections itself; a modest pool is plenty for a worker process.
POOL_SIZE = 10


class CodatTransport:
    """Sends requests to Codat and returns successful responses or raises a `CodatError`.

    `max_retries` counts retries after the first try (4 = at most 5 tries);
    `max_retry_seconds` bounds the total time spent sleeping between tries and trying.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: tuple[float, float] = (3.05, 30.0),
        max_retries: int = 4,
        max_retry_seconds: float = 60.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if not base_url:
            raise ValueError("base_url is required")
        if not api_key:
            raise ValueError("api_key is required")
        if len(timeout) != 2:
            raise ValueError("timeout must be a (connect, read) pair of seconds")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_seconds = max_retry_seconds
        self.request_counts: Counter[str] = Counter()
        self._authorization = "Basic " + base64.b64encode(api_key.encode()).decode("ascii")
        self._session = session or self._new_session()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()

    def __repr__(self) -> str:
        # Never show the key, not even in a debugger or a traceback's locals.
        return f"<{type(self).__name__} {self.base_url}>"

    @property
    def total_requests(self) -> int:
        return sum(self.request_counts.values())

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> CodatTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @staticmethod
    def _new_session() -> requests.Session:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=POOL_SIZE, pool_maxsize=POOL_SIZE, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    # --- requests ------------------------------------------------------------------------

    def request_json(self, method: str, template: str, **kwargs: Any) -> Any:
        """Send a request and decode the JSON answer (amounts as Decimal)."""
        response = self.request(method, template, **kwargs)
        try:
            return serialize.loads(response.content)
        except ValueError as exc:
            raise CodatInvalidResponseError(
                f"{method} {template}: response is not JSON",
                status=response.status_code,
                method=method,
                path=template,
            ) from exc

    def request(
        self,
        method: str,
        template: str,
        *,
        path: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        idempotency_key: str | None = None,
        accept: str = "application/json",
    ) -> requests.Response:
        """Send `method` to `template` (e.g. "/companies/{companyId}") with retries."""
        url = self.url(template, path=path, params=params)
        headers = {"Authorization": self._authorization, "Accept": accept}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = serialize.dumps(body).encode()
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        deadline = self._clock() + self.max_retry_seconds
        attempt = 0
        while True:
            attempt += 1
            outcome, retryable = self._attempt(method, template, url, headers, data, files)
            if isinstance(outcome, requests.Response):
                return outcome
            failure: CodatError = outcome
            delay = self._delay(failure, attempt) if retryable else None
            if delay is None or attempt > self.max_retries or self._clock() + delay > deadline:
                self._log_failure(failure)
                raise failure
            logger.warning(
                "codat retry %s %s in %.2fs after %s (try %d of %d, correlationId=%s)",
                method,
                template,
                delay,
                failure.status or type(failure.__cause__).__name__,
                attempt,
                self.max_retries + 1,
                failure.correlation_id,
            )
            self._sleep(delay)

    def pages(
        self,
        template: str,
        record: type[T],
        *,
        path: Mapping[str, str] | None = None,
        query: str | None = None,
        order_by: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        on_invalid: OnInvalid | None = None,
    ) -> Iterator[Page[T]]:
        """Yield every page of a list endpoint, fetching each one only when asked for.

        Bounded (see `paging`): a server that would keep us paging raises
        `CodatInvalidResponseError` before the page that shows it is yielded. `on_invalid`
        gets each result item that cannot be decoded, which is then left out of its page.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
        walk = PageWalk(template=template, page_size=page_size)
        page_number = 1
        while True:
            params = {
                "page": page_number,
                "pageSize": page_size,
                "query": query,
                "orderBy": order_by,
            }
            body = self.request_json("GET", template, path=path, params=params)
            page = parse_page(body, record, template, on_invalid=on_invalid)
            more = walk.more_after(page, page_number)
            yield page
            if not more:
                return
            page_number += 1

    def url(
        self,
        template: str,
        *,
        path: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> str:
        """Fill the path template (each value percent-encoded) and append the query string."""
        values = {}
        for name, value in (path or {}).items():
            if not value:
                raise ValueError(f"{name} is required for {template}")
            values[name] = quote(str(value), safe="")
        url = self.base_url + template.format_map(values)
        query = {key: value for key, value in (params or {}).items() if value is not None}
        if query:
            # quote (not quote_plus): spaces as %20 and every operator escaped, as Codat's
            # query-language docs show ("amountDue%3E0%26%26...").
            url += "?" + urlencode(query, quote_via=quote, safe="")
        return url

    def _attempt(
        self,
        method: str,
        template: str,
        url: str,
        headers: Mapping[str, str],
        data: bytes | None,
        files: Mapping[str, tuple[str, bytes, str]] | None,
    ) -> tuple[Any, bool]:
        """One try: (response, False) on success, else (error, whether a retry is safe)."""
        self.request_counts[f"{method} {template}"] += 1
        started = self._clock()
        try:
            response = self._session.request(
                method, url, headers=headers, data=data, files=files, timeout=self.timeout
            )
        except requests.RequestException as exc:
            return self._exception_failure(exc, method, template)
        elapsed_ms = (self._clock() - started) * 1000
        logger.debug(
            "codat %s %s -> %s in %.0f ms", method, template, response.status_code, elapsed_ms
        )
        if response.ok:
            return response, False
        return self._status_failure(response, method, template)

    # --- failures ------------------------------------------------------------------------

    def _exception_failure(
        self, exc: requests.RequestException, method: str, template: str
    ) -> tuple[CodatError, bool]:
        where = {"method": method, "path": template}
        if _never_sent(exc):
            # Safe to retry even a POST: the request never left this machine.
            error = CodatTransientError(f"{method} {template}: cannot connect to Codat", **where)
            retryable = True
        elif not isinstance(exc, requests.ConnectionError | requests.Timeout):
            # Invalid URL, bad header...: configuration or programming errors.
            error = CodatError(f"{method} {template}: request failed: {exc}", **where)
            retryable = False
        elif method in SAFE_METHODS:
            error = CodatTransientError(f"{method} {template}: no answer from Codat", **where)
            retryable = True
        else:
            error = CodatOutcomeUnknownError(
                f"{method} {template}: no answer after sending; the write may have happened",
                **where,
            )
            retryable = False
        error.__cause__ = exc
        return error, retryable

    def _status_failure(
        self, response: requests.Response, method: str, template: str
    ) -> tuple[CodatError, bool]:
        status = response.status_code
        details = _error_details(response)
        message = f"{method} {template} -> {status}: {details['error'] or response.reason}"
        fields = {"status": status, "method": method, "path": template, **details}
        if status == 429:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            return CodatRateLimitedError(message, retry_after=retry_after, **fields), True
        if status == 408 or status >= 500:
            if method in SAFE_METHODS:
                retry_after = _retry_after(response.headers.get("Retry-After"))
                return CodatTransientError(message, retry_after=retry_after, **fields), True
            message += " (the write may have happened)"
            return CodatOutcomeUnknownError(message, **fields), False
        error_class = {
            401: CodatAuthError,
            403: CodatAuthError,
            404: CodatNotFoundError,
            409: CodatConflictError,
        }.get(status, CodatRequestError)
        return error_class(message, **fields), False

    def _delay(self, failure: CodatError, attempt: int) -> float:
        if failure.retry_after is not None:
            return failure.retry_after
        backoff = min(BACKOFF_MAX, BACKOFF_INITIAL * BACKOFF_EXPONENT ** (attempt - 1))
        return backoff / 2 + self._rng.uniform(0, backoff / 2)

    @staticmethod
    def _log_failure(error: CodatError) -> None:
        # Method, path *template*, status and correlationId: enough to find the request in
        # Codat's logs, and never the Authorization header or the key.
        cause = error.status or type(error.__cause__).__name__
        logger.warning(
            "codat %s %s failed: %s %s (correlationId=%s)",
            error.method,
            error.path,
            cause,
            type(error).__name__,
            error.correlation_id,
        )


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the failure happened while connecting, so no byte reached the server."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.ReadTimeout):
        return False
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    # NewConnectionError (refused, DNS failure) is a ConnectTimeoutError subclass.
    return isinstance(reason, urllib3.exceptions.ConnectTimeoutError)


def _error_details(response: requests.Response) -> dict[str, Any]:
    """Codat's ErrorMessage body: error, correlationId, validation. Tolerates anything else."""
    try:
        body = serialize.loads(response.content)
    except ValueError:
        body = None
    if not isinstance(body, Mapping):
        return {"error": None, "correlation_id": None, "validation": ()}
    validation = body.get("validation")
    items: list[ValidationItem] = []
    if isinstance(validation, Mapping):
        for key in ("errors", "warnings"):
            entries = validation.get(key) or ()
            items.extend(
                decode(ValidationItem, item) for item in entries if isinstance(item, Mapping)
            )
    error = body.get("error")
    correlation_id = body.get("correlationId")
    return {
        "error": error if isinstance(error, str) else None,
        "correlation_id": correlation_id if isinstance(correlation_id, str) else None,
        "validation": tuple(items),
    }


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds to wait: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
