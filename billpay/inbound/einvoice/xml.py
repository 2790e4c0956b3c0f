"""Hardened XML: no DTD, no entities, no network, no huge trees; a DOCTYPE is refused outright.

An e-invoice never needs a DOCTYPE (EN 16931 syntaxes are plain namespaced XML), and every XML
attack on a parser (external entities reading files or URLs, "billion laughs" expansion,
external DTDs) needs one: refusing it before anything is read closes them all at once.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_noop
from lxml import etree

from billpay.core.words import phrase
from billpay.inbound.einvoice.document import Refused

# "<!DOCTYPE" / "<!ENTITY" in the encodings an XML file may be in (the parser double-checks).
_DECLARATIONS = tuple(
    word.encode(encoding)
    for word in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def unsafe() -> Refused:
    return Refused(
        "unsafe",
        phrase(
            gettext_noop(
                "This file declares a document type or entities, which e-invoices never do: "
                "it was not read, for safety."
            )
        ),
    )


def malformed_xml() -> Refused:
    return Refused(
        "malformed",
        phrase(gettext_noop("This XML file is damaged or incomplete: it cannot be read.")),
    )


def too_large() -> Refused:
    return Refused(
        "too_large",
        phrase(
            gettext_noop("The file is larger than %(limit)s MB."),
            limit=settings.INBOUND_MAX_BYTES // (1024 * 1024),
        ),
    )


def xml_root(content: bytes) -> etree._Element:
    """The root element of `content`, read safely.

    **Raises:** Refused: "too_large", "unsafe" (a DOCTYPE or entity declaration), "malformed".
    """
    if len(content) > settings.INBOUND_MAX_BYTES:
        raise too_large()
    if any(word in content for word in _DECLARATIONS):
        raise unsafe()
    try:
        root = etree.fromstring(content, parser=_parser())
    except (etree.LxmlError, ValueError, LookupError) as error:
        if "entit" in str(error).lower() or "doctype" in str(error).lower():
            raise unsafe() from None
        raise malformed_xml() from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise unsafe()  # a declaration in an encoding the scan above did not look for
    for element in root.iter():
        if not isinstance(element.tag, str):  # an unresolved entity reference
            raise unsafe()
    return root
