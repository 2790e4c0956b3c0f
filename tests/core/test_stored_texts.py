"""Texts kept in the database as phrases (core.words): written in no one's language, read in
the reader's (issue 14)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext_noop

from billpay.core.words import (
    Day,
    Money,
    Phrase,
    joined,
    phrase,
    store,
    stored_phrase,
    stored_text,
)

NBSP = "\u00a0"
HELD = gettext_noop("On hold: %(reason)s")
CHANGED = gettext_noop("The amount due on %(bill)s changed from %(before)s to %(after)s.")


def _kept(value, **kwargs) -> dict:
    """What a worker writes (no language active), then read back as the row holds it."""
    translation.deactivate_all()
    try:
        return store("reason", value, **kwargs)
    finally:
        translation.deactivate()


def _in(language: str, fields: dict) -> str:
    with translation.override(language):
        return stored_text(fields["reason"], fields["reason_i18n"])


def test_a_phrase_is_kept_in_english_and_shown_in_the_readers_language():
    fields = _kept(phrase(gettext_noop("Verified in your books")))

    assert fields["reason"] == "Verified in your books"
    assert _in("fr", fields) == "Vérifié dans votre comptabilité"
    assert _in("en", fields) == "Verified in your books"


def test_nested_phrases_are_translated_money_and_dates_follow_the_reader():
    reason = phrase(
        CHANGED,
        bill="Acme INV-1",
        before=Money(Decimal("1234.5"), "EUR"),
        after=Money(Decimal("1"), "EUR"),
    )
    fields = _kept(phrase(HELD, reason=reason))

    assert fields["reason"] == (
        "On hold: The amount due on Acme INV-1 changed from €1,234.50 to €1.00."
    )
    assert _in("fr", fields) == (
        f"En attente{NBSP}: Le montant dû sur Acme INV-1 est passé de "
        f"1\u202f234,50{NBSP}€ à 1,00{NBSP}€."
    )
    scheduled = _kept(phrase(gettext_noop("Scheduled for %(date)s"), date=Day(date(2026, 12, 3))))
    assert _in("fr", scheduled) == "Programmé pour le 3 déc. 2026"


def test_the_books_words_stay_as_the_books_wrote_them():
    fields = _kept(
        phrase(gettext_noop("Your books rejected this payment: %(messages)s"), messages="Closed")
    )

    assert _in("fr", fields) == f"Votre comptabilité a refusé ce paiement{NBSP}: Closed"


def test_a_row_from_before_phrases_is_translated_when_it_is_one_of_ours_else_shown_as_it_is():
    assert _in("fr", {"reason": "Verified in your books", "reason_i18n": {}}) == (
        "Vérifié dans votre comptabilité"
    )
    legacy = "On hold: Acme INV-1 was voided in your books."
    assert _in("fr", {"reason": legacy, "reason_i18n": {}}) == legacy
    assert _in("fr", {"reason": "100% sure", "reason_i18n": {}}) == "100% sure"


def test_the_english_column_decides_cleared_or_rewritten_the_json_is_not_shown():
    fields = _kept(phrase(gettext_noop("Verified in your books")))

    assert _in("fr", {**fields, "reason": ""}) == ""
    assert _in("fr", {**fields, "reason": "Something else"}) == "Something else"


def test_a_bounded_column_keeps_the_start_and_its_parameters_are_cut_to_fit():
    fields = _kept(phrase(HELD, reason="x" * 900), max_length=100)

    assert len(fields["reason"]) == 100
    assert fields["reason_i18n"]["params"]["reason"] == "x" * 100
    assert len(_in("en", fields)) <= 100 + len(HELD)


def test_a_translation_whose_parameters_do_not_fit_falls_back_to_english_not_an_error():
    extra = Phrase("Prepared", {"who": "Alice"})  # "Préparé" has no %(who)s: extra is fine
    with translation.override("fr"):
        assert stored_text("Prepared", extra.to_json()) == "Préparé"
    missing = Phrase("%(bill)s was voided in your books.", {})
    assert str(missing) == "%(bill)s was voided in your books."
    wrong = Phrase.from_json({"msgid": "%(bill)s was voided in your books.", "params": {"x": 1}})
    with translation.override("fr"):
        assert str(wrong) == "%(bill)s was voided in your books."


def test_a_stored_phrase_passes_on_as_a_parameter_of_another():
    push_error = _kept(phrase(gettext_noop("Your books rejected this payment.")))
    again = stored_phrase(push_error["reason"], push_error["reason_i18n"])

    fields = _kept(phrase(HELD, reason=again))

    assert _in("fr", fields) == f"En attente{NBSP}: Votre comptabilité a refusé ce paiement."


@pytest.mark.parametrize(
    ("parts", "english"),
    [
        (("", "Closed"), "Closed"),
        (
            (phrase(gettext_noop("Your books refused it.")), "Closed"),
            "Your books refused it. Closed",
        ),
        (("", ""), ""),
    ],
)
def test_texts_said_one_after_the_other(parts, english):
    assert joined(*parts).english() == english
