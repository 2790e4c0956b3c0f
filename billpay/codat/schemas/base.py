"""Shared building blocks for the Codat records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Self

from billpay.codat.decode import decode

record = dataclass(frozen=True, slots=True, kw_only=True)


def raw_field() -> Any:
    """The JSON object a record was decoded from (kept for mirroring, ignored by ==)."""
    return field(default_factory=dict, repr=False, compare=False)


def is_deleted_field() -> Any:
    # Codat keeps ledger-deleted records in its cache with metadata.isDeleted = true.
    return field(default=False, metadata={"path": ("metadata", "isDeleted")})


class Decodable:
    __slots__ = ()

    @classmethod
    def from_json(cls, data: Any) -> Self:
        return decode(cls, data)
