"""Creating a bank or card account in the books: the request, its push, and what follows."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop

from billpay.codat.serialize import dumps
from billpay.core.services import audit_record
from billpay.core.words import Phrase, as_phrase, joined, phrase
from billpay.mapping.models import BankAccountRequest, LedgerAccount
from billpay.mapping.services.accounts import (
    MappingInvalid,
    account_mapping_save,
    acting_user,
    method_get,
)
from billpay.mapping.services.options import (
    BankAccountInvalid,
    BankAccountOptions,
    bank_account_option_errors,
)
from billpay.pushes.models import Push
from billpay.pushes.services import push_create
from billpay.pushes.tasks import push_start

if TYPE_CHECKING:
    from billpay.codat.schemas import Account
    from billpay.onboarding.models import Company, User

logger = logging.getLogger(__name__)
PUSH_KIND = "bank_account.create"
# The books' clock and ours differ a little: "changed before we sent it" allows for that.
CLOCK_SLACK = timedelta(minutes=2)


def bank_account_request_create(
    *,
    company: Company,
    actor: User | None,
    method: str,
    currency: str,
    account_name: str,
    account_number: str = "",
    nominal_code: str = "",
    institution: str = "",
    options: BankAccountOptions,
) -> BankAccountRequest:
    """Ask the books to create a bank (Debit) or card (Credit) account for a method.

    **Raises:** BankAccountInvalid with field errors (platform quirks included).
    **Transaction:** one, with the request's push; the push starts after commit.
    """
    _key, label, kind = method_get(method)
    values = {
        "accountName": account_name,
        "accountNumber": account_number,
        "nominalCode": nominal_code,
        "institution": institution,
    }
    errors = bank_account_option_errors(
        options, kind=kind, label=label, currency=currency, values=values
    )
    if errors:
        raise BankAccountInvalid(gettext("Your books would not accept this account."), errors)
    body = {
        "accountName": account_name,
        "accountType": kind,
        "currency": currency,
        "status": "Active",
    }
    body.update({k: v for k, v in values.items() if v and k != "accountName"})
    with transaction.atomic():
        push = push_create(
            company=company, kind=PUSH_KIND, body=dumps(body), created_by=acting_user(actor)
        )
        request = BankAccountRequest.objects.create(
            company=company,
            method=method,
            currency=currency,
            account_type=kind,
            account_name=account_name,
            account_number=account_number,
            nominal_code=nominal_code,
            institution=institution,
            push=push,
            created_by=acting_user(actor),
        )
        audit_record(
            company=company,
            actor=actor,
            action="mapping.account_requested",
            target=f"{account_name} ({kind}, {currency})",
            ref=f"bankaccount:{request.pk}",
            data={"method": method, "currency": currency, "account_type": kind},
        )
        push_start(push)
    return request


def bank_account_push_changed(*, push: Push) -> None:
    """The request's push moved: once it succeeded, mirror the account and map it.

    **Idempotent:** the machine reports each final status once; mirroring and mapping are
    get-or-create and update-or-create. **Transaction:** runs inside the push machine's (no
    network I/O here).
    """
    request = (
        BankAccountRequest.objects.select_related("company", "created_by").filter(push=push).first()
    )
    if request is None:
        return
    if push.status == Push.Status.SUCCEEDED:
        _created(request, push.record_id)
    elif push.status == Push.Status.FAILED:
        audit_record(
            company=request.company,
            actor=None,
            action="mapping.account_failed",
            target=str(request),
            ref=f"bankaccount:{request.pk}",
            data={"reason": push.error, "reason_i18n": push.error_i18n},
        )


def bank_account_failure_text(*, reason: Phrase | str, messages: list[str]) -> Phrase:
    """A refused account as the page shows it: the reason (ours translated when shown, or the
    books') and their first complaint, as they wrote it."""
    reason = as_phrase(reason)
    if not reason.msgid:
        reason = phrase(gettext_noop("Your books rejected the new account."))
    if messages and reason.english() not in messages[0]:
        return joined(reason, messages[0])
    return reason


def bank_account_find(*, push: Push, accounts: Iterable[Account]) -> str:
    """The id of the account among `accounts` (the books' bank accounts) that this push created.

    The requested name, type and currency; not an account another push of ours created, one we
    already mirrored before this push was first sent, or one Codat last changed before that.
    Empty when none fits.
    """
    request = BankAccountRequest.objects.filter(push=push).first()
    if request is None:
        return ""
    sent = push.first_sent_at or push.created_at
    name = request.account_name.strip().casefold()
    fits = [
        account
        for account in accounts
        if not account.is_deleted
        and (account.name or "").strip().casefold() == name
        and (account.currency or "").upper() == request.currency
        and ("Credit" if account.type == "Liability" else "Debit") == request.account_type
        and not _changed_before(account, sent - CLOCK_SLACK)
    ]
    if not fits:
        return ""
    ids = [account.id for account in fits]
    taken = set(
        Push.objects.filter(company_id=push.company_id, kind=PUSH_KIND, record_id__in=ids)
        .exclude(pk=push.pk)
        .values_list("record_id", flat=True)
    )
    taken |= set(
        LedgerAccount.objects.filter(company_id=push.company_id, codat_account_id__in=ids)
        .filter(Q(first_seen_at__isnull=True) | Q(first_seen_at__lt=sent))
        .values_list("codat_account_id", flat=True)
    )
    return next((account_id for account_id in ids if account_id not in taken), "")


# --- internals ------------------------------------------------------------------------------


def _created(request: BankAccountRequest, record_id: str) -> None:
    """The account exists in the books: mirror it now so it can be mapped at once (the next
    accounts sync overwrites this row with the books' own copy), and map it."""
    company, credit = request.company, request.account_type == "Credit"
    if not record_id:
        # Codat said Success without naming the record: the accounts sync will bring it in.
        logger.warning("bank account request %s: created without a record id", request.pk)
        return
    account, _ = LedgerAccount.objects.get_or_create(
        company=company,
        codat_account_id=record_id,
        defaults={
            "name": request.account_name,
            "nominal_code": request.nominal_code,
            "account_type": "Liability" if credit else "Asset",
            "status": "Active",
            "currency": request.currency,
            "is_bank_account": True,
            "fully_qualified_category": (
                "Liability.Current.CreditCard" if credit else "Asset.Current.Bank"
            ),
        },
    )
    BankAccountRequest.objects.filter(pk=request.pk).update(account=account)
    request.account = account
    try:
        account_mapping_save(
            company=company,
            actor=request.created_by,
            method=request.method,
            currency=request.currency,
            account=account,
        )
    except MappingInvalid as exc:
        # An account found in the books that cannot pay this method: created, not mapped.
        logger.warning("bank account request %s: not mapped: %s", request.pk, exc.message)
    audit_record(
        company=company,
        actor=request.created_by,
        action="mapping.account_created",
        target=str(request),
        ref=f"bankaccount:{request.pk}",
        data={"account": record_id},
    )


def _changed_before(account: Account, moment: datetime) -> bool:
    # Codat's modifiedDate (when its copy last changed), not the platform's sourceModifiedDate:
    # some platforms give that one without a time of day.
    return account.modified_date is not None and account.modified_date < moment
