"""What the company's accounting platform accepts on a write, from Codat's `options/{dataType}`.

The PushOption tree is flattened into `FieldRule`s keyed by dot path ("reference",
"lineItems.accountRef", "supplierRef.id") that forms turn into errors before anything is sent.
It is cached per company, connection and data type (`PUSH_OPTIONS_CACHE_SECONDS`): the rules
change only when the platform's settings do, and the form is rendered and posted often.
If Codat cannot be reached the form still works with no platform rules; the push then reports
whatever the books refuse.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from billpay.codat import get_codat_client
from billpay.codat.errors import CodatError
from billpay.codat.schemas import PushOption
from billpay.onboarding.models import Company
from billpay.onboarding.selectors import connection_get

logger = logging.getLogger(__name__)

# "Max length of 21 characters.", "Maximum length 255", "max length: 45"
MAX_LENGTH = re.compile(r"max(?:imum)?\s*length\D{0,10}(\d+)", re.IGNORECASE)

# Which platforms let a bill be changed or deleted through Codat (CODAT.md §8: delete on QBO, QBD,
# Xero, NetSuite and Intacct; update on FreeAgent, QBO, Xero, NetSuite, Intacct and Zoho). The
# options tree says what a bill may contain, not whether PUT/DELETE exist, so this is a table.
BILL_UPDATE_PLATFORMS = frozenset({"fbrh", "qhyg", "gbol", "akxx", "knfz", "rwuv"})
BILL_DELETE_PLATFORMS = frozenset({"qhyg", "pqsw", "gbol", "akxx", "knfz"})
# Xero voids a posted bill instead of deleting it (a draft is deleted).
BILL_DELETE_VOIDS = frozenset({"gbol"})
# NetSuite, Intacct and Xero delete a bill only once its payments are deleted; QuickBooks deletes
# it and keeps its payments as payments on account (the spec's delete-bill "Effect on related
# objects").
BILL_DELETE_PAYMENTS_FIRST = frozenset({"gbol", "akxx", "knfz"})


@dataclass(frozen=True)
class FieldRule:
    """One field's constraints on this platform."""

    path: str
    label: str
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()  # empty: any value


@dataclass(frozen=True)
class PlatformRules:
    """The rules of one data type on the company's platform (empty when unknown)."""

    platform_name: str = ""
    fields: dict[str, FieldRule] = field(default_factory=dict)
    loaded: bool = False

    def get(self, path: str) -> FieldRule | None:
        return self.fields.get(path)

    def required(self, path: str) -> bool:
        rule = self.fields.get(path)
        return bool(rule and rule.required)

    def max_length(self, path: str) -> int | None:
        rule = self.fields.get(path)
        return rule.max_length if rule else None

    def choices(self, path: str) -> tuple[str, ...]:
        rule = self.fields.get(path)
        return rule.choices if rule else ()


@dataclass(frozen=True)
class BillCapabilities:
    """What the platform lets us do to a bill once it is in the books."""

    can_update: bool
    can_delete: bool
    delete_voids: bool
    platform_name: str
    delete_needs_payments_deleted: bool = False


def rules_from_options(tree: PushOption, *, platform_name: str = "") -> PlatformRules:
    """Flatten a PushOption tree into rules by dot path (array items share their array's path)."""
    fields: dict[str, FieldRule] = {}

    def walk(node: PushOption, prefix: str) -> None:
        for name, child in (node.properties or {}).items():
            path = f"{prefix}{name}"
            fields[path] = FieldRule(
                path=path,
                label=child.display_name or name,
                required=bool(child.required),
                max_length=_max_length(child),
                choices=tuple(c.value for c in child.options if c.value),
            )
            if child.properties:
                walk(child, f"{path}.")

    walk(tree, "")
    return PlatformRules(platform_name=platform_name, fields=fields, loaded=True)


def push_rules_get(*, company: Company, data_type: str) -> PlatformRules:
    """The platform's rules for writing `data_type` (bills, suppliers), cached.

    **Idempotent.** Never raises for Codat trouble: returns empty rules instead.
    """
    # Not connection_get_linked: drafting goes on while the link is down, and asking costs at
    # most a Codat error, which leaves the rules empty (below).
    connection = connection_get(company=company)
    if connection is None or not company.codat_company_id:
        return PlatformRules()
    key = _cache_key(company.pk, connection.codat_connection_id, data_type)
    rules = cache.get(key)
    if rules is not None:
        return rules
    try:
        with get_codat_client() as client:
            tree = client.get_push_options(
                company_id=company.codat_company_id,
                connection_id=connection.codat_connection_id,
                data_type=data_type,
            )
    except CodatError as exc:
        logger.warning("push options %s for company %s: %s", data_type, company.pk, exc)
        return PlatformRules(platform_name=connection.platform_name)
    rules = rules_from_options(tree, platform_name=connection.platform_name)
    cache.set(key, rules, timeout=_ttl())
    return rules


def push_rules_forget(*, company: Company) -> None:
    """Drop the cached rules of the company's connection (e.g. after a push failed validation)."""
    connection = connection_get(company=company)
    if connection is not None:
        cache.delete_many(
            [
                _cache_key(company.pk, connection.codat_connection_id, t)
                for t in ("bills", "suppliers", "billCreditNotes")
            ]
        )


def bill_capabilities(*, company: Company) -> BillCapabilities:
    """Whether the company's platform supports changing and deleting bills through Codat."""
    connection = connection_get(company=company)
    key = connection.platform_key if connection else ""
    return BillCapabilities(
        can_update=key in BILL_UPDATE_PLATFORMS,
        can_delete=key in BILL_DELETE_PLATFORMS,
        delete_voids=key in BILL_DELETE_VOIDS,
        platform_name=connection.platform_name if connection else "your accounting software",
        delete_needs_payments_deleted=key in BILL_DELETE_PAYMENTS_FIRST,
    )


def _max_length(node: PushOption) -> int | None:
    found = []
    if node.validation is not None:
        for item in (*node.validation.warnings, *node.validation.information):
            match = MAX_LENGTH.search(item.details or "")
            if match:
                found.append(int(match.group(1)))
    return min(found) if found else None


def _cache_key(company_id: int, connection_id: str, data_type: str) -> str:
    return f"billpay:push-rules:v1:{company_id}:{connection_id}:{data_type}"


def _ttl() -> int:
    return int(getattr(settings, "PUSH_OPTIONS_CACHE_SECONDS", 6 * 3600))
