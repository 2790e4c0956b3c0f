"""Account mapping: which account in the books each payment method pays from, per currency.

Creating an account in the books is a write like any other: its `push` (billpay.pushes) sends
it exactly once, follows it and looks it up after an unknown outcome. The request itself only
holds what was asked for and what came of it; its status is its push's:

    queued → sending → sent → succeeded (mirrored and mapped) | failed (the books' reasons)
                  └──────┴──▶ checking (unknown outcome: looked up, never re-sent blindly)

- `bank_account_request_create` validates the form against `options/bankAccounts` (allowed
  currencies and account types, required fields, lengths), stores the request with a new push
  (the exact body to send) and starts the push after commit.
- `bank_account_push_changed` follows the push (called by its adapter, `mapping/pushes.py`):
  once it succeeded the account is mirrored and the mapping saved; a failure is audited and the
  page shows the push's words and field errors.
- `bank_account_find` tells which account in the books a lost push created: the requested
  name, type and currency, an account no other push of ours created and that we did not
  already know when it was sent.
"""

from billpay.mapping.services.accounts import (
    MappingInvalid,
    account_mapping_delete,
    account_mapping_save,
    acting_user,
    method_get,
)
from billpay.mapping.services.bank_accounts import (
    PUSH_KIND,
    bank_account_failure_text,
    bank_account_find,
    bank_account_push_changed,
    bank_account_request_create,
)
from billpay.mapping.services.options import (
    BankAccountInvalid,
    BankAccountOptions,
    bank_account_option_errors,
    bank_account_options_get,
)

__all__ = [
    "PUSH_KIND",
    "BankAccountInvalid",
    "BankAccountOptions",
    "MappingInvalid",
    "account_mapping_delete",
    "account_mapping_save",
    "acting_user",
    "bank_account_failure_text",
    "bank_account_find",
    "bank_account_option_errors",
    "bank_account_options_get",
    "bank_account_push_changed",
    "bank_account_request_create",
    "method_get",
]
