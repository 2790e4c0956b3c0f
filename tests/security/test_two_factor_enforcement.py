"""A company that requires two-step login: members are led to set it up, and payments and pay
runs are confirmed only from a session that passed it (issue 15, point 4)."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from billpay.core.errors import NotAllowed
from billpay.core.models import AuditEvent
from billpay.onboarding.errors import TwoFactorRequired
from billpay.onboarding.models import Company
from billpay.onboarding.services import two_factor_required_set
from billpay.payments.models import Payment
from billpay.payments.services import payment_confirm
from billpay.runs.models import PayRun
from billpay.runs.services import run_confirm, run_create
from tests.conftest import _logged_in
from tests.factories import AccountMappingFactory, BillFactory, MembershipFactory, SupplierFactory
from tests.onboarding.test_two_factor import code_of

pytestmark = pytest.mark.django_db
REQUIRED = reverse("onboarding:two-factor-required")


def _device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="default", confirmed=True)


def _verify(client, device: TOTPDevice):
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def required(company):
    Company.objects.filter(pk=company.pk).update(require_two_factor=True)
    company.refresh_from_db()
    return company


@pytest.fixture
def mapped(company):
    return AccountMappingFactory(company=company)


@pytest.fixture
def draft(company, user, mapped, enqueued):
    from billpay.payments.services import payment_prepare

    bill = BillFactory(company=company)
    return payment_prepare(
        company=company,
        actor=user,
        bill_ids=[bill.pk],
        method="bank_transfer",
        amounts={bill.pk: bill.amount_due},
        payment_date=timezone.localdate(),
    )


@pytest.fixture
def run(company, user, mapped, enqueued):
    supplier = SupplierFactory(company=company)
    bills = BillFactory.create_batch(2, company=company, supplier=supplier)
    return run_create(company=company, actor=user, bill_ids=[b.pk for b in bills])


# --- being led to set it up -----------------------------------------------------------------------


def test_a_member_without_a_device_is_sent_to_set_it_up(client_member, required):
    response = client_member.get(reverse("bills:inbox"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("onboarding:two-factor"))
    page = client_member.get(response.url).content.decode()
    assert "Alpha Bakery requires two-step login of every member." in page
    assert "Set up two-step login" in page


def test_an_htmx_request_is_sent_there_too(htmx_client, required):
    response = htmx_client.get(reverse("bills:inbox"))

    assert response["HX-Redirect"].startswith(reverse("onboarding:two-factor"))


def test_setting_it_up_lets_the_member_in(client_member, user, required):
    client_member.post(reverse("onboarding:two-factor-start"))
    pending = TOTPDevice.objects.get(user=user)
    client_member.post(reverse("onboarding:two-factor-setup"), {"code": code_of(pending)})

    assert client_member.get(reverse("bills:inbox")).status_code == 200


def test_a_verified_session_goes_in(client_member, user, required):
    _verify(client_member, _device(user))

    assert client_member.get(reverse("bills:inbox")).status_code == 200


def test_a_member_with_a_device_but_an_unverified_session_is_asked_for_a_code(
    client_member, user, required
):
    _device(user)

    response = client_member.get(reverse("bills:inbox"), follow=True)

    assert "Type a code from your app to go on." in response.content.decode()


def test_another_company_without_the_rule_is_unaffected(client_member, company):
    assert client_member.get(reverse("bills:inbox")).status_code == 200


def test_a_member_may_switch_to_a_company_that_does_not_require_it(client_member, user, required):
    relaxed = MembershipFactory(user=user, company__name="Zed Cafe").company

    response = client_member.post(reverse("onboarding:company-switch"), {"company": relaxed.pk})

    assert response.status_code == 302 and response.url == reverse("onboarding:home")
    assert client_member.get(reverse("bills:inbox")).status_code == 200


# --- confirming payments --------------------------------------------------------------------------


def test_confirming_a_payment_without_the_second_step_is_refused(client_member, draft, required):
    response = client_member.post(reverse("payments:payment-confirm", args=[draft.pk]))

    draft.refresh_from_db()
    assert response.status_code == 403
    assert "requires two-step login to confirm payments" in response.content.decode()
    assert draft.status == Payment.Status.DRAFT


def test_confirming_a_payment_with_the_second_step_works(client_member, user, draft, required):
    _verify(client_member, _device(user))

    response = client_member.post(reverse("payments:payment-confirm", args=[draft.pk]))

    draft.refresh_from_db()
    assert response.status_code == 302
    assert draft.status != Payment.Status.DRAFT


def test_confirming_a_pay_run_without_the_second_step_is_refused(client_member, run, required):
    response = client_member.post(
        reverse("runs:run-confirm", args=[run.pk]), {"form_token": run.form_token}
    )

    run.refresh_from_db()
    assert response.status_code == 403
    assert run.status == PayRun.Status.DRAFT


def test_confirming_a_pay_run_with_the_second_step_works(client_member, user, run, required):
    _verify(client_member, _device(user))

    response = client_member.post(
        reverse("runs:run-confirm", args=[run.pk]), {"form_token": run.form_token}
    )

    run.refresh_from_db()
    assert response.status_code in (200, 302)
    assert run.status != PayRun.Status.DRAFT


def test_the_payment_service_refuses_an_unverified_session(company, user, draft, required):
    with pytest.raises(TwoFactorRequired):
        payment_confirm(company=company, actor=user, payment_id=draft.pk, verified=False)

    draft.refresh_from_db()
    assert draft.status == Payment.Status.DRAFT


def test_the_run_service_refuses_an_unverified_session(company, user, run, required):
    with pytest.raises(NotAllowed):
        run_confirm(
            company=company,
            actor=user,
            run_id=run.pk,
            form_token=run.form_token,
            verified=False,
        )

    run.refresh_from_db()
    assert run.status == PayRun.Status.DRAFT


def test_the_services_confirm_for_a_verified_session(company, user, draft, run, required):
    payment_confirm(company=company, actor=user, payment_id=draft.pk, verified=True)
    run_confirm(
        company=company, actor=user, run_id=run.pk, form_token=run.form_token, verified=True
    )

    draft.refresh_from_db()
    run.refresh_from_db()
    assert draft.status != Payment.Status.DRAFT
    assert run.status != PayRun.Status.DRAFT


def test_without_the_rule_an_unverified_session_confirms(company, user, draft):
    payment_confirm(company=company, actor=user, payment_id=draft.pk, verified=False)

    draft.refresh_from_db()
    assert draft.status != Payment.Status.DRAFT


# --- the company setting --------------------------------------------------------------------------


def test_an_owner_with_a_verified_session_requires_it(client_member, user, company):
    _verify(client_member, _device(user))

    response = client_member.post(REQUIRED, {"required": "on"})

    company.refresh_from_db()
    assert response.status_code == 302
    assert company.require_two_factor
    assert AuditEvent.objects.filter(action="two_factor.required", company=company).exists()


def test_an_owner_must_pass_two_step_login_before_requiring_it(client_member, company):
    response = client_member.post(REQUIRED, {"required": "on"}, follow=True)

    company.refresh_from_db()
    assert not company.require_two_factor
    assert "Turn two-step login on for yourself first" in response.content.decode()


def test_an_owner_stops_requiring_it(client_member, user, required):
    _verify(client_member, _device(user))

    client_member.post(REQUIRED, {"required": ""})

    required.refresh_from_db()
    assert not required.require_two_factor
    assert AuditEvent.objects.filter(action="two_factor.optional").exists()


def test_an_admin_cannot_change_it(company):
    admin = MembershipFactory(company=company, role="admin").user
    client = _logged_in(admin, company)
    _verify(client, _device(admin))

    response = client.post(REQUIRED, {"required": "on"}, follow=True)

    company.refresh_from_db()
    assert not company.require_two_factor
    assert "Only an owner can change this." in response.content.decode()


def test_an_accountant_cannot_change_it(client_accountant, company):
    response = client_accountant.post(REQUIRED, {"required": "on"})

    company.refresh_from_db()
    assert response.status_code == 403
    assert not company.require_two_factor


def test_the_service_refuses_a_non_owner(company, accountant):
    with pytest.raises(NotAllowed):
        two_factor_required_set(
            company=company, actor=accountant, required=True, actor_verified=True
        )


def test_the_team_page_offers_the_switch_to_owners_only(client_member, client_accountant):
    owner_page = client_member.get(reverse("onboarding:team")).content.decode()
    accountant_page = client_accountant.get(reverse("onboarding:team")).content.decode()

    assert "Require two-step login for every member" in owner_page
    assert REQUIRED in owner_page
    assert REQUIRED not in accountant_page


def test_the_setting_is_a_post(client_member):
    assert client_member.get(REQUIRED).status_code == 405
