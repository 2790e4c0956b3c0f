"""System checks: a SANDBOX_* setting naming an unknown data type or status fails at startup."""

from django.core.checks import Error, register

from billpay.sandbox import conf, store
from billpay.sandbox.models import READ_ERROR_STATUSES


@register()
def sandbox_first_read_settings(app_configs, **kwargs) -> list[Error]:
    """SANDBOX_FIRST_READ_DATA_TYPES and SANDBOX_FAULT_FIRST_READ_* name things the sandbox has."""
    errors = []
    for setting in ("SANDBOX_FIRST_READ_DATA_TYPES", "SANDBOX_FAULT_FIRST_READ_ERROR_TYPES"):
        unknown = [name for name in conf.get(setting) if name not in store.QUEUEABLE_TYPES]
        if unknown:
            errors.append(
                Error(
                    f"{setting} names unknown data types: {', '.join(unknown)}.",
                    hint=f"Use some of: {', '.join(store.QUEUEABLE_TYPES)}.",
                    id="sandbox.E001",
                )
            )
    status = conf.get("SANDBOX_FAULT_FIRST_READ_ERROR")
    if status and status not in READ_ERROR_STATUSES:
        errors.append(
            Error(
                f"SANDBOX_FAULT_FIRST_READ_ERROR is {status!r}, not a read error status.",
                hint=f"Use one of: {', '.join(READ_ERROR_STATUSES)}, or leave it empty.",
                id="sandbox.E002",
            )
        )
    return errors
