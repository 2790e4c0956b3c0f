"""Companies and connections endpoints."""

import re
import uuid

from django.http import HttpResponse

from billpay.sandbox import companies, query
from billpay.sandbox.models import SandboxCompany, SandboxConnection
from billpay.sandbox.views.base import ApiError, api, json_response, paged, read_json

_PLATFORM_KEY = re.compile(r"[a-z]{4}")
NAME_MAX = SandboxCompany._meta.get_field("name").max_length
COMPANY_SCHEMA = query.Schema(
    name="Company",
    fields=frozenset(),
    columns={"id": ("id", "str"), "name": ("name", "str"), "created": ("created", "datetime")},
)
CONNECTION_SCHEMA = query.Schema(
    name="Connection",
    fields=frozenset(),
    columns={
        "id": ("id", "str"),
        "status": ("status", "str"),
        "integrationKey": ("platform_key", "str"),
        "sourceType": ("platform_key", "str"),
        "created": ("created", "datetime"),
    },
)


def origin(request) -> str:
    """This server's origin as the client sees it, for absolute links."""
    return request.build_absolute_uri("/").rstrip("/")


def get_connection(company: SandboxCompany, connection_id: str) -> SandboxConnection:
    """A connection of this company, or Codat's 404."""
    try:
        uuid.UUID(str(connection_id))
        return SandboxConnection.objects.get(company=company, pk=connection_id)
    except (ValueError, SandboxConnection.DoesNotExist):
        raise ApiError(404, f"Data connection {connection_id} not found", "ClientsApi") from None


def _company_list(request):
    queryset = SandboxCompany.objects.filter(
        query.build_q(request.GET.get("query"), COMPANY_SCHEMA)
    )
    tags = request.GET.get("tags")
    if tags:
        for pair in tags.split("&&"):
            key, _, value = pair.partition("=")
            queryset = queryset.filter(**{f"tags__{key.strip()}": value.strip()})
    ordering = query.order_by(request.GET.get("orderBy"), COMPANY_SCHEMA, default="created")
    base = origin(request)
    queryset = queryset.prefetch_related("connections")
    return json_response(
        paged(request, queryset, lambda c: companies.company_json(c, base), ordering)
    )


def _clean_name(name) -> str:
    """The name Codat keeps (forbidden characters stripped); 400 if nothing usable is left."""
    cleaned = companies.clean_name(name) if isinstance(name, str) else ""
    if not cleaned:
        raise ApiError(400, "Error processing request - name is required.")
    if len(cleaned) > NAME_MAX:
        raise ApiError(400, f"Error processing request - name is longer than {NAME_MAX}.")
    return cleaned


def _company_body(request) -> dict:
    body = read_json(request)
    _clean_name(body.get("name"))
    tags = body.get("tags") or {}
    if not isinstance(tags, dict) or any(len(str(v)) > 100 for v in tags.values()):
        raise ApiError(400, "Error processing request - tags must be string values up to 100.")
    return body


def _company_create(request):
    body = _company_body(request)
    company = companies.company_create(
        name=body["name"], description=body.get("description") or "", tags=body.get("tags")
    )
    return json_response(companies.company_json(company, origin(request)))


def _company_get(request, company):
    return json_response(companies.company_json(company, origin(request)))


def _company_replace(request, company):
    body = _company_body(request)
    company.name = companies.clean_name(body["name"])
    company.description = body.get("description") or ""
    company.tags = body.get("tags") or {}
    company.save()
    return json_response(companies.company_json(company, origin(request)))


def _company_update(request, company):
    body = read_json(request)
    if body.get("name"):
        company.name = _clean_name(body["name"])
    if "description" in body:
        company.description = body.get("description") or ""
    if "tags" in body:
        company.tags = body.get("tags") or {}
    company.save()
    return json_response(companies.company_json(company, origin(request)))


def _company_delete(request, company):
    company.delete()
    return HttpResponse(status=204)


def _connection_list(request, company):
    queryset = company.connections.filter(
        query.build_q(request.GET.get("query"), CONNECTION_SCHEMA)
    )
    ordering = query.order_by(request.GET.get("orderBy"), CONNECTION_SCHEMA, default="created")
    base = origin(request)
    return json_response(
        paged(request, queryset, lambda c: companies.connection_json(c, base), ordering)
    )


def _connection_create(request, company):
    key = read_json(request).get("platformKey")
    if not isinstance(key, str) or not _PLATFORM_KEY.fullmatch(key):
        raise ApiError(
            400, "Error processing request - platformKey (4 lowercase letters) is required."
        )
    connection = companies.connection_create(company=company, platform_key=key)
    return json_response(companies.connection_json(connection, origin(request)))


def _connection_get(request, company, connection_id):
    connection = get_connection(company, connection_id)
    return json_response(companies.connection_json(connection, origin(request)))


def _connection_unlink(request, company, connection_id):
    connection = get_connection(company, connection_id)
    body = read_json(request)
    if set(body) - {"status"} or body.get("status") != "Unlinked":
        raise ApiError(400, 'Error processing request - only {"status": "Unlinked"} is allowed.')
    if connection.status != SandboxConnection.Status.LINKED:
        raise ApiError(
            400, f"Only Linked connections can be unlinked; this one is {connection.status}."
        )
    companies.connection_set_status(connection=connection, status="Unlinked")
    return json_response(companies.connection_json(connection, origin(request)))


def _connection_delete(request, company, connection_id):
    get_connection(company, connection_id).delete()
    return HttpResponse(status=200)


company_collection = api(GET=_company_list, POST=_company_create)
company_detail = api(
    GET=_company_get, PUT=_company_replace, PATCH=_company_update, DELETE=_company_delete
)
connection_collection = api(GET=_connection_list, POST=_connection_create)
connection_detail = api(GET=_connection_get, PATCH=_connection_unlink, DELETE=_connection_delete)
