"""Push (write) operations and the push-options tree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from datetime import datetime
from typing import Any

from billpay.codat.errors import ValidationItem
from billpay.codat.schemas.base import Decodable, raw_field, record

# --- writes --------------------------------------------------------------------------------


@record
class RecordRef(Decodable):
    id: str | None = None
    data_type: str | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class PushChange(Decodable):
    type: str | None = None
    record_ref: RecordRef | None = None
    attachment_id: str | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class PushOperationValidation(Decodable):
    errors: tuple[ValidationItem, ...] = ()
    warnings: tuple[ValidationItem, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@record
class PushOperation(Decodable):
    """A push (write) and its outcome; `status` is Pending, Success, Failed or TimedOut."""

    push_operation_key: str
    company_id: str | None = None
    data_connection_key: str | None = None
    data_type: str | None = None
    status: str | None = None
    status_code: int | None = None
    error_message: str | None = None
    requested_on_utc: datetime | None = None
    completed_on_utc: datetime | None = None
    timeout_in_minutes: int | None = None
    validation: PushOperationValidation = field(default_factory=PushOperationValidation)
    changes: tuple[PushChange, ...] = ()
    # Deprecated by Codat: the record as submitted, echoed back on create/update.
    data: Mapping[str, Any] | None = None
    raw: Mapping[str, Any] = raw_field()

    @property
    def is_pending(self) -> bool:
        return self.status == "Pending"

    @property
    def record_id(self) -> str | None:
        """The ledger id of the created/changed record, once the push has succeeded."""
        for change in self.changes:
            if change.record_ref and change.record_ref.id:
                return change.record_ref.id
        return None


@record
class PushFieldValidation(Decodable):
    field: str | None = None
    details: str | None = None
    ref: str | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class PushValidationInfo(Decodable):
    warnings: tuple[PushFieldValidation, ...] = ()
    information: tuple[PushFieldValidation, ...] = ()
    raw: Mapping[str, Any] = raw_field()


@record
class PushOptionChoice(Decodable):
    value: str | None = None
    type: str | None = None
    display_name: str | None = None
    description: str | None = None
    required: bool | None = None
    raw: Mapping[str, Any] = raw_field()


@record
class PushOption(Decodable):
    """The `options/{dataType}` tree: what this integration requires and allows on a push."""

    type: str | None = None
    display_name: str | None = None
    description: str | None = None
    required: bool = False
    properties: Mapping[str, PushOption] = field(default_factory=dict)
    options: tuple[PushOptionChoice, ...] = ()
    validation: PushValidationInfo | None = None
    raw: Mapping[str, Any] = raw_field()
