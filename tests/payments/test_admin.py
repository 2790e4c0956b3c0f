import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    [
        "admin:payments_payment_changelist",
        "admin:payments_paymentsettings_changelist",
        "admin:mapping_accountmapping_changelist",
        "admin:mapping_bankaccountrequest_changelist",
    ],
)
def test_staff_can_see_payments_and_mappings_in_the_admin(client, name):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse(name)).status_code == 200
