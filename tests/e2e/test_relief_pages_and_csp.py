"""Relief pages in a real browser, and the Content Security Policy on the main pages.

Relief (issue 13): cases, a case, payments (with a corrected payment's ledger lines), patrols, the
material ledger and holiday visits, as the street staff, at phone (390x844) and desktop (1366x768)
size: screenshots in var/test-output/relief-*.png, every page clean under axe-core's WCAG 2.1 AA
rules, nothing wider than the screen.

CSP: the pages are opened *with* the policy enforced (no bypass) and every violation the browser
reports (``securitypolicyviolation`` events and console errors) fails the test — e.g. htmx's own
indicator ``<style>`` element, which ``style-src 'self'`` blocks (htmx is configured with
``includeIndicatorStyles: false``; the indicator style lives in app.css).
"""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tests.e2e.ux_support import DESKTOP, PHONE, assert_accessible, new_context, shoot, sign_in, winter_street
from tests.support import host_of

pytestmark = pytest.mark.browser
SLUG, NAME = "uxrelief", "救助体验街道"


@pytest.fixture(autouse=True, scope="module")
def _orm_beside_playwright():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def _relief_data(place) -> dict:
    """The demo's relief data around now (once), plus this month's payment recorded wrongly and
    corrected (冲正), so the payments page shows a ledger with a reversal."""
    from django.utils import timezone

    from core.relief.models import ENROLMENT_KINDS, CaseStatus, Payment, ReliefCase
    from core.relief.payments import payment_correct, payment_line_in_force, payment_record
    from demo import relief as relief_demo
    from tenants.members import member_for

    if not ReliefCase.objects.exists():
        relief_demo.load(office=place.office, accounts=None)
    case = ReliefCase.objects.filter(kind__in=ENROLMENT_KINDS, status=CaseStatus.APPROVED).order_by("pk").first()
    today = timezone.localdate()
    payment, _created = Payment.objects.get_or_create(
        case=case, month=today.replace(day=1),
        defaults={"household_id": case.household_id, "expected_amount": case.monthly_amount, "due_on": today},
    )
    if not payment.entries.filter(kind="reversal").exists():  # (the test database may be kept between runs)
        staff = member_for(place.users["street_staff"], place.office)
        if payment_line_in_force(payment) is None:
            payment_record(actor=staff, payment=payment, amount=payment.expected_amount + 100, paid_on=today)
        wrong = payment_line_in_force(payment).amount
        payment_correct(actor=staff, payment=payment, reason="多录了100元，以银行回单为准",
                        amount=payment.expected_amount if wrong != payment.expected_amount else wrong - 1,
                        paid_on=today)
    return {"case": case.pk, "household": case.household_id}


@pytest.fixture(scope="module")
def relief_street(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        place = winter_street(SLUG, NAME)
        with schema_context(place.office.schema_name):
            place.ids = _relief_data(place)
        yield place


@pytest.fixture
def base(relief_street, live_url):
    return live_url.format(host=host_of(relief_street.office))


def _relief_pages(ids: dict) -> list[tuple[str, str]]:
    return [
        ("cases", "/relief/"),
        ("case", f"/relief/cases/{ids['case']}/"),
        ("payments", "/relief/payments/"),
        ("patrols", "/relief/patrols/"),
        ("materials", "/relief/materials/"),
        ("holidays", "/relief/holidays/"),
    ]


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_relief_pages_are_accessible_and_fit_the_screen(relief_street, base, browser, artifacts_dir, size):
    context = new_context(browser, size)
    page = context.new_page()
    label = "phone" if size == PHONE else "desktop"
    try:
        sign_in(page, base, relief_street.users["street_staff"].username, "/relief/")
        for name, path in _relief_pages(relief_street.ids):
            response = page.goto(f"{base}{path}")
            assert response.status == 200, (path, response.status)
            if name == "payments":
                lines = page.locator("details.payment-lines", has=page.locator("tr.reversal")).first
                lines.locator("summary").click()
                shoot(page, artifacts_dir, f"relief-{name}-{label}")
                assert lines.locator("tr.reversal").first.is_visible()
            else:
                shoot(page, artifacts_dir, f"relief-{name}-{label}")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than the {label} screen"
            assert_accessible(page, f"relief {name} ({label})")
    finally:
        context.close()


def test_main_pages_report_no_content_security_policy_violation(relief_street, base, browser):
    """With the policy enforced: the household page (htmx), the ledgers, relief, reports."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")  # no bypass_csp: the real policy
    context.add_init_script(
        "window.__csp = [];"
        "document.addEventListener('securitypolicyviolation', e => window.__csp.push("
        "e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || '')));"
    )
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    ids = relief_street.ids
    found: dict[str, list[str]] = {}
    try:
        sign_in(page, base, relief_street.users["street_staff"].username)
        paths = ["/", "/households/", f"/households/{ids['household']}/", "/needs/", "/problems/", "/coverage/",
                 "/requests/", "/rectifications/", "/deadlines/", "/reports/", "/reports/submissions/",
                 "/households/import/", "/notifications/"] + [p for _n, p in _relief_pages(ids)]
        for path in paths:
            response = page.goto(f"{base}{path}")
            assert response.status == 200, (path, response.status)
            page.wait_for_load_state("networkidle")
            if path == f"/households/{ids['household']}/":
                # htmx is loaded here: it ran (the indicator style is ours, not injected)
                assert page.evaluate("typeof htmx !== 'undefined' && htmx.config.includeIndicatorStyles === false")
                assert page.evaluate("document.querySelectorAll('style').length") == 0
            seen = page.evaluate("window.__csp")
            if seen:
                found[path] = seen
        assert found == {} and console == [], (found, console)
    finally:
        context.close()
