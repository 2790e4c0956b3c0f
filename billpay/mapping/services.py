"""Account mapping: which account in the books each payment method pays from, per currency.

Creating an account in the books is a push, tracked like any write-back:
queued → submitting → submitted → succeeded | failed, with checking after an unknown outcome.
- `bank_account_request_create` validates the form against `options/bankAccounts` (allowed
  currencies and account types, required fields, lengths) and stores a QUEUED request with its
  idempotency key; the task is enqueued after commit.
- `bank_account_push` claims QUEUED (or CHECKING) → SUBMITTING with a conditional UPDATE, pushes
  outside any transaction and records SUBMITTED with the pushOperationKey. After an unknown
  outcome it goes to CHECKING and the next run sends the *same* Idempotency-Key, which Codat
  answers with the first push operation (it replays answers for 90 minutes) instead of writing.
- `bank_account_follow` (polling) and `bank_account_write_event` (webhook) read the outcome;
  only on Success is the account mirrored and the mapping saved.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from billpay.codat import CodatOutcomeUnknownError, get_codat_client
from billpay.codat.errors import CodatError, CodatTransientError
from billpay.codat.serialize import dumps
from billpay.core.errors import DomainError
from billpay.core.services import audit_record
from billpay.mapping.models import AccountMapping, BankAccountRequest, LedgerAccount
from billpay.mapping.selectors import account_kind, account_usable, payment_methods
from billpay.onboarding.models import AccountingConnection

logger = logging.getLogger(__name__)
OPTIONS_CACHE_SECONDS = 600
Status = BankAccountRequest.Status


class MappingInvalid(DomainError):
    """The chosen account cannot pay this method in this currency."""


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


def method_get(method: str) -> tuple[str, str, str]:
    """One payment method by key. **Raises:** MappingInvalid for an unknown method."""
    for row in payment_methods():
        if row[0] == method:
            return row
    raise MappingInvalid("That payment method is not offered.")


def account_mapping_save(
    *, company: Any, actor: Any, method: str, currency: str, account: LedgerAccount
) -> AccountMapping:
    """Map a method and currency to an account in the books.

    **Idempotent:** saving the same mapping again changes nothing but the timestamp.
    **Raises:** MappingInvalid. **Transaction:** one, backed by the (company, method, currency) unique constraint.
    """
    _key, label, kind = method_get(method)
    if account.company_id != company.pk:
        raise MappingInvalid("That account is not in your books.")
    if not account_usable(account):
        raise MappingInvalid(f"{account.name} is archived or not a bank account in your books.")
    if account.currency != currency:
        raise MappingInvalid(
            f"{account.name} is a {account.currency} account; {currency} payments need a "
            f"{currency} account."
        )
    if account_kind(account) != kind:
        wanted = "a card (credit) account" if kind == "Credit" else "a bank (debit) account"
        raise MappingInvalid(f"{label} payments come from {wanted}; {account.name} is not one.")
    with transaction.atomic():
        mapping, created = AccountMapping.objects.select_for_update().update_or_create(
            company=company, method=method, currency=currency,
            defaults={"account": account, "updated_by": _user(actor)},
        )  # fmt: skip
        audit_record(
            company=company, actor=actor, action="mapping.saved", target=f"{label} ({currency})",
            ref=f"mapping:{mapping.pk}",
            data={"method": method, "currency": currency, "account": account.codat_account_id,
                  "account_name": account.name, "created": created},
        )  # fmt: skip
    return mapping


def account_mapping_delete(*, company: Any, actor: Any, method: str, currency: str) -> None:
    """Remove a mapping. **Idempotent.** **Transaction:** one, with its audit event."""
    with transaction.atomic():
        deleted, _ = AccountMapping.objects.filter(
            company=company, method=method, currency=currency
        ).delete()
        if deleted:
            audit_record(
                company=company, actor=actor, action="mapping.removed",
                target=f"{method_get(method)[1]} ({currency})",
                data={"method": method, "currency": currency},
            )  # fmt: skip


def bank_account_options_get(*, company: Any) -> BankAccountOptions:
    """What the company's books accept for a new bank account; cached for ten minutes.

    **Raises:** DomainError when not connected or Codat cannot answer.
    """
    connection = _connection(company)
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
        )  # fmt: skip
        cache.set(key, options, OPTIONS_CACHE_SECONDS)
    return options


def bank_account_request_create(
    *,
    company: Any,
    actor: Any,
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
    **Transaction:** one; the push is enqueued after commit.
    """
    from billpay.mapping.tasks import bank_account_push_task

    _key, label, kind = method_get(method)
    values = {"accountName": account_name, "accountNumber": account_number,
              "nominalCode": nominal_code, "institution": institution}  # fmt: skip
    errors = _option_errors(options, kind=kind, label=label, currency=currency, values=values)
    if errors:
        raise BankAccountInvalid("Your books would not accept this account.", errors)
    body = {"accountName": account_name, "accountType": kind, "currency": currency,
            "status": "Active"}  # fmt: skip
    body.update({k: v for k, v in values.items() if v and k != "accountName"})
    with transaction.atomic():
        request = BankAccountRequest.objects.create(
            company=company, method=method, currency=currency, account_type=kind,
            account_name=account_name, account_number=account_number, nominal_code=nominal_code,
            institution=institution, request_body=dumps(body), created_by=_user(actor),
        )  # fmt: skip
        audit_record(
            company=company, actor=actor, action="mapping.account_requested",
            target=f"{account_name} ({kind}, {currency})", ref=f"bankaccount:{request.pk}",
            data={"method": method, "currency": currency, "account_type": kind},
        )  # fmt: skip
        bank_account_push_task.delay_on_commit(request_id=request.pk)
    return request


def bank_account_push(*, request_id: int) -> BankAccountRequest | None:
    """Push a queued account creation to the books.

    **Idempotent:** claims the row first (QUEUED, CHECKING or a stale SUBMITTING → SUBMITTING);
    a row claimed or finished elsewhere is skipped. **Raises:** CodatTransientError (row back to QUEUED).
    **Transaction:** none around the Codat call.
    """
    now = timezone.now()
    # A claim this old belongs to a worker that died mid-push: re-sending with the same
    # Idempotency-Key is answered with the first push operation, if there was one.
    stale = now - timedelta(seconds=settings.PAYMENT_STALE_CLAIM_SECONDS)
    claimed = (
        BankAccountRequest.objects.filter(pk=request_id)
        .filter(
            Q(status__in=[Status.QUEUED, Status.CHECKING])
            | Q(status=Status.SUBMITTING, claimed_at__lt=stale)
        )
        .update(status=Status.SUBMITTING, claimed_at=now, updated_at=now)
    )
    if not claimed:
        return None
    request = BankAccountRequest.objects.select_related("company").get(pk=request_id)
    company = request.company
    try:
        connection = _connection(company)
        with get_codat_client() as client:
            op = client.create_bank_account(
                company_id=company.codat_company_id,
                connection_id=connection.codat_connection_id,
                bank_account=_loads(request.request_body),
                idempotency_key=str(request.idempotency_key),
            )
    except CodatTransientError:
        _move(request, Status.SUBMITTING, Status.QUEUED)
        raise
    except CodatOutcomeUnknownError:
        # The same Idempotency-Key on the next try is answered with the first push, if any.
        _move(request, Status.SUBMITTING, Status.CHECKING)
        _schedule(request, "bank_account_push_task")
        return request
    except (CodatError, DomainError) as exc:
        _fail(request, getattr(exc, "user_message", str(exc)), getattr(exc, "validation", ()))
        return request
    BankAccountRequest.objects.filter(pk=request.pk, status=Status.SUBMITTING).update(
        status=Status.SUBMITTED, push_operation_key=op.push_operation_key, updated_at=timezone.now()
    )
    request.refresh_from_db()
    if op.status and op.status != "Pending":
        _record_outcome(request, op.status, op.record_id, op.error_message, op.validation.errors)
    else:
        _schedule(request, "bank_account_follow_task")
    return request


def bank_account_follow(*, request_id: int) -> BankAccountRequest | None:
    """Poll the push of an account creation and record its outcome.

    **Idempotent:** only a SUBMITTED request is polled. **Raises:** CodatTransientError.
    """
    request = (
        BankAccountRequest.objects.select_related("company")
        .filter(pk=request_id, status=Status.SUBMITTED)
        .first()
    )
    if request is None:
        return None
    with get_codat_client() as client:
        op = client.get_push_operation(
            company_id=request.company.codat_company_id,
            push_operation_key=request.push_operation_key,
        )
    BankAccountRequest.objects.filter(pk=request.pk).update(poll_count=request.poll_count + 1)
    if op.status == "Pending":
        request.poll_count += 1
        _schedule(request, "bank_account_follow_task")
    else:
        _record_outcome(request, op.status, op.record_id, op.error_message, op.validation.errors)
    return request


def bank_account_write_event(*, event: Any) -> None:
    """Webhook `bankAccounts.write.*`: record the outcome of our push. **Idempotent.**"""
    body = event.payload.get("payload") or {}
    request = (
        BankAccountRequest.objects.select_related("company")
        .filter(
            company=event.company, push_operation_key=body.get("id") or "-", status=Status.SUBMITTED
        )
        .first()
    )
    if request is None:
        return
    if body.get("status") == "Failed":
        # The webhook has no validation details: ask for them.
        bank_account_follow(request_id=request.pk)
        return
    record_id = (body.get("record") or {}).get("id")
    _record_outcome(request, body.get("status"), record_id, None, ())


def bank_account_request_fail(*, request_id: int, reason: str) -> None:
    """The task gave up: fail the request unless the push may have been sent. **Idempotent.**"""
    BankAccountRequest.objects.filter(pk=request_id, status=Status.QUEUED).update(
        status=Status.FAILED, error=reason, finished_at=timezone.now()
    )


# --- internals ------------------------------------------------------------------------------


def _record_outcome(request, status, record_id, error_message, validation) -> None:
    if status == "Success" and record_id:
        _succeed(request, record_id)
    elif status == "TimedOut":
        _fail(request, "Your books did not answer in time. Check them, then try again.", ())
    elif status in ("Failed", "Success"):
        _fail(request, error_message or "Your books rejected the new account.", validation)


def _succeed(request: BankAccountRequest, record_id: str) -> None:
    from billpay.bills.models import SyncRun
    from billpay.bills.services import sync_request

    company, credit = request.company, request.account_type == "Credit"
    with transaction.atomic():
        done = BankAccountRequest.objects.filter(pk=request.pk, status=Status.SUBMITTED).update(
            status=Status.SUCCEEDED, codat_account_id=record_id, finished_at=timezone.now()
        )
        if not done:
            return
        # The account exists in the books; mirror it now so it can be mapped at once (the
        # next accounts sync overwrites this row with the books' own copy).
        account, _ = LedgerAccount.objects.get_or_create(
            company=company, codat_account_id=record_id,
            defaults={
                "name": request.account_name, "nominal_code": request.nominal_code,
                "account_type": "Liability" if credit else "Asset", "status": "Active",
                "currency": request.currency, "is_bank_account": True,
                "fully_qualified_category": "Liability.Current.CreditCard" if credit else "Asset.Current.Bank",
            },
        )  # fmt: skip
        BankAccountRequest.objects.filter(pk=request.pk).update(account=account)
        account_mapping_save(
            company=company, actor=request.created_by, method=request.method,
            currency=request.currency, account=account,
        )  # fmt: skip
        audit_record(
            company=company, actor=request.created_by, action="mapping.account_created",
            target=str(request), ref=f"bankaccount:{request.pk}", data={"account": record_id},
        )  # fmt: skip
    # Mirror the books' own copy of the account (sync_request is idempotent per company).
    sync_request(company=company, trigger=SyncRun.Trigger.WEBHOOK, data_types=["accounts"])


def _fail(request: BankAccountRequest, reason: str, validation) -> None:
    errors = [
        {"field": getattr(item, "item_id", None) or "", "message": getattr(item, "message", "")}
        for item in validation or ()
    ]
    if errors and errors[0]["message"]:
        reason = (
            f"{reason} {errors[0]['message']}" if reason not in errors[0]["message"] else reason
        )
    with transaction.atomic():
        done = BankAccountRequest.objects.filter(
            pk=request.pk, status__in=[Status.SUBMITTING, Status.SUBMITTED, Status.QUEUED]
        ).update(status=Status.FAILED, error=reason, errors=errors, finished_at=timezone.now())
        if done:
            audit_record(
                company=request.company, actor=None, action="mapping.account_failed",
                target=str(request), ref=f"bankaccount:{request.pk}", data={"reason": reason},
            )  # fmt: skip


def _move(request: BankAccountRequest, old: str, new: str) -> None:
    BankAccountRequest.objects.filter(pk=request.pk, status=old).update(
        status=new, updated_at=timezone.now()
    )


def _schedule(request: BankAccountRequest, task_name: str) -> None:
    """Run a follow-up task later (bounded backoff); after the last delay, the sweep takes over."""
    from billpay.mapping import tasks

    delays = settings.PAYMENT_POLL_DELAYS
    if request.poll_count >= len(delays):
        return
    task = getattr(tasks, task_name)
    countdown = delays[request.poll_count]
    transaction.on_commit(
        lambda: task.apply_async(kwargs={"request_id": request.pk}, countdown=countdown)
    )


def _connection(company: Any) -> AccountingConnection:
    connection = AccountingConnection.objects.filter(company=company).first()
    if connection is None or not connection.is_linked or not company.codat_company_id:
        raise DomainError("Connect your accounting software first.")
    return connection


def _choices(node) -> tuple[str, ...]:
    if node is None:
        return ()
    return tuple(choice.value for choice in node.options if choice.value)


def _max_length(node) -> int | None:
    for warning in getattr(node.validation, "warnings", ()) if node.validation else ():
        match = re.search(r"[Mm]ax(?:imum)? length of (\d+)", warning.details or "")
        if match:
            return int(match.group(1))
    return None


def _option_errors(options, *, kind, label, currency, values) -> dict[str, str]:
    errors = {}
    if options.account_types and kind not in options.account_types:
        what = "card (credit)" if kind == "Credit" else "bank (debit)"
        errors["method"] = (
            f"{options.platform_name} cannot create {what} accounts through this app, so "
            f"{label} can't get a new account here. Create it in {options.platform_name}, "
            "sync, then map it above."
        )
    if options.currencies and currency not in options.currencies:
        errors["currency"] = (
            f"{currency} is not enabled in {options.platform_name}. Allowed: "
            f"{', '.join(options.currencies)}."
        )
    for name, value in values.items():
        limit = options.max_lengths.get(name)
        if name in options.required and not value:
            errors[name] = f"{options.platform_name} requires this."
        elif limit and len(value) > limit:
            errors[name] = f"At most {limit} characters in {options.platform_name}."
    return errors


def _loads(text: str) -> dict:
    from billpay.codat.serialize import loads

    return loads(text)


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
