"""The browser side of the Content-Security-Policy (issue 15, point 5): chromium receives the policy,
refuses what it forbids, and the `new_page` fixture's watch (tests/e2e/csp.py) catches each refusal,
so any browser test that meets one fails."""

import pytest

from tests.e2e.csp import CspWatch

VIOLATIONS = {
    "style attribute": """document.body.insertAdjacentHTML("beforeend",
        '<p id="styled" style="color: rgb(255, 0, 0)">red?</p>')""",
    "inline script": """(() => { const s = document.createElement("script");
        s.textContent = "window.ranInline = true"; document.body.append(s); })()""",
    "style element": """document.head.insertAdjacentHTML("beforeend",
        '<style>body { background: rgb(255, 0, 0) }</style>')""",
    "script from elsewhere": """(() => { const s = document.createElement("script");
        s.src = "https://cdn.example.com/x.js"; document.body.append(s); })()""",
}


@pytest.mark.browser
def test_chromium_gets_the_strict_policy_and_the_page_loads_clean(new_page):
    page = new_page()

    response = page.goto("/login/")

    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe" not in policy
    page.wait_for_timeout(100)
    assert new_page.csp.take() == []  # the login page itself breaks no rule


@pytest.mark.browser
@pytest.mark.parametrize("what", VIOLATIONS)
def test_a_violation_caused_on_purpose_is_refused_and_caught(new_page, what):
    page = new_page()
    page.goto("/login/")

    page.evaluate(VIOLATIONS[what])
    page.wait_for_timeout(200)

    caught = new_page.csp.take()
    assert any(" refused " in v for v in caught), f"no securitypolicyviolation event: {caught}"
    assert any(v.startswith("console") for v in caught), f"no console report: {caught}"
    assert page.evaluate("window.ranInline === undefined")
    if what == "style attribute":
        colour = page.eval_on_selector("#styled", "el => getComputedStyle(el).color")
        assert colour != "rgb(255, 0, 0)"


def test_a_violation_left_in_fails_the_test():
    watch = CspWatch(violations=["http://x/: style-src-attr refused inline"])

    with pytest.raises(AssertionError, match="style-src-attr refused inline"):
        watch.assert_clean()
    watch.assert_clean()  # reported once, then forgotten


@pytest.mark.browser
def test_the_admin_runs_under_the_policy_unrelaxed(new_page):
    from tests.e2e.journey import log_in
    from tests.factories import TEST_PASSWORD, BillFactory, MembershipFactory

    bill = BillFactory()
    staff = MembershipFactory(company=bill.company, user__is_staff=True, user__is_superuser=True)
    page = new_page()
    log_in(page, staff.user.email, TEST_PASSWORD)

    for path in ("/admin/", "/admin/bills/bill/", f"/admin/bills/bill/{bill.pk}/change/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Toggle navigation").click()  # the admin's own script runs

    assert new_page.csp.take() == []


@pytest.mark.browser
def test_an_htmx_swap_never_writes_a_style_attribute(books, new_page):
    from tests.e2e.conftest import OWNER
    from tests.e2e.journey import log_in
    from tests.factories import TEST_PASSWORD

    page = new_page()
    log_in(page, OWNER, TEST_PASSWORD)
    page.goto("/bills/")
    # What any script that changes element.style leaves behind (axe-core does, in the audits): an
    # empty style attribute, which htmx would copy across the swap with setAttribute("style").
    page.evaluate(
        "document.querySelectorAll('[id]').forEach((el) => {"
        " el.style.color = 'red'; el.style.color = ''; })"
    )

    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.locator("#id_q").fill("zzz")
    page.wait_for_timeout(300)

    assert new_page.csp.take() == []
