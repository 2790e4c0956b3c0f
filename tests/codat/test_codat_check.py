from io import StringIO

import pytest
import requests
import urllib3.exceptions
from django.core.management import call_command
from responses import matchers

CHECK_URL = "https://codat.test/companies"


@pytest.fixture(autouse=True)
def _codat_settings(settings):
    settings.CODAT_BASE_URL = "https://codat.test"
    settings.CODAT_API_KEY = "check-key"


def _run():
    out, err = StringIO(), StringIO()
    try:
        call_command("codat_check", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_codat_check_reports_ok_when_the_key_is_accepted(mocked):
    mocked.get(
        CHECK_URL,
        json={"results": [], "pageNumber": 1, "pageSize": 1, "totalResults": 0},
        match=[matchers.query_param_matcher({"page": "1", "pageSize": "1"})],
    )

    code, out, _ = _run()

    assert code == 0
    assert "OK: reached https://codat.test, key accepted" in out


def test_codat_check_fails_when_the_key_is_rejected(mocked):
    mocked.get(CHECK_URL, status=401, json={"statusCode": 401, "error": "Unauthorized"})

    code, _, err = _run()

    assert code == 1
    assert "FAILED: key rejected (401)" in err


def test_codat_check_fails_when_codat_cannot_be_reached(mocked):
    refused = urllib3.exceptions.NewConnectionError(None, "Connection refused")
    mocked.get(
        CHECK_URL,
        body=requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", refused)),
    )

    code, _, err = _run()

    assert code == 1
    assert "FAILED: cannot reach https://codat.test: " in err
    assert "Connection refused" in err


def test_codat_check_fails_on_a_server_error(mocked):
    mocked.get(CHECK_URL, status=503, json={"statusCode": 503, "error": "Down for maintenance"})

    code, _, err = _run()

    assert code == 1
    assert "FAILED: https://codat.test answered 503: Down for maintenance" in err
