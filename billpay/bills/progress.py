"""A sync run's progress as the owner sees it: per data type, records read of Codat's count."""

from dataclasses import dataclass

from billpay.core.words import data_type_name


@dataclass(frozen=True)
class SyncStep:
    """One data type of a sync run, as its progress bar shows it."""

    label: str  # in words: "Tax rates"
    read: int
    total: int | None  # Codat's totalResults for the read; None until its first page arrives
    state: str  # "waiting", "reading" or "done"
    percent: int


def sync_steps(data_types: list[str], progress: dict) -> list[SyncStep]:
    """The steps of a run reading `data_types` in order, from its `progress` marks
    ({"bills": {"read": 2000, "total": 10000, "done": false}, ...})."""
    steps = []
    for data_type in data_types:
        mark = progress.get(data_type) or {}
        read, total = int(mark.get("read") or 0), mark.get("total")
        if mark.get("done"):
            # A list can grow while it is read (records added meanwhile): done is 100 %.
            state, total, percent = "done", max(read, total or 0), 100
        else:
            state = "reading" if mark else "waiting"
            # Never 100 % before the last page is written: that is "done".
            percent = min(99, read * 100 // total) if total else 0
        steps.append(SyncStep(data_type_name(data_type), read, total, state, percent))
    return steps
