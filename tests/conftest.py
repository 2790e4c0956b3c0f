import pytest
from django.test import Client

from billpay.core.http import SESSION_COMPANY_KEY
from tests.factories import CompanyFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Settings every test gets: mail in memory, fast hashing, media in a temp dir."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.APP_BASE_URL = "http://testserver"


@pytest.fixture
def company(db):
    return CompanyFactory(name="Alpha Bakery")


@pytest.fixture
def user(company):
    """An owner of `company`."""
    return MembershipFactory(company=company, user__email="alice@example.com").user


@pytest.fixture
def accountant(company):
    return MembershipFactory(company=company, role="accountant", user__email="bob@example.com").user


@pytest.fixture
def other_company(db):
    """An outsider: a company `user` does not belong to, with its own owner (charlie)."""
    company = CompanyFactory(name="Charlie Hardware")
    MembershipFactory(company=company, user__email="charlie@example.com")
    return company


def _logged_in(user, company, **defaults) -> Client:
    client = Client(**defaults)
    client.force_login(user)
    session = client.session
    session[SESSION_COMPANY_KEY] = company.pk
    session.save()
    return client


@pytest.fixture
def client_member(user, company) -> Client:
    """A browser logged in as the owner, with `company` current."""
    return _logged_in(user, company)


@pytest.fixture
def client_accountant(accountant, company) -> Client:
    return _logged_in(accountant, company)


@pytest.fixture
def htmx_client(user, company) -> Client:
    """Like client_member, but every request says it comes from htmx."""
    return _logged_in(user, company, HTTP_HX_REQUEST="true")


@pytest.fixture
def outsider():
    """A user with a company of their own, and nothing to do with `company`."""
    return UserFactory(email="mallory@example.com")
