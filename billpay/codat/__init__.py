"""The Codat API client: the only code in BillPay that speaks HTTP to Codat.

A plain package, not a Django app: it imports no models and no other billpay module
(only `get_codat_client` reads Django settings). Use it from services, never from views.
"""

from billpay.codat.client import CodatClient, get_codat_client
from billpay.codat.errors import (
    CodatAuthError,
    CodatConflictError,
    CodatError,
    CodatInvalidResponseError,
    CodatNotFoundError,
    CodatOutcomeUnknownError,
    CodatRateLimitedError,
    CodatRequestError,
    CodatTransientError,
)

__all__ = [
    "CodatAuthError",
    "CodatClient",
    "CodatConflictError",
    "CodatError",
    "CodatInvalidResponseError",
    "CodatNotFoundError",
    "CodatOutcomeUnknownError",
    "CodatRateLimitedError",
    "CodatRequestError",
    "CodatTransientError",
    "get_codat_client",
]
