"""The bank account's push adapter: a bank or card account created in the books.

A lost one is found among the books' bank accounts by its name, type and currency
(`bank_account_find`); Codat's push history is matched on the same fields.
"""

from __future__ import annotations

import re

from billpay.codat import CodatClient
from billpay.codat.schemas import PushOperation
from billpay.codat.serialize import loads
from billpay.core.words import Phrase
from billpay.mapping.hooks import accounts_changed
from billpay.mapping.services import (
    PUSH_KIND,
    bank_account_failure_text,
    bank_account_find,
    bank_account_push_changed,
)
from billpay.onboarding.models import AccountingConnection
from billpay.pushes.models import Push
from billpay.pushes.services import PushAdapter


class BankAccountPush(PushAdapter):
    kind = PUSH_KIND
    data_type = "bankAccounts"
    read_data_type = "chartOfAccounts"  # found in the chart of accounts (`data/accounts`)
    history_keys = ("accountName", "accountType", "currency")

    def send(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> PushOperation:
        return client.create_bank_account(
            company_id=push.company.codat_company_id,
            connection_id=connection.codat_connection_id,
            bank_account=loads(push.body),
            idempotency_key=str(push.idempotency_key),
        )

    def find_in_books(
        self, client: CodatClient, push: Push, connection: AccountingConnection
    ) -> str:
        currency = str(loads(push.body).get("currency") or "") if push.body else ""
        # No user text in the query: the account's name is compared here, not sent.
        query = "isBankAccount=true"
        if re.fullmatch(r"[A-Z]{3}", currency):
            query += f"&&currency={currency}"
        accounts = client.list_accounts(company_id=push.company.codat_company_id, query=query)
        return bank_account_find(push=push, accounts=accounts)

    def on_change(self, push: Push, message: Phrase | str, op: PushOperation | None = None) -> None:
        bank_account_push_changed(push=push)

    def after_success(self, push: Push) -> None:
        # Mirror the books' own copy of the new account (bills syncs the accounts).
        accounts_changed(company=push.company)

    def describe_failure(self, push: Push, reason: Phrase | str, messages: list[str]) -> Phrase:
        return bank_account_failure_text(reason=reason, messages=messages)
