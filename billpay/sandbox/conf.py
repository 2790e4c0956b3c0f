"""SANDBOX_* settings with their defaults, read at call time so tests can override them."""

from django.conf import settings

DEFAULTS = {
    "SANDBOX_API_KEYS": ["sandbox-key"],
    "SANDBOX_REDIRECT_URL": "",
    "SANDBOX_PUSH_DELAY_SECONDS": 1,
    "SANDBOX_SYNC_DELAY_SECONDS": 2,
    "SANDBOX_CACHE_REFRESH_SECONDS": 3600,
    # Codat's "Fetch on first link" defaults for Bill Pay (tax rates are not among them).
    "SANDBOX_FIRST_READ_DATA_TYPES": [
        "bankAccounts",
        "bills",
        "billPayments",
        "chartOfAccounts",
        "company",
        "paymentMethods",
        "suppliers",
    ],
    "SANDBOX_DEFAULT_BILLS": 150,
    "SANDBOX_RATE_LIMIT_PER_MINUTE": 1000,
    "SANDBOX_RATE_LIMIT_PER_DAY": 100000,
    "SANDBOX_FAULT_ERROR_RATE": "0",
    "SANDBOX_FAULT_LATENCY_MS": 0,
    "SANDBOX_FAULT_429_RATE": "0",
    "SANDBOX_FAULT_429_BURST": 3,
    "SANDBOX_FAULT_LOST_RESPONSE_RATE": "0",
    "SANDBOX_FAULT_SEED": 0,
    "SANDBOX_FAULT_FIRST_READ_ERROR": "",
    "SANDBOX_FAULT_FIRST_READ_ERROR_TYPES": [],
    "SANDBOX_WEBHOOK_URL": "",
    "SANDBOX_WEBHOOK_SECRET": "",
    "SANDBOX_WEBHOOK_TIMEOUT_SECONDS": 5,
    "SANDBOX_WEBHOOK_IN_THREAD": True,
}


def get(name: str):
    """A SANDBOX_* setting, or its default when the project does not define it."""
    return getattr(settings, name, DEFAULTS[name])
