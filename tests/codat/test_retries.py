from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.client import RemoteDisconnected

import pytest
import requests
import urllib3.exceptions

from billpay.codat import (
    CodatOutcomeUnknownError,
    CodatRateLimitedError,
    CodatTransientError,
)
from tests.codat.payloads import COMPANY_ID, CONNECTION_ID, error_body, push_operation, url

COMPANY_PATH = f"/companies/{COMPANY_ID}"
PUSH_PAYMENTS = f"/companies/{COMPANY_ID}/connections/{CONNECTION_ID}/push/billPayments"
PAYMENT = {"date": "2023-04-17T00:00:00", "totalAmount": 1}


def _company():
    return {"id": COMPANY_ID, "name": "Alpha Bakery"}


def _create_payment(codat):
    return codat.create_bill_payment(
        company_id=COMPANY_ID,
        connection_id=CONNECTION_ID,
        bill_payment=PAYMENT,
        idempotency_key="idem-1",
    )


def _refused():
    reason = urllib3.exceptions.NewConnectionError(None, "Connection refused")
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", reason))


def _dropped_after_send():
    aborted = urllib3.exceptions.ProtocolError("Connection aborted.", RemoteDisconnected())
    return requests.ConnectionError(aborted)


def test_a_429_is_retried_after_the_retry_after_seconds(codat, mocked, clock):
    mocked.get(
        url(COMPANY_PATH),
        status=429,
        json=error_body(429, "Too many"),
        headers={"Retry-After": "7"},
    )
    mocked.get(url(COMPANY_PATH), json=_company())

    company = codat.get_company(company_id=COMPANY_ID)

    assert company.id == COMPANY_ID
    assert clock.sleeps == [7]


def test_a_retry_after_http_date_is_honoured(codat, mocked, clock):
    when = datetime.now(UTC) + timedelta(seconds=30)
    mocked.get(
        url(COMPANY_PATH), status=429, headers={"Retry-After": format_datetime(when, usegmt=True)}
    )
    mocked.get(url(COMPANY_PATH), json=_company())

    codat.get_company(company_id=COMPANY_ID)

    assert 25 <= clock.sleeps[0] <= 30


def test_a_server_error_on_a_get_is_retried_until_it_succeeds(codat, mocked, clock):
    mocked.get(url(COMPANY_PATH), status=500, json=error_body(500, "Boom"))
    mocked.get(url(COMPANY_PATH), status=503, json=error_body(503, "Maintenance"))
    mocked.get(url(COMPANY_PATH), json=_company())

    codat.get_company(company_id=COMPANY_ID)

    assert len(mocked.calls) == 3
    assert len(clock.sleeps) == 2


def test_get_retries_back_off_exponentially_with_jitter(codat, mocked, clock):
    mocked.get(url(COMPANY_PATH), status=502)

    with pytest.raises(CodatTransientError):
        codat.get_company(company_id=COMPANY_ID)

    ceilings = [0.5 * 1.5**n for n in range(4)]
    assert all(c / 2 <= s <= c for s, c in zip(clock.sleeps, ceilings, strict=True))


def test_a_get_gives_up_after_the_retry_count_with_a_transient_error(codat, mocked):
    mocked.get(url(COMPANY_PATH), status=500, json=error_body(500, "Boom"))

    with pytest.raises(CodatTransientError) as caught:
        codat.get_company(company_id=COMPANY_ID)

    assert caught.value.status == 500
    assert len(mocked.calls) == 5  # 1 try + max_retries=4


def test_a_get_gives_up_when_the_time_budget_runs_out(codat, mocked, clock):
    mocked.get(url(COMPANY_PATH), status=429, headers={"Retry-After": "40"})

    with pytest.raises(CodatRateLimitedError) as caught:
        codat.get_company(company_id=COMPANY_ID)

    assert clock.sleeps == [40]  # a second 40 s wait would exceed the 60 s budget
    assert caught.value.retry_after == 40


def test_a_retry_after_longer_than_the_budget_fails_at_once(codat, mocked, clock):
    mocked.get(url(COMPANY_PATH), status=429, headers={"Retry-After": "3600"})

    with pytest.raises(CodatRateLimitedError):
        codat.get_company(company_id=COMPANY_ID)

    assert clock.sleeps == []


def test_rate_limited_is_a_transient_error(codat, mocked):
    mocked.get(url(COMPANY_PATH), status=429, headers={"Retry-After": "3600"})

    with pytest.raises(CodatTransientError):
        codat.get_company(company_id=COMPANY_ID)


def test_a_get_read_timeout_is_retried(codat, mocked):
    mocked.get(url(COMPANY_PATH), body=requests.ReadTimeout("read timed out"))
    mocked.get(url(COMPANY_PATH), json=_company())

    assert codat.get_company(company_id=COMPANY_ID).id == COMPANY_ID


def test_a_get_connection_error_exhausts_into_a_transient_error(codat, mocked):
    mocked.get(url(COMPANY_PATH), body=_dropped_after_send())

    with pytest.raises(CodatTransientError):
        codat.get_company(company_id=COMPANY_ID)


def test_post_is_never_retried_after_a_server_error(codat, mocked):
    mocked.post(url(PUSH_PAYMENTS), status=500, json=error_body(500, "Boom"))

    with pytest.raises(CodatOutcomeUnknownError) as caught:
        _create_payment(codat)

    assert caught.value.status == 500
    assert len(mocked.calls) == 1


def test_post_is_never_retried_after_a_bad_gateway(codat, mocked):
    mocked.post(url(PUSH_PAYMENTS), status=502)

    with pytest.raises(CodatOutcomeUnknownError):
        _create_payment(codat)

    assert len(mocked.calls) == 1


def test_post_is_never_retried_after_a_read_timeout(codat, mocked):
    mocked.post(url(PUSH_PAYMENTS), body=requests.ReadTimeout("read timed out"))

    with pytest.raises(CodatOutcomeUnknownError):
        _create_payment(codat)

    assert len(mocked.calls) == 1


def test_post_is_never_retried_after_the_connection_drops_once_sent(codat, mocked):
    mocked.post(url(PUSH_PAYMENTS), body=_dropped_after_send())

    with pytest.raises(CodatOutcomeUnknownError):
        _create_payment(codat)

    assert len(mocked.calls) == 1


def test_outcome_unknown_is_not_a_transient_error(codat, mocked):
    mocked.post(url(PUSH_PAYMENTS), status=500)

    with pytest.raises(CodatOutcomeUnknownError) as caught:
        _create_payment(codat)

    assert not isinstance(caught.value, CodatTransientError)


def test_post_is_retried_after_a_connect_timeout(codat, mocked):
    mocked.post(url(PUSH_PAYMENTS), body=requests.ConnectTimeout("connect timed out"))
    mocked.post(url(PUSH_PAYMENTS), json=push_operation())

    operation = _create_payment(codat)

    assert operation.status == "Pending"
    assert len(mocked.calls) == 2


def test_post_is_retried_after_the_connection_is_refused(codat, mocked):
    mocked.post(url(PUSH_PAYMENTS), body=_refused())
    mocked.post(url(PUSH_PAYMENTS), json=push_operation())

    _create_payment(codat)

    assert len(mocked.calls) == 2


def test_a_post_that_cannot_connect_ends_as_a_transient_error(codat, mocked):
    mocked.post(url(PUSH_PAYMENTS), body=_refused())

    with pytest.raises(CodatTransientError):
        _create_payment(codat)


def test_post_is_retried_on_429_with_the_same_idempotency_key(codat, mocked, clock):
    mocked.post(url(PUSH_PAYMENTS), status=429, headers={"Retry-After": "2"})
    mocked.post(url(PUSH_PAYMENTS), json=push_operation())

    _create_payment(codat)

    keys = [call.request.headers["Idempotency-Key"] for call in mocked.calls]
    assert keys == ["idem-1", "idem-1"]
    assert clock.sleeps == [2]


def test_put_is_never_retried_after_a_server_error(codat, mocked):
    bill_url = url(f"/companies/{COMPANY_ID}/connections/{CONNECTION_ID}/push/bills/b1")
    mocked.put(bill_url, status=503)

    with pytest.raises(CodatOutcomeUnknownError):
        codat.update_bill(
            company_id=COMPANY_ID,
            connection_id=CONNECTION_ID,
            bill_id="b1",
            bill={"status": "Open"},
            idempotency_key="idem-2",
        )

    assert len(mocked.calls) == 1


def test_delete_is_never_retried_after_a_read_timeout(codat, mocked):
    bill_url = url(f"/companies/{COMPANY_ID}/connections/{CONNECTION_ID}/push/bills/b1")
    mocked.delete(bill_url, body=requests.ReadTimeout("read timed out"))

    with pytest.raises(CodatOutcomeUnknownError):
        codat.delete_bill(
            company_id=COMPANY_ID,
            connection_id=CONNECTION_ID,
            bill_id="b1",
            idempotency_key="idem-3",
        )

    assert len(mocked.calls) == 1


@pytest.mark.parametrize("status", [502, 503, 504])
def test_deleting_a_bill_payment_is_never_retried_once_it_may_have_arrived(codat, mocked, status):
    """A 5xx or a timeout after the DELETE left: the outcome is unknown (the push looks it up)."""
    path = f"/companies/{COMPANY_ID}/connections/{CONNECTION_ID}/push/billPayments/145"
    mocked.delete(url(path), status=status, json=error_body(status, "Upstream error"))
    mocked.delete(url(path), body=requests.ReadTimeout("read timed out"))

    for _ in range(2):
        with pytest.raises(CodatOutcomeUnknownError):
            codat.delete_bill_payment(
                company_id=COMPANY_ID,
                connection_id=CONNECTION_ID,
                bill_payment_id="145",
                idempotency_key="idem-4",
            )

    assert len(mocked.calls) == 2


def test_a_client_error_is_not_retried(codat, mocked):
    mocked.get(url(COMPANY_PATH), status=400, json=error_body(400, "Malformed query"))

    with pytest.raises(Exception):  # noqa: B017 - the class is asserted in test_errors
        codat.get_company(company_id=COMPANY_ID)

    assert len(mocked.calls) == 1
