"""What the books accept for a new bank account (`options/bankAccounts`) and checking a request
against it before anything is sent."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.utils.translation import gettext

from billpay.codat import get_codat_client
from billpay.codat.errors import CodatError
from billpay.core.errors import DomainError
from billpay.onboarding.selectors import connection_get_linked

if TYPE_CHECKING:
    from billpay.codat.schemas.push import PushOption
    from billpay.onboarding.models import Company

OPTIONS_CACHE_SECONDS = 600


class BankAccountInvalid(DomainError):
    """The new account's details are not accepted by the books; `errors` maps field → message."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


@dataclass(frozen=True)
class BankAccountOptions:
    """What the books accept for a new bank account (from `options/bankAccounts`)."""

    platform_name: str
    currencies: tuple[str, ...]  # empty: any currency
    account_types: tuple[str, ...]  # empty: any
    required: frozenset[str] = frozenset()
    max_lengths: dict[str, int] = field(default_factory=dict)


def bank_account_options_get(*, company: Company) -> BankAccountOptions:
    """What the company's books accept for a new bank account; cached for ten minutes.

    **Raises:** DomainError when not connected (NotConnected) or Codat cannot answer.
    """
    connection = connection_get_linked(company=company)
    key = f"billpay:options:bankAccounts:{connection.codat_connection_id}"
    options = cache.get(key)
    if options is None:
        try:
            with get_codat_client() as client:
                tree = client.get_push_options(
                    company_id=company.codat_company_id,
                    connection_id=connection.codat_connection_id,
                    data_type="bankAccounts",
                )
        except CodatError as exc:
            raise DomainError(exc.user_message) from exc
        props = tree.properties
        options = BankAccountOptions(
            platform_name=connection.platform_name,
            currencies=_choices(props.get("currency")),
            account_types=_choices(props.get("accountType")),
            required=frozenset(name for name, node in props.items() if node.required),
            max_lengths={name: n for name, node in props.items() if (n := _max_length(node))},
        )
        cache.set(key, options, OPTIONS_CACHE_SECONDS)
    return options


def bank_account_option_errors(
    options: BankAccountOptions, *, kind: str, label: str, currency: str, values: dict[str, str]
) -> dict[str, str]:
    """Field → why the books would refuse this account (platform quirks included)."""
    errors = {}
    if options.account_types and kind not in options.account_types:
        if kind == "Credit":
            message = gettext(
                "%(platform)s cannot create card (credit) accounts through this app, so "
                "%(method)s can't get a new account here. Create it in %(platform)s, "
                "sync, then map it above."
            )
        else:
            message = gettext(
                "%(platform)s cannot create bank (debit) accounts through this app, so "
                "%(method)s can't get a new account here. Create it in %(platform)s, "
                "sync, then map it above."
            )
        errors["method"] = message % {"platform": options.platform_name, "method": label}
    if options.currencies and currency not in options.currencies:
        errors["currency"] = gettext(
            "%(currency)s is not enabled in %(platform)s. Allowed: %(allowed)s."
        ) % {
            "currency": currency,
            "platform": options.platform_name,
            "allowed": ", ".join(options.currencies),
        }
    for name, value in values.items():
        limit = options.max_lengths.get(name)
        if name in options.required and not value:
            errors[name] = gettext("%(platform)s requires this.") % {
                "platform": options.platform_name
            }
        elif limit and len(value) > limit:
            errors[name] = gettext("At most %(limit)s characters in %(platform)s.") % {
                "limit": limit,
                "platform": options.platform_name,
            }
    return errors


def _choices(node: PushOption | None) -> tuple[str, ...]:
    if node is None:
        return ()
    return tuple(choice.value for choice in node.options if choice.value)


def _max_length(node: PushOption) -> int | None:
    for warning in getattr(node.validation, "warnings", ()) if node.validation else ():
        match = re.search(r"[Mm]ax(?:imum)? length of (\d+)", warning.details or "")
        if match:
            return int(match.group(1))
    return None
