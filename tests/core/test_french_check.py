"""The browser tests' check for English on French pages (tests/e2e/english.py) finds what it must
and leaves alone what it must: French, names, numbers, times and the business's own data."""

from tests.e2e.english import catalogue_phrases, english_in


def test_the_catalogue_gives_phrases_cut_at_placeholders_without_ambiguous_words():
    phrases = set(catalogue_phrases())
    assert "Verified in your books" in phrases
    assert "bills from" in phrases  # "Pay %(counter)s bills from %(name)s"
    assert "Total" not in phrases  # the same word in French
    assert "Pay" not in phrases  # too short to tell
    assert "QuickBooks Online" not in phrases  # a name the French uses too


def test_english_from_the_catalogue_and_the_curated_list_is_found():
    found = english_in(
        ["Statut\nVerified in your books", "Ligne : Bank transfer / ACH", "Facture PartiallyPaid"],
        business=[],
    )
    assert any("“Verified in your books”" in f for f in found)
    assert any("“Bank transfer / ACH”" in f for f in found)
    assert any("“PartiallyPaid”" in f for f in found)


def test_french_names_times_and_the_business_data_pass():
    texts = [
        "Vérifié dans votre comptabilité",
        "Payer 2 factures de Saffron Waste Management Inc",
        "30 nov. 2026, 19:46 — Total : 1 234,56 $US",
        "Flights · taxe : NY State Sales Tax",
        "English",  # the language chooser names English in English
    ]
    business = ["Saffron Waste Management Inc", "Flights", "NY State Sales Tax"]
    assert english_in(texts, business) == []


def test_an_unbusiness_english_word_is_found_even_next_to_business_data():
    found = english_in(["Flights · Paid"], business=["Flights"])
    assert found == ["“Paid” in “¤ · Paid”"]


def test_a_colon_glued_to_the_word_before_it_is_english_punctuation():
    texts = ["INV-1: 12,00 €", "Quoi ?", "Statut : payée", "Business Current (USD): 12,00 €"]
    found = english_in(texts, business=["Business Current (USD)"])
    assert found == [
        "no space before “:” in “INV-1: 12,00 €”",
        "no space before “:” in “¤: 12,00 €”",
    ]
