"""The language: from Accept-Language, chosen in the header, remembered per user, used in emails."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory

FRENCH_NAV = "Factures"  # "Bills" in the header


def test_the_browsers_language_is_used_by_default(client_member):
    english = client_member.get(reverse("bills:inbox")).content.decode()
    french = client_member.get(reverse("bills:inbox"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert '<html lang="en">' in english and ">Bills</a>" in english
    assert '<html lang="fr">' in french.content.decode()
    assert f">{FRENCH_NAV}</a>" in french.content.decode()
    assert french["Content-Language"] == "fr"


def test_a_language_the_app_does_not_offer_falls_back_to_english(client_member):
    page = client_member.get(reverse("bills:inbox"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")

    assert '<html lang="en">' in page.content.decode()


def test_the_header_offers_the_other_language_by_its_own_name(client_member):
    page = client_member.get(reverse("bills:inbox")).content.decode()

    assert 'action="/language/"' in page
    assert 'value="fr" lang="fr" class="linklike">Français</button>' in page
    assert 'value="en" lang="en"' not in page  # the language already shown is not offered


def test_the_login_page_has_the_chooser_too(client):
    assert 'name="language" value="fr"' in client.get(reverse("login")).content.decode()


def test_choosing_french_remembers_it_on_the_user_and_returns_to_the_page(client_member, user):
    response = client_member.post(
        reverse("onboarding:language-set"), {"language": "fr", "next": "/bills/?view=paid"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/bills/?view=paid"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    user.refresh_from_db()
    assert user.language == "fr"
    page = client_member.get("/bills/?view=paid").content.decode()
    assert f">{FRENCH_NAV}</a>" in page


def test_the_users_choice_wins_over_the_browser_and_the_cookie(client_member, user):
    user.language = "fr"
    user.save()
    client_member.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client_member.get(reverse("bills:inbox"), HTTP_ACCEPT_LANGUAGE="en-US")

    assert '<html lang="fr">' in page.content.decode()


def test_the_choice_follows_the_user_to_another_browser_at_login(client, user):
    user.language = "fr"
    user.save()

    client.post(reverse("login"), {"username": user.email, "password": TEST_PASSWORD})
    page = client.get(reverse("bills:inbox"), HTTP_ACCEPT_LANGUAGE="en-US", follow=True)

    assert f">{FRENCH_NAV}</a>" in page.content.decode()


def test_an_anonymous_visitor_can_choose_too_with_a_cookie_only(client):
    response = client.post(
        reverse("onboarding:language-set"), {"language": "fr", "next": "/login/"}
    )

    assert response["Location"] == "/login/"
    assert "Se déconnecter" not in client.get("/login/").content.decode()
    assert '<html lang="fr">' in client.get("/login/").content.decode()


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", ""])
def test_the_chooser_never_sends_the_browser_off_site(client_member, next_url):
    response = client_member.post(
        reverse("onboarding:language-set"), {"language": "fr", "next": next_url}
    )

    assert response["Location"] == reverse("onboarding:home")


@pytest.mark.parametrize("language", ["de", "", "fr\x00", "x" * 100])
def test_a_language_not_offered_is_refused_and_nothing_changes(client_member, user, language):
    response = client_member.post(reverse("onboarding:language-set"), {"language": language})

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.language == ""


def test_choosing_a_language_needs_a_post(client_member):
    assert client_member.get(reverse("onboarding:language-set")).status_code == 405


def test_choosing_a_language_costs_one_write(client_member, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # the session, the user, the update
        client_member.post(reverse("onboarding:language-set"), {"language": "fr"})


def test_the_password_reset_email_goes_out_in_the_users_language(client, user):
    user.language = "fr"
    user.save()

    client.post(reverse("password_reset"), {"email": user.email}, HTTP_ACCEPT_LANGUAGE="en")

    assert mail.outbox[0].subject == "Réinitialisez votre mot de passe BillPay"


def test_without_a_choice_the_reset_email_is_in_the_language_it_was_asked_in(client, user):
    client.post(reverse("password_reset"), {"email": user.email}, HTTP_ACCEPT_LANGUAGE="fr")

    assert mail.outbox[0].subject == "Réinitialisez votre mot de passe BillPay"


def test_an_invitation_to_a_french_user_goes_out_in_french(client_member, company):
    UserFactory(email="carol@example.com", language="fr")

    client_member.post(reverse("onboarding:invitation-create"), {"email": "carol@example.com"})

    assert mail.outbox[0].subject.endswith(f"vous invite à rejoindre {company.name} sur BillPay")


def test_an_invitation_to_someone_new_goes_out_in_the_inviters_language(client_member, company):
    client_member.post(reverse("onboarding:invitation-create"), {"email": "dave@example.com"})

    assert mail.outbox[0].subject.endswith(f"invited you to {company.name} on BillPay")


def test_in_french_the_chooser_still_names_english_in_english(client_member):
    page = client_member.get(reverse("bills:inbox"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert 'value="en" lang="en" class="linklike">English</button>' in page
