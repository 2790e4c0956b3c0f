import base64
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from billpay.sandbox.models import SandboxConnection, SandboxDataset, SandboxLedgerRecord
from tests.sandbox import spec
from tests.sandbox.conftest import FIRST_READ_DEFAULT, Api


def test_missing_key_is_401_with_codats_error_body(db):
    response = Client().get("/sandbox/api/companies")
    assert response.status_code == 401
    body = response.json()
    assert body["statusCode"] == 401
    assert body["service"] == "PublicApi"
    assert body["error"] == "Unauthorized"
    assert body["canBeRetried"] == "Unknown"
    assert body["detailedErrorCode"] == 0
    assert body["validation"] is None
    assert body["correlationId"]


@pytest.mark.parametrize(
    "header",
    ["Basic " + base64.b64encode(b"wrong").decode(), "Bearer test-key", "Basic !!!", "test-key"],
)
def test_wrong_key_is_401(db, header):
    assert Client().get("/sandbox/api/companies", HTTP_AUTHORIZATION=header).status_code == 401


def test_base64_key_is_accepted(api):
    assert api.get("/companies").status_code == 200


def test_wrong_method_is_405_in_codats_shape(api):
    response = api.delete("/companies")
    assert response.status_code == 405
    assert response.body["statusCode"] == 405


def test_create_company_strips_forbidden_characters_and_gives_a_hosted_link(api):
    response = api.post("/companies", {"name": "Company (Codat[1])", "tags": {"region": "uk"}})
    assert response.status_code == 200
    body = response.body
    assert body["name"] == "Company Codat1"
    assert body["redirect"] == f"http://testserver/sandbox/link/company/{body['id']}"
    assert body["dataConnections"] == []
    assert body["tags"] == {"region": "uk"}


def test_create_company_without_name_is_400(api):
    response = api.post("/companies", {"description": "no name"})
    assert response.status_code == 400
    spec.validate("POST", "/companies", 400, response.body)


def test_list_get_and_delete_company(api):
    first = api.post("/companies", {"name": "One"}).body
    api.post("/companies", {"name": "Two"})
    listing = api.get("/companies", params={"pageSize": 1}).body
    assert listing["totalResults"] == 2
    assert "next" in listing["_links"]
    assert api.get(f"/companies/{first['id']}").body["name"] == "One"
    assert api.delete(f"/companies/{first['id']}").status_code == 204
    missing = api.get(f"/companies/{first['id']}")
    assert missing.status_code == 404
    assert missing.body["error"] == f"No company was found with ID {first['id']}"


def test_unknown_company_id_that_is_not_a_uuid_is_404(api):
    assert api.get("/companies/not-a-uuid/data/bills").status_code == 404


@pytest.fixture
def company(api, clock):
    return api.post("/companies", {"name": "Bakery"}).body


def test_connection_requires_a_platform_key(api, company):
    response = api.post(f"/companies/{company['id']}/connections", {})
    assert response.status_code == 400
    assert response.body["statusCode"] == 400


def test_new_connection_is_pending_auth_with_an_absolute_link_url(api, company):
    body = api.post(f"/companies/{company['id']}/connections", {"platformKey": "qhyg"}).body
    assert body["status"] == "PendingAuth"
    assert body["platformName"] == "QuickBooks Online"
    assert body["integrationKey"] == "qhyg"
    assert body["sourceType"] == "Accounting"
    assert body["linkUrl"] == (
        f"http://testserver/sandbox/link/companies/{company['id']}/connections/{body['id']}/start"
    )
    listed = api.get(f"/companies/{company['id']}").body["dataConnections"]
    assert [c["id"] for c in listed] == [body["id"]]


def test_unknown_connection_is_404(api, company):
    path = f"/companies/{company['id']}/connections/6f1d0e39-0000-4000-8000-000000000000"
    response = api.get(path)
    assert response.status_code == 404
    assert "not found" in response.body["error"]


def test_only_linked_connections_can_be_unlinked(api, company):
    conn = api.post(f"/companies/{company['id']}/connections", {"platformKey": "qhyg"}).body
    path = f"/companies/{company['id']}/connections/{conn['id']}"
    assert api.patch(path, {"status": "Unlinked"}).status_code == 400
    SandboxConnection.objects.filter(pk=conn["id"]).update(status="Linked")
    assert api.patch(path, {"status": "Linked"}).status_code == 400
    response = api.patch(path, {"status": "Unlinked"})
    assert response.status_code == 200
    assert response.body["status"] == "Unlinked"


def _start(api, company):
    conn = api.post(f"/companies/{company['id']}/connections", {"platformKey": "gbol"}).body
    return conn, urlparse(conn["linkUrl"]).path


def test_link_page_looks_like_a_consent_screen_without_login(api, company):
    _conn, path = _start(api, company)
    page = Client().get(path)
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("Xero", "Bakery", "Approve", "Cancel", "Record bill payments"):
        assert text in html
    assert "<script" not in html


def test_approve_links_generates_books_queues_first_read_and_redirects(api, company, clock):
    conn, path = _start(api, company)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    token = page.cookies["csrftoken"].value
    response = browser.post(path, {"action": "approve", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert target.netloc == "app.test"
    params = parse_qs(target.query)
    assert params["companyId"] == [company["id"]]
    assert params["connectionId"] == [conn["id"]]
    assert params["statusCode"] == ["200"]
    assert params["platform"] == ["gbol"]
    assert params.get("errorMessage", [""]) == [""]
    assert SandboxConnection.objects.get(pk=conn["id"]).status == "Linked"
    ledger = SandboxLedgerRecord.objects.filter(company_id=company["id"], data_type="bills")
    assert ledger.count() == 30
    queued = SandboxDataset.objects.filter(company_id=company["id"], status="Queued")
    assert set(queued.values_list("data_type", flat=True)) == set(FIRST_READ_DEFAULT)
    bills = f"/companies/{company['id']}/data/bills"
    assert api.get(bills).status_code == 409
    clock.advance(3)
    ready = api.get(bills)
    assert ready.status_code == 200
    # Bills deleted in the books before the first read were never seen by Codat's cache.
    assert ready.body["totalResults"] == ledger.filter(is_deleted=False).count()


def test_cancel_redirects_with_403_and_stays_pending(api, company):
    conn, path = _start(api, company)
    response = Client().post(path, {"action": "cancel"})
    params = parse_qs(urlparse(response["Location"]).query)
    assert params["statusCode"] == ["403"]
    assert params["errorMessage"] == ["User cancelled."]
    assert SandboxConnection.objects.get(pk=conn["id"]).status == "PendingAuth"


def test_company_redirect_page_lets_the_user_pick_a_platform(api, company):
    path = urlparse(company["redirect"]).path
    assert "QuickBooks Online" in Client().get(path).content.decode()
    response = Client().post(path, {"platform": "akxx"})
    assert response.status_code == 302
    assert SandboxConnection.objects.get(company_id=company["id"]).platform_key == "akxx"


def test_a_second_api_key_from_settings_is_accepted(settings, db):
    settings.SANDBOX_API_KEYS = ["one", "two"]
    assert Api("two").get("/companies").status_code == 200


def test_unknown_api_paths_answer_json_404_with_rate_limit_headers(api):
    response = api.get("/companies/x/nothing/here")
    assert response.status_code == 404
    assert response.body["statusCode"] == 404
    assert "X-Rate-Limit-Remaining" in response


def test_custom_link_params_fill_placeholders_and_missing_ones_are_blank(api, company, settings):
    settings.SANDBOX_REDIRECT_URL = "http://app.test/back?state={state}&c={companyId}&x={unknown}"
    conn = api.post(f"/companies/{company['id']}/connections", {"platformKey": "qhyg"}).body
    path = urlparse(conn["linkUrl"]).path
    page = Client().get(path, {"state": "abc 123"})
    assert 'name="p_state" value="abc 123"' in page.content.decode()
    response = Client().post(path, {"action": "cancel", "p_state": "abc 123"})
    assert response["Location"] == f"http://app.test/back?state=abc%20123&c={company['id']}&x="
