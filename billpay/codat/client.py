"""`CodatClient`: one method per Codat operation (Sync for Payables v1), and its factory.

All arguments are keyword-only: company, connection and record ids are all UUID-like
strings, and a swapped pair would otherwise fail silently against the wrong resource.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from billpay.codat.decode import decode
from billpay.codat.errors import CodatInvalidResponseError
from billpay.codat.paging import DEFAULT_PAGE_SIZE
from billpay.codat.pushes import Pushes
from billpay.codat.reads import DataReads
from billpay.codat.schemas import Company, Connection, DataStatus, PullOperation, PushOperation

COMPANY = "/companies/{companyId}"
CONNECTIONS = "/companies/{companyId}/connections"
CONNECTION = "/companies/{companyId}/connections/{connectionId}"


class CodatClient(DataReads, Pushes):
    """A Codat API client on one pooled `requests.Session`.

    `CodatClient(base_url, api_key, *, timeout=(connect, read), max_retries,
    max_retry_seconds, session=None)`; see `CodatTransport` for retries and errors.
    `request_counts` counts every HTTP try by "METHOD /path/{template}".
    """

    # --- companies -----------------------------------------------------------------------

    def list_companies(
        self,
        *,
        query: str | None = None,
        order_by: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[Company]:
        """List companies: https://docs.codat.io/sync-for-payables-v1-api#/operations/list-companies"""
        for page in self.pages(
            "/companies", Company, query=query, order_by=order_by, page_size=page_size
        ):
            yield from page.results

    def create_company(
        self,
        *,
        name: str,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> Company:
        """Create company: https://docs.codat.io/sync-for-payables-v1-api#/operations/create-company"""
        body: dict[str, Any] = {"name": name}
        if description is not None:
            body["description"] = description
        if tags:
            body["tags"] = dict(tags)
        data = self.request_json("POST", "/companies", body=body, idempotency_key=idempotency_key)
        return decode(Company, data)

    def get_company(self, *, company_id: str) -> Company:
        """Get company: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-company"""
        return decode(Company, self.request_json("GET", COMPANY, path={"companyId": company_id}))

    def delete_company(self, *, company_id: str) -> None:
        """Delete company: https://docs.codat.io/sync-for-payables-v1-api#/operations/delete-company"""
        self.request("DELETE", COMPANY, path={"companyId": company_id})

    # --- connections ---------------------------------------------------------------------

    def list_connections(
        self,
        *,
        company_id: str,
        query: str | None = None,
        order_by: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[Connection]:
        """List connections: https://docs.codat.io/sync-for-payables-v1-api#/operations/list-connections"""
        pages = self.pages(
            CONNECTIONS,
            Connection,
            path={"companyId": company_id},
            query=query,
            order_by=order_by,
            page_size=page_size,
        )
        for page in pages:
            yield from page.results

    def create_connection(
        self, *, company_id: str, platform_key: str, idempotency_key: str | None = None
    ) -> Connection:
        """Create connection: https://docs.codat.io/sync-for-payables-v1-api#/operations/create-connection"""
        data = self.request_json(
            "POST",
            CONNECTIONS,
            path={"companyId": company_id},
            body={"platformKey": platform_key},
            idempotency_key=idempotency_key,
        )
        return decode(Connection, data)

    def get_connection(self, *, company_id: str, connection_id: str) -> Connection:
        """Get connection: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-connection"""
        path = {"companyId": company_id, "connectionId": connection_id}
        return decode(Connection, self.request_json("GET", CONNECTION, path=path))

    def unlink_connection(
        self, *, company_id: str, connection_id: str, idempotency_key: str | None = None
    ) -> Connection:
        """Unlink connection: https://docs.codat.io/sync-for-payables-v1-api#/operations/unlink-connection"""
        data = self.request_json(
            "PATCH",
            CONNECTION,
            path={"companyId": company_id, "connectionId": connection_id},
            body={"status": "Unlinked"},
            idempotency_key=idempotency_key,
        )
        return decode(Connection, data)

    def delete_connection(self, *, company_id: str, connection_id: str) -> None:
        """Delete connection: https://docs.codat.io/sync-for-payables-v1-api#/operations/delete-connection"""
        path = {"companyId": company_id, "connectionId": connection_id}
        self.request("DELETE", CONNECTION, path=path)

    # --- data freshness: status, refresh, pull and push history -------------------------

    def get_data_status(self, *, company_id: str) -> dict[str, DataStatus]:
        """Get data status: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-data-status"""
        template = f"{COMPANY}/dataStatus"
        data = self.request_json("GET", template, path={"companyId": company_id})
        if not isinstance(data, Mapping):
            raise CodatInvalidResponseError(f"GET {template}: not an object")
        # Keyed by data type; a type never synced may be null.
        return {
            key: decode(DataStatus, {"dataType": key, **value})
            for key, value in data.items()
            if isinstance(value, Mapping)
        }

    def refresh_data_type(
        self,
        *,
        company_id: str,
        data_type: str,
        connection_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> PullOperation:
        """Refresh data type: https://docs.codat.io/sync-for-payables-v1-api#/operations/refresh-data-type"""
        data = self.request_json(
            "POST",
            f"{COMPANY}/data/queue/{{dataType}}",
            path={"companyId": company_id, "dataType": data_type},
            params={"connectionId": connection_id},
            idempotency_key=idempotency_key,
        )
        return decode(PullOperation, data)

    def refresh_all_data_types(self, *, company_id: str) -> None:
        """Refresh all data types: https://docs.codat.io/sync-for-payables-v1-api#/operations/refresh-all-data-types"""
        self.request("POST", f"{COMPANY}/data/all", path={"companyId": company_id})

    def list_pull_operations(
        self,
        *,
        company_id: str,
        query: str | None = None,
        order_by: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[PullOperation]:
        """List pull operations: https://docs.codat.io/sync-for-payables-v1-api#/operations/list-pull-operations"""
        pages = self.pages(
            f"{COMPANY}/data/history",
            PullOperation,
            path={"companyId": company_id},
            query=query,
            order_by=order_by,
            page_size=page_size,
        )
        for page in pages:
            yield from page.results

    def get_pull_operation(self, *, company_id: str, dataset_id: str) -> PullOperation:
        """Get pull operation: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-pull-operation"""
        path = {"companyId": company_id, "datasetId": dataset_id}
        data = self.request_json("GET", f"{COMPANY}/data/history/{{datasetId}}", path=path)
        return decode(PullOperation, data)

    def list_push_operations(
        self,
        *,
        company_id: str,
        query: str | None = None,
        order_by: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[PushOperation]:
        """List push operations: https://docs.codat.io/sync-for-payables-v1-api#/operations/list-push-operations"""
        pages = self.pages(
            f"{COMPANY}/push",
            PushOperation,
            path={"companyId": company_id},
            query=query,
            order_by=order_by,
            page_size=page_size,
        )
        for page in pages:
            yield from page.results

    def get_push_operation(self, *, company_id: str, push_operation_key: str) -> PushOperation:
        """Get push operation: https://docs.codat.io/sync-for-payables-v1-api#/operations/get-push-operation"""
        path = {"companyId": company_id, "pushOperationKey": push_operation_key}
        data = self.request_json("GET", f"{COMPANY}/push/{{pushOperationKey}}", path=path)
        return decode(PushOperation, data)


def get_codat_client(**overrides: Any) -> CodatClient:
    """A client for the configured Codat (`CODAT_BASE_URL`, `CODAT_API_KEY`).

    A new client (and connection pool) per call: keep it for the duration of a task or
    request rather than sharing one across threads. `overrides` go to `CodatClient`, e.g.
    `max_retries=0` for an interactive check.
    """
    from django.conf import settings  # only here: the rest of the package is Django-free

    return CodatClient(settings.CODAT_BASE_URL, settings.CODAT_API_KEY, **overrides)
