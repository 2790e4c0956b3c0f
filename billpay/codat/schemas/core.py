"""Companies, connections, data freshness, references and pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from billpay.codat.schemas.base import Decodable, raw_field, record

T = TypeVar("T")


# --- references -------------------------------------------------------------------------


@record
class Ref(Decodable):
    """`{id, name}` references: accountRef, itemRef, paymentMethodRef."""

    id: str | None = None
    name: str | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class SupplierRef(Decodable):
    id: str | None = None
    supplier_name: str | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class TaxRateRef(Decodable):
    id: str | None = None
    name: str | None = None
    effective_tax_rate: Decimal | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class Address(Decodable):
    type: str | None = None
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    postal_code: str | None = None
    raw: Mapping[str, Any] = raw_field()


# --- companies, connections, data freshness ----------------------------------------------


@record
class DataConnectionError(Decodable):
    status_code: str | None = None
    status_text: str | None = None
    error_message: str | None = None
    errored_on_utc: datetime | None = None
    status: str | None = None
    resolved_on_utc: datetime | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class Connection(Decodable):
    id: str
    integration_id: str | None = None
    integration_key: str | None = None
    source_id: str | None = None
    source_type: str | None = None
    platform_name: str | None = None
    link_url: str | None = None
    status: str | None = None
    created: datetime | None = None
    last_sync: datetime | None = None
    data_connection_errors: tuple[DataConnectionError, ...] = ()
    connection_info: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def is_linked_accounting(self) -> bool:
        return self.source_type == "Accounting" and self.status == "Linked"


@record
class Company(Decodable):
    id: str
    name: str | None = None
    description: str | None = None
    redirect: str | None = None
    created: datetime | None = None
    last_sync: datetime | None = None
    created_by_user_name: str | None = None
    products: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    data_connections: tuple[Connection, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@record
class DataStatus(Decodable):
    data_type: str
    current_status: str | None = None
    last_successful_sync: datetime | None = None
    latest_sync_id: str | None = None
    latest_successful_sync_id: str | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class PullOperation(Decodable):
    id: str
    company_id: str | None = None
    connection_id: str | None = None
    data_type: str | None = None
    status: str | None = None
    status_description: str | None = None
    error_message: str | None = None
    requested: datetime | None = None
    completed: datetime | None = None
    progress: int | None = None
    is_completed: bool = False
    is_errored: bool = False
    raw: Mapping[str, Any] = raw_field()


@record
class CompanyInfo(Decodable):
    company_name: str | None = None
    company_legal_name: str | None = None
    accounting_platform_ref: str | None = None
    base_currency: str | None = None
    financial_year_start_date: datetime | None = None
    ledger_lock_date: datetime | None = None
    created_date: datetime | None = None
    registration_number: str | None = None
    tax_number: str | None = None
    addresses: tuple[Address, ...] = ()
    source_urls: Mapping[str, str] = field(default_factory=dict)
    raw: Mapping[str, Any] = raw_field()


# --- pages ---------------------------------------------------------------------------------


@record
class Page(Generic[T]):
    """One page of a list endpoint (PagingInfo + results)."""

    results: tuple[T, ...]
    page_number: int | None
    page_size: int | None
    total_results: int | None
    next_href: str | None
    raw: Mapping[str, Any] = raw_field()
