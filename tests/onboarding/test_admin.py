import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["company", "membership", "user"])
def test_admin_lists_search_and_filter(staff_client, model, user, other_company):
    response = staff_client.get(f"/admin/onboarding/{model}/", {"q": "charlie"})

    assert response.status_code == 200
    assert "charlie" in response.content.decode().lower()


def test_admin_requires_staff(client_member):
    assert client_member.get("/admin/onboarding/company/").status_code == 302
