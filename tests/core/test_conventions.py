"""Project rules that are cheap to check mechanically."""

import re
from pathlib import Path

BILLPAY = Path(__file__).resolve().parents[2] / "billpay"


def _sources():
    return [p for p in BILLPAY.rglob("*.py") if "migrations" not in p.parts]


def test_no_floats_for_money_anywhere_in_billpay():
    offenders = [
        str(p.relative_to(BILLPAY))
        for p in _sources()
        if re.search(r"\bfloat\(|FloatField", p.read_text())
    ]
    assert offenders == []


def test_the_sandbox_imports_nothing_else_from_billpay():
    sandbox = BILLPAY / "sandbox"
    offenders = [
        str(p.relative_to(BILLPAY))
        for p in sandbox.rglob("*.py")
        if re.search(r"^\s*(from|import) billpay\.(?!sandbox)", p.read_text(), re.M)
    ]
    assert offenders == []


def test_nothing_imports_the_sandbox():
    offenders = [
        str(p.relative_to(BILLPAY))
        for p in _sources()
        if "sandbox" not in p.parts
        and re.search(r"^\s*(from|import) billpay\.sandbox", p.read_text(), re.M)
    ]
    assert offenders == []
