"""Mapping a payment method (per currency) to the account in the books it pays from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext, override

from billpay.core.errors import DomainError
from billpay.core.services import audit_record
from billpay.mapping.models import AccountMapping, LedgerAccount
from billpay.mapping.selectors import account_kind, account_usable, payment_methods

if TYPE_CHECKING:
    from billpay.onboarding.models import Company, User


class MappingInvalid(DomainError):
    """The chosen account cannot pay this method in this currency."""


def method_get(method: str) -> tuple[str, str, str]:
    """One payment method by key. **Raises:** MappingInvalid for an unknown method."""
    for row in payment_methods():
        if row[0] == method:
            return row
    raise MappingInvalid(gettext("That payment method is not offered."))


def account_mapping_save(
    *, company: Company, actor: User | None, method: str, currency: str, account: LedgerAccount
) -> AccountMapping:
    """Map a method and currency to an account in the books.

    **Idempotent:** saving the same mapping again changes nothing but the timestamp.
    **Raises:** MappingInvalid. **Transaction:** one, backed by the (company, method, currency)
    unique constraint.
    """
    _key, label, kind = method_get(method)
    if account.company_id != company.pk:
        raise MappingInvalid(gettext("That account is not in your books."))
    if not account_usable(account):
        raise MappingInvalid(
            gettext("%(account)s is archived or not a bank account in your books.")
            % {"account": account.name}
        )
    if account.currency != currency:
        raise MappingInvalid(
            gettext(
                "%(account)s is a %(account_currency)s account; %(currency)s payments need a "
                "%(currency)s account."
            )
            % {"account": account.name, "account_currency": account.currency, "currency": currency}
        )
    if account_kind(account) != kind:
        if kind == "Credit":
            message = gettext(
                "%(method)s payments come from a card (credit) account; %(account)s is not one."
            )
        else:
            message = gettext(
                "%(method)s payments come from a bank (debit) account; %(account)s is not one."
            )
        raise MappingInvalid(message % {"method": label, "account": account.name})
    with transaction.atomic():
        mapping, created = AccountMapping.objects.select_for_update().update_or_create(
            company=company,
            method=method,
            currency=currency,
            defaults={"account": account, "updated_by": acting_user(actor)},
        )
        with override("en"):  # the audit trail is written in English, whoever reads the page
            target = f"{label} ({currency})"
        audit_record(
            company=company,
            actor=actor,
            action="mapping.saved",
            target=target,
            ref=f"mapping:{mapping.pk}",
            data={
                "method": method,
                "currency": currency,
                "account": account.codat_account_id,
                "account_name": account.name,
                "created": created,
            },
        )
    return mapping


def account_mapping_delete(
    *, company: Company, actor: User | None, method: str, currency: str
) -> None:
    """Remove a mapping. **Idempotent.** **Transaction:** one, with its audit event."""
    with transaction.atomic():
        deleted, _ = AccountMapping.objects.filter(
            company=company, method=method, currency=currency
        ).delete()
        if deleted:
            audit_record(
                company=company,
                actor=actor,
                action="mapping.removed",
                target=f"{method_get(method)[1]} ({currency})",
                data={"method": method, "currency": currency},
            )


def acting_user(actor: User | None) -> User | None:
    """The actor as a user to store (None for a system change or an anonymous one)."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
