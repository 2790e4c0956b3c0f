import base64
import logging

import pytest

from billpay.codat import (
    CodatAuthError,
    CodatConflictError,
    CodatInvalidResponseError,
    CodatNotFoundError,
    CodatOutcomeUnknownError,
    CodatRateLimitedError,
    CodatRequestError,
    CodatTransientError,
)
from tests.codat.payloads import (
    API_KEY,
    COMPANY_ID,
    CONNECTION_ID,
    error_body,
    url,
)

BILLS = f"/companies/{COMPANY_ID}/data/bills"
PUSH_BILLS = f"/companies/{COMPANY_ID}/connections/{CONNECTION_ID}/push/bills"


def _list_bills(codat):
    return list(codat.list_bills(company_id=COMPANY_ID))


def test_401_is_an_auth_error(codat, mocked):
    mocked.get(url(BILLS), status=401, json=error_body(401, "Unauthorized"))

    with pytest.raises(CodatAuthError) as caught:
        _list_bills(codat)

    assert caught.value.status == 401


def test_403_is_an_auth_error(codat, mocked):
    mocked.get(url(BILLS), status=403, json=error_body(403, "Forbidden"))

    with pytest.raises(CodatAuthError):
        _list_bills(codat)


def test_404_is_a_not_found_error_with_codats_message(codat, mocked):
    message = f"No company was found with ID {COMPANY_ID}"
    mocked.get(url(BILLS), status=404, json=error_body(404, message))

    with pytest.raises(CodatNotFoundError) as caught:
        _list_bills(codat)

    assert caught.value.error == message


def test_409_is_a_conflict_error(codat, mocked):
    mocked.get(url(BILLS), status=409, json=error_body(409, "The data set has not been requested."))

    with pytest.raises(CodatConflictError):
        _list_bills(codat)


def test_400_is_a_permanent_request_error(codat, mocked):
    mocked.get(url(BILLS), status=400, json=error_body(400, "Error parsing query"))

    with pytest.raises(CodatRequestError):
        _list_bills(codat)


def test_402_is_a_permanent_request_error(codat, mocked):
    mocked.get(url(BILLS), status=402, json=error_body(402, "Company limit exceeded"))

    with pytest.raises(CodatRequestError):
        _list_bills(codat)


def test_errors_carry_the_correlation_id(codat, mocked):
    mocked.get(url(BILLS), status=404, json=error_body(404, "Nope", correlation_id="corr-42"))

    with pytest.raises(CodatNotFoundError) as caught:
        _list_bills(codat)

    assert caught.value.correlation_id == "corr-42"


def test_errors_carry_codats_validation_items(codat, mocked):
    body = error_body(400, "Validation failed")
    body["validation"] = {
        "errors": [
            {"itemId": "supplierRef", "message": "Supplier is archived", "validatorName": "Bill"}
        ],
        "warnings": [],
    }
    mocked.post(url(PUSH_BILLS), status=400, json=body)

    with pytest.raises(CodatRequestError) as caught:
        codat.create_bill(
            company_id=COMPANY_ID, connection_id=CONNECTION_ID, bill={}, idempotency_key="k"
        )

    assert caught.value.validation[0].message == "Supplier is archived"
    assert caught.value.user_message.endswith("Supplier is archived")


def test_an_error_body_that_is_not_json_is_tolerated(codat, mocked):
    mocked.get(url(BILLS), status=404, body="<html>Not Found</html>")

    with pytest.raises(CodatNotFoundError) as caught:
        _list_bills(codat)

    assert caught.value.error is None


def test_a_success_that_is_not_json_is_an_invalid_response(codat, mocked):
    mocked.get(url(f"/companies/{COMPANY_ID}"), body="<html>maintenance</html>")

    with pytest.raises(CodatInvalidResponseError):
        codat.get_company(company_id=COMPANY_ID)


@pytest.mark.parametrize(
    ("error_class", "words"),
    [
        (CodatAuthError, "re-authorised"),
        (CodatNotFoundError, "couldn't find"),
        (CodatConflictError, "still being synced"),
        (CodatRateLimitedError, "busy"),
        (CodatTransientError, "isn't responding"),
        (CodatOutcomeUnknownError, "couldn't confirm"),
        (CodatRequestError, "could not accept"),
    ],
)
def test_every_error_has_a_message_an_owner_understands(error_class, words):
    error = error_class("GET /companies/{companyId} -> 500: TechnicalStackTrace")

    assert words in error.user_message
    assert "companyId" not in error.user_message


def test_logs_name_the_request_but_never_the_api_key(codat, mocked, caplog):
    caplog.set_level(logging.DEBUG)
    mocked.get(url(BILLS), status=500, json=error_body(500, "Boom", correlation_id="corr-9"))

    with pytest.raises(CodatTransientError):
        _list_bills(codat)

    encoded = base64.b64encode(API_KEY.encode()).decode()
    assert "GET /companies/{companyId}/data/bills" in caplog.text
    assert "corr-9" in caplog.text
    assert "500" in caplog.text
    assert API_KEY not in caplog.text
    assert encoded not in caplog.text
    assert "Authorization" not in caplog.text


def test_the_client_repr_does_not_show_the_api_key(codat):
    assert API_KEY not in repr(codat)
