"""The API's front door: auth, rate limits, faults, idempotency, errors and paging helpers."""

import base64
import binascii
import hashlib
import uuid
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from billpay.sandbox import clock, conf, faults, lazy, ratelimit, webhooks
from billpay.sandbox.jsonutil import dumps, iso, loads, storable
from billpay.sandbox.models import SandboxCompany, SandboxIdempotencyKey
from billpay.sandbox.query import QueryError

API_PREFIX = "/sandbox/api"
MAX_PAGE_SIZE = 5000
IDEMPOTENCY_TTL = timedelta(minutes=90)
IDEMPOTENCY_KEY_MAX = 255  # SandboxIdempotencyKey.key's length
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "You have made too many requests in a given amount of time; please retry later.",
    500: "An internal error occurred.",
    502: "Bad Gateway",
    503: "The service is temporarily unavailable.",
}


class ApiError(Exception):
    """An error answered in Codat's ErrorMessage shape."""

    def __init__(self, status: int, message: str | None = None, service: str = "PublicApi"):
        super().__init__(message or _REASONS.get(status, "Error"))
        self.status = status
        self.message = message or _REASONS.get(status, "Error")
        self.service = service


def json_response(data, status: int = 200) -> HttpResponse:
    """A JSON response whose Decimal money is written as JSON numbers."""
    return HttpResponse(dumps(data), status=status, content_type="application/json")


def error_response(status: int, message: str | None = None, service: str = "PublicApi"):
    """Codat's ErrorMessage body with the real status code in it."""
    return json_response(
        {
            "statusCode": status,
            "service": service,
            "error": message or _REASONS.get(status, "Error"),
            "correlationId": uuid.uuid4().hex,
            "canBeRetried": "Unknown",
            "detailedErrorCode": 0,
            "validation": None,
        },
        status=status,
    )


def not_found_company(company_id: str) -> ApiError:
    """Codat's answer for an unknown company id."""
    return ApiError(404, f"No company was found with ID {company_id}", "ClientsApi")


def _api_key(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    keys = list(conf.get("SANDBOX_API_KEYS"))
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = None
    if decoded in keys:
        return decoded
    return None


def read_json(request: HttpRequest) -> dict:
    """The request body as JSON with Decimal numbers; 400 if it is not a JSON object."""
    if not request.body:
        return {}
    try:
        body = loads(request.body)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "Error processing request - not valid JSON.") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "Error processing request - expected a JSON object.")
    if not storable(body):
        raise ApiError(
            400, "Error processing request - text may not hold NUL or unpaired surrogates."
        )
    return body


def _check_input(request: HttpRequest, kwargs: dict) -> None:
    """404 for a path, 400 for a query or Idempotency-Key, that no record could ever match."""
    if not all(storable(str(value)) for value in kwargs.values()):
        raise ApiError(404, "No resource was found at this path.")
    if not all(storable(k) and storable(v) for k, v in request.GET.lists()):
        raise ApiError(
            400, "Error processing request - the query string holds characters not allowed."
        )
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= IDEMPOTENCY_KEY_MAX and storable(key)):
        raise ApiError(
            400,
            f"Error processing request - an Idempotency-Key is 1 to {IDEMPOTENCY_KEY_MAX} "
            "characters.",
        )


def api(**handlers: Callable) -> Callable:
    """A csrf-exempt endpoint dispatching on method (GET=fn, POST=fn, …) behind the front door."""

    @csrf_exempt
    def endpoint(request: HttpRequest, **kwargs) -> HttpResponse:
        key = _api_key(request)
        identity = _identity(request, key)
        quota = ratelimit.hit(identity)
        response = _handle(request, key, identity, quota, handlers, kwargs)
        for name, value in quota.headers().items():
            if name != "Retry-After" or response.status_code == 429:
                response.setdefault(name, value)
        return response

    return endpoint


def _identity(request: HttpRequest, key: str | None) -> str:
    if key:
        return hashlib.sha256(key.encode()).hexdigest()[:32]
    return "ip:" + request.META.get("REMOTE_ADDR", "unknown")


def _handle(request, key, identity, quota, handlers, kwargs) -> HttpResponse:
    if key is None:
        return error_response(401, "Unauthorized")
    if quota.retry_after is not None:
        if quota.just_exhausted:
            webhooks.emit(
                None,
                "client.rateLimit.reached",
                {"dailyQuota": quota.limit, "quotaRemaining": 0, "expiryDate": iso(quota.reset)},
            )
        response = error_response(429)
        response["Retry-After"] = str(quota.retry_after)
        return response
    handler = handlers.get(request.method)
    if handler is None:
        return error_response(405)
    try:
        _check_input(request, kwargs)
        company = _company(kwargs)
        decision = faults.decide(company, is_write=request.method != "GET")
        if decision.status:
            response = error_response(decision.status)
            if decision.retry_after:
                response["Retry-After"] = str(decision.retry_after)
            return response
        if company is not None:
            lazy.advance(company)
        response = _idempotent(request, identity, lambda: _run(handler, request, company, kwargs))
    except ApiError as exc:
        return error_response(exc.status, exc.message, exc.service)
    except QueryError as exc:
        return error_response(400, str(exc), "ClientsApi")
    if decision.lost:
        # The write happened, but the client never hears about it.
        return error_response(502, "Bad Gateway: the upstream response was lost.")
    return response


def _company(kwargs: dict) -> SandboxCompany | None:
    company_id = kwargs.pop("company_id", None)
    if company_id is None:
        return None
    try:
        uuid.UUID(company_id)
    except ValueError as exc:
        raise not_found_company(company_id) from exc
    company = SandboxCompany.objects.filter(pk=company_id).first()
    if company is None:
        raise not_found_company(company_id)
    return company


def _run(handler, request, company, kwargs) -> HttpResponse:
    try:
        if company is None:
            return handler(request, **kwargs)
        return handler(request, company, **kwargs)
    except ApiError as exc:
        return error_response(exc.status, exc.message, exc.service)
    except QueryError as exc:
        return error_response(400, str(exc), "ClientsApi")


def _idempotent(request: HttpRequest, identity: str, run: Callable) -> HttpResponse:
    """Replay the first answer for a repeated Idempotency-Key (POST/PATCH, as Codat's docs say)."""
    key = request.headers.get("Idempotency-Key")
    if not key or request.method not in ("POST", "PATCH"):
        return run()
    body_hash = hashlib.sha256(
        request.method.encode() + request.get_full_path().encode() + b"\n" + request.body
    ).hexdigest()
    now = clock.now()
    SandboxIdempotencyKey.objects.filter(created__lt=now - IDEMPOTENCY_TTL).delete()
    try:
        with transaction.atomic():
            row = SandboxIdempotencyKey.objects.create(
                key=key, api_key_hash=identity, body_hash=body_hash, created=now
            )
    except IntegrityError:
        row = SandboxIdempotencyKey.objects.get(key=key, api_key_hash=identity)
        if row.body_hash != body_hash:
            raise ApiError(
                422, "The Idempotency-Key was already used with a different request body."
            ) from None
        if row.status_code is None:
            raise ApiError(409, "A request with this Idempotency-Key is still in flight.") from None
        response = HttpResponse(
            bytes(row.response_body), status=row.status_code, content_type="application/json"
        )
        response["Idempotent-Replayed"] = "true"
        return response
    response = run()
    if response.status_code == 429 or response.status_code >= 500:
        row.delete()  # Codat does not cache these: the client retries with the same key
    else:
        row.status_code = response.status_code
        row.response_body = response.content
        row.save(update_fields=["status_code", "response_body"])
    return response


def page_params(request: HttpRequest) -> tuple[int, int]:
    """`page` (≥1, default 1) and `pageSize` (1..5000, default 100); 400 otherwise."""
    try:
        page = int(request.GET.get("page", 1))
        size = int(request.GET.get("pageSize", 100))
    except ValueError as exc:
        raise ApiError(
            400, "Error processing request - page and pageSize must be integers."
        ) from exc
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise ApiError(400, f"Error processing request - pageSize must be 1..{MAX_PAGE_SIZE}.")
    return page, size


def paged(request: HttpRequest, queryset, serialize: Callable, ordering: list) -> dict:
    """Codat's paging envelope over a queryset (ordered, with the primary key as tiebreak)."""
    page, size = page_params(request)
    total = queryset.count()
    rows = queryset.order_by(*ordering, "pk")[(page - 1) * size : page * size]
    path = request.path.removeprefix(API_PREFIX)
    params = {k: v for k, v in request.GET.items() if k not in ("page", "pageSize")}

    def href(number: int) -> dict:
        return {"href": f"{path}?{urlencode({'page': number, 'pageSize': size, **params})}"}

    links = {"self": {"href": path}, "current": href(page)}
    if page * size < total:
        links["next"] = href(page + 1)
    if page > 1:
        links["previous"] = href(page - 1)
    return {
        "results": [serialize(row) for row in rows],
        "pageNumber": page,
        "pageSize": size,
        "totalResults": total,
        "_links": links,
    }


def _unknown(request, rest: str):
    raise ApiError(404, f"No endpoint at /{rest}")


unknown_endpoint = api(**dict.fromkeys(("GET", "POST", "PUT", "PATCH", "DELETE"), _unknown))
