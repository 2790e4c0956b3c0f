"""Whatever arrives, `parse` returns a document or raises Refused: never anything else."""

from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from billpay.inbound import samples
from billpay.inbound.einvoice import ParsedDocument, Refused, parse

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_or_refuse(content: bytes) -> None:
    try:
        document = parse("file", content)
    except Refused as refused:
        assert refused.code in {
            "too_large",
            "unsafe",
            "malformed",
            "not_invoice",
            "no_invoice_inside",
            "unsupported",
            "empty",
        }
        assert str(refused.phrase)
        return
    assert isinstance(document, ParsedDocument)
    document.to_json()
    [str(w) for w in document.warnings]


@FAST
@given(
    st.sampled_from([b"", b"%PDF-", b"<?xml version='1.0'?>", b"<", b"\xef\xbb\xbf<"]),
    st.binary(max_size=400),
)
def test_arbitrary_bytes(prefix, rest):
    read_or_refuse(prefix + rest)


@lru_cache
def _templates() -> tuple[bytes, ...]:
    return (
        samples.reduced_rates()[1],
        samples.reverse_charge()[1],
        samples.credit_note_ubl()[1],
    )


@FAST
@given(
    st.integers(min_value=0, max_value=2),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=400),
            st.one_of(
                st.text(max_size=30),
                st.from_regex(r"-?[0-9]{0,20}(\.[0-9]{0,14})?", fullmatch=True),
                st.sampled_from(
                    ["", " ", "20260231", "2026-02-31", "380", "381", "AE", "0", "1E9"]
                ),
            ),
        ),
        max_size=8,
    ),
    st.lists(st.integers(min_value=0, max_value=400), max_size=3),
)
def test_arbitrary_values_in_a_real_invoice(template, changes, removals):
    """A real CII / UBL document with any element's text changed and some elements removed."""
    root = etree.fromstring(_templates()[template])
    elements = list(root.iter())
    for index, value in changes:
        element = elements[index % len(elements)]
        try:
            element.text = value
        except ValueError:  # a text XML cannot hold (control characters)
            continue
    for index in removals:
        element = elements[index % len(elements)]
        if element.getparent() is not None:
            element.getparent().remove(element)
    read_or_refuse(etree.tostring(root))
