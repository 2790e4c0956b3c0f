"""Reads for account mapping: the books' bank and card accounts, mappings, creation requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from billpay.mapping.hooks import currency_sources
from billpay.mapping.models import AccountMapping, BankAccountRequest, LedgerAccount

if TYPE_CHECKING:
    from billpay.onboarding.models import Company


@dataclass(frozen=True)
class MappingRow:
    """One (method, currency) cell of the mapping grid, with the accounts that can fill it."""

    method: str
    method_label: str
    account_type: str  # Debit | Credit
    currency: str
    mapping: AccountMapping | None
    choices: list[LedgerAccount]


def payment_methods() -> list[tuple[str, str, str]]:
    """(key, label, Codat bank account type) of every payment method the app offers, the label in
    the active language (settings holds it lazily)."""
    return [(key, str(label), kind) for key, label, kind in settings.PAYMENT_METHODS]


def bank_account_list(*, company: Company) -> QuerySet[LedgerAccount]:
    """The company's bank and card accounts in the books (active first, then by name)."""
    return LedgerAccount.objects.filter(
        company=company, is_bank_account=True, is_deleted=False
    ).order_by("status", "currency", "name")


def bank_account_get(*, company: Company, account_id: int) -> LedgerAccount:
    """One bank account of the company; 404 for anything else."""
    return get_object_or_404(bank_account_list(company=company), pk=account_id)


def account_usable(account: LedgerAccount) -> bool:
    """An account a payment can come from: a bank/card account, not archived or deleted."""
    return account.is_bank_account and not account.is_deleted and account.status != "Archived"


def account_kind(account: LedgerAccount) -> str:
    """Codat's bank account type from the chart of accounts: Credit for liabilities (cards)."""
    return "Credit" if account.account_type == "Liability" else "Debit"


def account_fits(*, account: LedgerAccount, currency: str, kind: str) -> bool:
    """Whether an account can pay a method (of Codat type `kind`) in `currency`."""
    return (
        account_usable(account) and account.currency == currency and account_kind(account) == kind
    )


def mapping_list(*, company: Company) -> QuerySet[AccountMapping]:
    """The company's mappings with their accounts."""
    return AccountMapping.objects.filter(company=company).select_related("account")


def mapping_for_currency(*, company: Company, method: str, currency: str) -> AccountMapping | None:
    """The mapping that pays `method` in `currency`, if its account is still usable."""
    mapping = mapping_list(company=company).filter(method=method, currency=currency).first()
    if mapping is None or not account_usable(mapping.account):
        return None
    return mapping


def mapping_currencies(*, company: Company) -> list[str]:
    """Currencies worth mapping: the base currency, bills' currencies and bank accounts'.

    Bills' currencies come from the source bills registered (`mapping.hooks`).
    """
    accounts = bank_account_list(company=company).values_list("currency", flat=True)
    wanted = {company.base_currency, *accounts}
    for source in currency_sources():
        wanted.update(source(company=company))
    mapped = mapping_list(company=company).values_list("currency", flat=True)
    wanted.update(mapped)
    return sorted(c for c in wanted if c)


def mapping_grid(*, company: Company, methods: list[tuple[str, str, str]]) -> list[MappingRow]:
    """Every (method, currency) pair with its mapping and the accounts that may be chosen."""
    accounts = [a for a in bank_account_list(company=company) if account_usable(a)]
    mappings = {(m.method, m.currency): m for m in mapping_list(company=company)}
    rows = []
    for currency in mapping_currencies(company=company):
        for key, label, kind in methods:
            choices = [a for a in accounts if account_fits(account=a, currency=currency, kind=kind)]
            rows.append(
                MappingRow(key, label, kind, currency, mappings.get((key, currency)), choices)
            )
    return rows


def bank_account_request_list(*, company: Company) -> QuerySet[BankAccountRequest]:
    """The company's recent requests to create accounts in the books."""
    return BankAccountRequest.objects.filter(company=company).select_related("account", "push")[:10]


def bank_account_request_get(*, company: Company, request_id: int) -> BankAccountRequest:
    """One creation request of the company; 404 for anyone else's."""
    return get_object_or_404(
        BankAccountRequest.objects.select_related("account", "push"),
        company=company,
        pk=request_id,
    )
