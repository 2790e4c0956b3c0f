"""French and English: settings, dates, money, typed amounts and the catalogues (issue 14)."""

import shutil
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from babel.messages.catalog import Catalog
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.formats import date_format
from hypothesis import given
from hypothesis import strategies as st

from billpay.core import forms as strict
from billpay.core.catalogues import catalogue_compile, catalogue_paths, catalogue_read
from billpay.core.money import format_money, money_locale
from billpay.core.parsing import ParseError, parse_amount, parse_date, parse_decimal, typed_number
from billpay.core.templatetags.money import amount_input

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture
def french():
    with translation.override("fr"):
        yield


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_the_app_speaks_english_and_french_with_english_by_default():
    assert settings.LANGUAGES == [("en", "English"), ("fr", "Français")]
    assert settings.LANGUAGE_CODE == "en"
    assert settings.LOCALE_PATHS == [settings.BASE_DIR / "locale"]


def test_locale_middleware_sits_between_sessions_and_common_and_the_users_choice_after_auth():
    order = settings.MIDDLEWARE.index
    assert (
        order("django.contrib.sessions.middleware.SessionMiddleware")
        < order("django.middleware.locale.LocaleMiddleware")
        < order("django.middleware.common.CommonMiddleware")
    )
    assert order("django.contrib.auth.middleware.AuthenticationMiddleware") < order(
        "billpay.onboarding.middleware.UserLanguageMiddleware"
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "30 Nov 2026"), ("fr", "30 nov. 2026"), ("fr-fr", "30 nov. 2026")],
)
def test_a_date_reads_as_its_language_writes_it(language, expected):
    with translation.override(language):
        assert date_format(date(2026, 11, 30)) == expected


def test_a_date_and_time_in_french(french):
    moment = datetime(2026, 3, 5, 14, 5, tzinfo=UTC)
    assert date_format(moment, "DATETIME_FORMAT") == "5 mars 2026, 14:05"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("30 nov. 2026", date(2026, 11, 30)),
        ("30 novembre 2026", date(2026, 11, 30)),
        ("5 févr. 2026", date(2026, 2, 5)),
        ("5 fevrier 2026", date(2026, 2, 5)),
        ("1 août 2026", date(2026, 8, 1)),
        ("30/11/2026", date(2026, 11, 30)),
        ("5 Mar 2025", date(2025, 3, 5)),
        ("2026-11-30", date(2026, 11, 30)),
    ],
)
def test_a_date_typed_in_french_is_read(french, typed, expected):
    assert parse_date(typed) == expected


@pytest.mark.parametrize("typed", ["5 Mär 2025", "5 jui 2025", "5 marzo 2025"])
def test_a_month_that_is_not_one_or_could_be_two_is_refused(french, typed):
    with pytest.raises(ParseError):
        parse_date(typed)


def test_a_slashed_date_is_refused_in_english_where_its_order_is_not_a_given(english):
    with pytest.raises(ParseError, match="Enter a date like 5 Mar 2025."):
        parse_date("03/05/2025")


def test_a_date_that_is_not_one_shows_the_french_shape_in_french(french):
    with pytest.raises(ParseError, match=r"^Saisissez une date comme 5 mars 2025\.$"):
        parse_date("5 zorglub 2025")


def test_every_date_the_app_shows_in_either_language_reads_back(english):
    day = date(2024, 1, 1)
    while day.year == 2024:
        for language in ("en", "fr"):
            with translation.override(language):
                assert parse_date(date_format(day)) == day
        day = date.fromordinal(day.toordinal() + 1)


def test_a_date_field_shows_and_reads_its_language(french):
    field = strict.DateField()
    assert field.widget.format_value(date(2026, 11, 30)) == "30 nov. 2026"
    assert 'placeholder="ex. 5 mars 2025"' in field.widget.render("d", None)
    assert field.clean("30 nov. 2026") == date(2026, 11, 30)


# --- Money --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "currency", "expected"),
    [
        ("en", "EUR", "€1,234.56"),
        ("en", "USD", "-$1,234.56"),
        ("fr", "EUR", f"1{NNBSP}234,56{NBSP}€"),
        ("fr", "USD", f"-1{NNBSP}234,56{NBSP}$US"),
        ("fr", "JPY", f"1{NNBSP}235{NBSP}JPY"),
    ],
)
def test_money_follows_the_active_language(language, currency, expected):
    amount = Decimal("-1234.56") if expected.startswith("-") else Decimal("1234.555")
    amount = Decimal("1234.56") if currency == "EUR" else amount
    with translation.override(language):
        assert format_money(amount, currency) == expected


def test_each_language_writes_money_in_its_own_babel_locale():
    assert money_locale("en") == "en_US"
    assert money_locale("fr") == "fr_FR"
    assert money_locale("fr-ca") == "fr_FR"
    assert money_locale("de") == "en_US"  # a language the app does not offer


def test_the_french_amounts_take_the_fast_path_not_babel_every_time(french, monkeypatch):
    format_money(Decimal("1"), "EUR")  # the affixes are worked out (and checked) once

    def no_babel(*args, **kwargs):
        raise AssertionError("babel called for an amount the cached affixes can write")

    monkeypatch.setattr("billpay.core.money.format_currency", no_babel)
    assert format_money(Decimal("98765.4"), "EUR") == f"98{NNBSP}765,40{NBSP}€"


# Up to what the amount columns hold once rounded to any currency (JPY rounds .5 up).
AMOUNTS = st.decimals(
    min_value=Decimal("-999999999999998.99"),
    max_value=Decimal("999999999999998.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
CURRENCIES = st.sampled_from(["EUR", "USD", "GBP", "CHF", "JPY", "KWD"])


@given(amount=AMOUNTS, currency=CURRENCIES)
def test_format_money_in_french_writes_what_babel_writes(amount, currency):
    from babel.numbers import format_currency

    from billpay.core.money import quantize

    with translation.override("fr"):
        expected = format_currency(
            quantize(amount, currency), currency, locale="fr_FR", currency_digits=True
        )
        assert format_money(amount, currency) == expected


def _digits_of(text: str) -> str:
    """The number in a formatted amount: everything but the currency's symbol or code."""
    return "".join(c for c in text if c.isdigit() or c in f",.-{NNBSP}{NBSP} ").strip(f" {NBSP}")


@given(amount=AMOUNTS, currency=CURRENCIES, language=st.sampled_from(["en", "fr"]))
def test_every_amount_format_money_writes_is_read_back_the_same_in_its_language(
    amount, currency, language
):
    with translation.override(language):
        from billpay.core.money import quantize

        shown = format_money(amount, currency)
        assert parse_amount(_digits_of(shown), currency=currency, typed=True) == quantize(
            amount, currency
        )


@given(amount=AMOUNTS, currency=CURRENCIES, language=st.sampled_from(["en", "fr"]))
def test_an_amount_prefilled_in_a_form_is_read_back_the_same(amount, currency, language):
    from billpay.core.money import quantize

    with translation.override(language):
        field = strict.AmountField(currency=currency)
        exact = quantize(amount, currency)
        assert field.clean(field.widget.format_value(exact)) == exact
        assert field.clean(amount_input(amount, currency)) == exact


# --- Typed amounts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["1 234,56", f"1{NBSP}234,56", f"1{NNBSP}234,56", "1234,56", "1234.56", " 1 234,56 "],
)
def test_french_amounts_are_read(french, typed):
    assert parse_decimal(typed, typed=True) == Decimal("1234.56")


@pytest.mark.parametrize("typed", ["1,234.56", "1234.56", "1 234.56"])
def test_english_amounts_are_read(english, typed):
    assert parse_decimal(typed, typed=True) == Decimal("1234.56")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1.234.567", Decimal("1234567")),
        ("1,234,567.5", Decimal("1234567.5")),
        ("1.234,5", Decimal("1234.5")),
        ("0,125", Decimal("0.125")),
        ("0.125", Decimal("0.125")),
        ("1234,567", Decimal("1234.567")),
        ("12,5", Decimal("12.5")),
        ("-1 234,5", Decimal("-1234.5")),
        (",5", Decimal("0.5")),
    ],
)
def test_an_amount_that_can_mean_only_one_thing_is_read_in_either_language(typed, expected):
    for language in ("en", "fr"):
        with translation.override(language):
            assert parse_decimal(typed, typed=True) == expected


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("en", "1,234", "“1,234” could mean two different amounts. Type it with its decimals, like 1,234.00."),
        ("en", "1.234", "“1.234” could mean two different amounts. Type it with its decimals, like 1,234.00."),
        ("fr", "1,234", f"«{NBSP}1,234{NBSP}» peut désigner deux montants différents. Saisissez-le avec ses décimales, par exemple 1{NNBSP}234,00."),
        ("fr", "1.234", f"«{NBSP}1.234{NBSP}» peut désigner deux montants différents. Saisissez-le avec ses décimales, par exemple 1{NNBSP}234,00."),
        ("fr", "12.500", f"«{NBSP}12.500{NBSP}» peut désigner deux montants différents. Saisissez-le avec ses décimales, par exemple 12{NNBSP}500,00."),
    ],
)  # fmt: skip
def test_an_amount_that_could_mean_two_amounts_is_refused_with_how_to_type_it(
    language, typed, message
):
    with translation.override(language), pytest.raises(ParseError) as refused:
        parse_amount(typed, currency="EUR", typed=True)
    assert refused.value.message == message


@pytest.mark.parametrize(
    ("language", "typed", "currency", "expected"),
    [
        ("en", "1,000", "JPY", Decimal("1000")),  # how the app writes ¥1,000
        ("en", "1.000", "KWD", Decimal("1")),  # how the app writes KWD1.000
        ("fr", "1,000", "KWD", Decimal("1")),  # how the app writes 1,000 KWD
        ("fr", "1 000", "JPY", Decimal("1000")),
    ],
)
def test_the_currency_settles_the_shape_the_app_itself_writes(language, typed, currency, expected):
    with translation.override(language):
        assert parse_amount(typed, currency=currency, typed=True) == expected


@pytest.mark.parametrize(
    ("language", "typed", "expected"),
    [("en", "12.345", Decimal("12.345")), ("fr", "12,345", Decimal("12.345"))],
)
def test_where_three_decimals_are_allowed_the_languages_decimal_mark_is_one(
    language, typed, expected
):
    with translation.override(language):  # a unit price: four places
        assert parse_decimal(typed, typed=True) == expected


@pytest.mark.parametrize(("language", "typed"), [("en", "12,345"), ("fr", "12.345")])
def test_where_three_decimals_are_allowed_the_other_mark_is_still_refused(language, typed):
    with translation.override(language), pytest.raises(ParseError) as refused:
        parse_decimal(typed, typed=True)
    assert "12" in refused.value.message and (
        "two different" in refused.value.message or "deux montants" in refused.value.message
    )


@pytest.mark.parametrize(
    ("language", "typed", "currency"),
    [("en", "1.000", "JPY"), ("en", "1,000", "KWD"), ("fr", "1,000", "JPY"), ("fr", "1.000", "KWD"),
     ("en", "1,234", "EUR"), ("fr", "1,234", "EUR")],
)  # fmt: skip
def test_the_other_shape_stays_refused_whatever_the_currency(language, typed, currency):
    with (
        translation.override(language),
        pytest.raises(ParseError, match="two different amounts|deux montants différents"),
    ):
        parse_amount(typed, currency=currency, typed=True)


@pytest.mark.parametrize("typed", ["1,23,456", "1.234,56.7", "1,234 56", "1 23", "1,2,3", "--1"])
def test_badly_grouped_amounts_are_refused_with_the_languages_example(typed):
    # Shapes that are no number in any language.
    with translation.override("fr"), pytest.raises(ParseError) as refused:
        parse_decimal(typed, typed=True)
    assert (
        refused.value.message == f"Saisissez-le en chiffres de 0 à 9, par exemple 1{NNBSP}234,56."
    )
    with translation.override("en"), pytest.raises(ParseError) as refused:
        parse_decimal(typed, typed=True)
    assert refused.value.message == "Type it in digits 0–9, like 1,234.56."


def test_what_is_not_typed_by_a_person_stays_plain(french):
    # URLs and cursors: only "1234.56"; a group separator is no number there.
    assert parse_decimal("1234.56") == Decimal("1234.56")
    with pytest.raises(ParseError):
        parse_decimal("1 234,56")


def test_an_amount_field_reads_french_and_says_so_in_french(french):
    field = strict.AmountField(currency="EUR")
    assert field.clean("1 234,56") == Decimal("1234.56")
    with pytest.raises(Exception) as refused:
        field.clean("1.234")
    assert "peut désigner deux montants différents" in str(refused.value)


def test_an_amount_input_is_text_with_the_decimal_keypad_and_the_languages_mark(french):
    html = strict.AmountField(currency="EUR", initial=Decimal("1234.50")).widget.render(
        "amount", Decimal("1234.50")
    )
    assert 'type="text"' in html
    assert 'inputmode="decimal"' in html
    assert 'value="1234,50"' in html


@pytest.mark.parametrize(
    ("number", "en", "fr"),
    [
        (Decimal("1234.50"), "1234.50", "1234,50"),
        (Decimal("1.234"), "1.2340", "1,2340"),  # never the ambiguous shape
        (Decimal("0.125"), "0.125", "0,125"),
        (Decimal("-12.500"), "-12.5000", "-12,5000"),
        (Decimal("1234.567"), "1234.567", "1234,567"),
    ],
)
def test_a_number_is_prefilled_so_that_it_reads_back(number, en, fr):
    with translation.override("en"):
        assert typed_number(number) == en
        assert parse_decimal(en, typed=True) == number
    with translation.override("fr"):
        assert typed_number(number) == fr
        assert parse_decimal(fr, typed=True) == number


# --- Catalogues ---------------------------------------------------------------------------------


def test_there_is_a_french_catalogue():
    assert [po.parent.parent.name for po in catalogue_paths()] == ["fr"]


@pytest.mark.parametrize("po", catalogue_paths(), ids=lambda po: po.parent.parent.name)
def test_the_committed_mo_is_the_po_compiled(po):
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `make messages`"
    assert mo.read_bytes() == catalogue_compile(po), f"{mo} is stale: run `make messages`"


@pytest.mark.parametrize("po", catalogue_paths(), ids=lambda po: po.parent.parent.name)
def test_every_string_in_the_catalogue_is_translated_and_not_fuzzy(po):
    catalogue = catalogue_read(po)
    assert not catalogue.fuzzy, "the catalogue's header is marked fuzzy"
    missing = [
        message.id
        for message in catalogue
        if message.id and (message.fuzzy or not _translated(message.string))
    ]
    assert missing == [], f"untranslated or fuzzy in {po}: {missing}"


def _translated(string) -> bool:
    strings = string if isinstance(string, tuple) else (string,)
    return all(s.strip() for s in strings)


def test_the_translation_check_catches_an_empty_or_a_fuzzy_string(tmp_path):
    from babel.messages.pofile import write_po

    catalogue = Catalog(locale="fr", fuzzy=False)
    catalogue.add("Bills", "Factures")
    catalogue.add("Team", "")
    catalogue.add("Payments", "Paiements", flags=["fuzzy"])
    po = tmp_path / "fr" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as file:
        write_po(file, catalogue)
    with pytest.raises(AssertionError, match=r"\['Team', 'Payments'\]"):
        test_every_string_in_the_catalogue_is_translated_and_not_fuzzy(po)


def test_the_nav_is_translated(french):
    assert translation.gettext("Bills") == "Factures"
    assert translation.pgettext("navigation", "Main") == "Principale"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="makemessages needs GNU gettext")
def test_makemessages_finds_no_string_the_catalogue_lacks(tmp_path, monkeypatch, settings):
    # makemessages on a copy of locale/ (in a folder that links to the sources, so that the
    # real catalogue is never touched): a string marked for translation but missing from the
    # .po, or fuzzy-matched to another, shows up untranslated or fuzzy in the copy.
    for source in ("billpay", "templates"):
        (tmp_path / source).symlink_to(settings.BASE_DIR / source)
    shutil.copytree(settings.BASE_DIR / "locale", tmp_path / "locale")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command(
        "makemessages",
        locale=["fr"],
        no_location=True,
        no_obsolete=True,
        symlinks=True,
        verbosity=0,
    )
    po = tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    assert po.read_text() != "", "makemessages wrote nothing"
    test_every_string_in_the_catalogue_is_translated_and_not_fuzzy(po)
