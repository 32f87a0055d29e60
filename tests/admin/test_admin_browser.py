"""
The admin in a real browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver``)
driven by Selenium against Django's live server, with the real Ralph LRS behind it.

A superuser logs in, adds an LRS endpoint pointing at Ralph, checks that the password field is
write-only, runs "test connection", opens the status page (a screenshot goes to
``var/admin-endpoint-status.png``) and replays a dead letter from the dead-letter list; Ralph then
holds the statement and the row is ``replayed``.

A second test seeds hourly delivery counts and dead letters, and checks the status page's charts
(the inline SVG's bars, as the browser lays them out) and that the statements URL input shows a
whole long URL; screenshots go to ``var/admin-endpoint-charts.png`` and ``var/admin-endpoint-url.png``.

Without chromium/chromedriver the tests are skipped (they fail under XAPI_ROUTER_REQUIRE_SERVICES=1).
"""
import os
from datetime import timedelta
from pathlib import Path

import pytest

from django.utils import timezone

from openedx_xapi_router.delivery import store
from openedx_xapi_router.models import DeadLetter, LrsEndpoint
from tests import services
from tests.admin.conftest import make_dead_letter

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_HINT = "install them with: apt-get update && apt-get install -y chromium chromium-driver"
SCREENSHOT = services.REPO_ROOT / "var" / "admin-endpoint-status.png"
CHARTS_SCREENSHOT = services.REPO_ROOT / "var" / "admin-endpoint-charts.png"
URL_SCREENSHOT = services.REPO_ROOT / "var" / "admin-endpoint-url.png"
LONG_URL = "https://lrs.analytics.example-university.edu:8443/data/xapi/tenants/openedx-production/statements"
WAIT_SECONDS = 15
PASSWORD = "browser-admin-pw"


@pytest.fixture
def browser(tmp_path):
    """A headless Chromium driven through /usr/bin/chromedriver (Selenium Manager never runs)."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        services.service_missing(f"headless Chromium is missing ({', '.join(missing)} not found); {CHROMIUM_HINT}")
    # pylint: disable=import-outside-toplevel
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--window-size=1280,1000", f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(argument)
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


class Admin:
    """Small helpers over the Selenium driver for Django admin pages."""

    def __init__(self, driver, base_url):
        self.driver = driver
        self.base_url = base_url

    def open(self, path):
        self.driver.get(f"{self.base_url}{path}")

    def find(self, selector):
        from selenium.webdriver.common.by import By  # pylint: disable=import-outside-toplevel

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def fill(self, selector, value):
        element = self.find(selector)
        element.clear()
        element.send_keys(value)

    def submit(self, selector):
        """Click ``selector`` and wait for the next page to load."""
        from selenium.webdriver.support.ui import WebDriverWait  # pylint: disable=import-outside-toplevel

        old_html = self.find("html")
        self.find(selector).click()
        WebDriverWait(self.driver, WAIT_SECONDS).until(lambda driver: _stale(old_html))

    def messages(self):
        """The admin messages on the page, as (level, text)."""
        from selenium.webdriver.common.by import By  # pylint: disable=import-outside-toplevel

        return [(item.get_attribute("class"), item.text)
                for item in self.driver.find_elements(By.CSS_SELECTOR, "ul.messagelist li")]

    def run_action(self, action, row_ids):
        """Tick the rows of the change list, choose ``action`` and press Go."""
        from selenium.webdriver.support.ui import Select  # pylint: disable=import-outside-toplevel

        for row_id in row_ids:
            self.find(f'input[name="_selected_action"][value="{row_id}"]').click()
        Select(self.find('select[name="action"]')).select_by_value(action)
        self.submit('button[name="index"]')


def _stale(element):
    from selenium.common.exceptions import StaleElementReferenceException  # pylint: disable=import-outside-toplevel

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    return False


@pytest.mark.django_db(transaction=True)
def test_admin_in_a_real_browser(browser, live_server, ralph_lrs, lrs_client, django_user_model):
    # pylint: disable=redefined-outer-name
    django_user_model.objects.create_superuser("operator", "operator@example.org", "operator-pw")
    admin = Admin(browser, live_server.url)

    # Log in.
    admin.open("/admin/login/?next=/admin/")
    admin.fill("#id_username", "operator")
    admin.fill("#id_password", "operator-pw")
    admin.submit('input[type="submit"]')
    assert "Site administration" in browser.title

    # Add an endpoint pointing at the real Ralph.
    admin.open("/admin/xapi_router/lrsendpoint/add/")
    assert admin.find('input[name="password"]').get_attribute("type") == "password"
    admin.fill("#id_name", "ralph-browser")
    admin.fill("#id_statements_url", ralph_lrs.statements_url)
    admin.fill("#id_username", ralph_lrs.username)
    admin.fill("#id_password", ralph_lrs.password)
    admin.fill("#id_batch_size", "50")
    admin.submit('input[name="_save"]')
    assert admin.messages() == [("success", 'The LRS endpoint “ralph-browser” was added successfully.')]
    endpoint = LrsEndpoint.objects.get(name="ralph-browser")
    assert (endpoint.username, endpoint.password, endpoint.batch_size) == (ralph_lrs.username, ralph_lrs.password, 50)

    # The password is write-only: never in the page, the input is empty, the help says one is stored.
    admin.open(f"/admin/xapi_router/lrsendpoint/{endpoint.pk}/change/")
    assert ralph_lrs.password not in browser.page_source
    assert admin.find("#id_password").get_attribute("value") == ""
    assert "A password is stored (encrypted; never shown)" in browser.page_source
    # Saving with the password left blank keeps it.
    admin.fill("#id_batch_size", "60")
    admin.submit('input[name="_continue"]')
    endpoint.refresh_from_db()
    assert (endpoint.password, endpoint.batch_size) == (ralph_lrs.password, 60)
    assert ralph_lrs.password not in browser.page_source

    # "Test connection" against Ralph.
    admin.open("/admin/xapi_router/lrsendpoint/")
    admin.run_action("test_connection", [endpoint.pk])
    assert admin.messages() == [("success", "Ralph-browser: OK; about: HTTP 404; statements?limit=1: HTTP 200")]

    # Replay a dead letter from the dead-letter list.
    dead_letter = make_dead_letter(endpoint)
    admin.open("/admin/xapi_router/deadletter/")
    assert admin.find("#dead-letter-counts").text.startswith("1 dead letter shown: Pending 1")
    admin.run_action("replay_now", [dead_letter.pk])
    assert admin.messages() == [
        ("success", "Replay: 1 selected, 1 delivered, 0 still failing, 0 skipped (held by another replay)"),
    ]
    dead_letter.refresh_from_db()
    assert dead_letter.state == DeadLetter.STATE_REPLAYED
    stored = lrs_client.get_statement(dead_letter.statement_id)
    assert {key: value for key, value in stored.items() if key not in ("stored", "authority")} == dead_letter.statement

    # The status page, for the record.
    admin.open(f"/admin/xapi_router/lrsendpoint/{endpoint.pk}/status/")
    cells = {name: admin.find(f"#status-{name}").text for name in (
        "pending", "delivered-hour", "delivered-day", "failed-day", "error-rate")}
    assert cells == {"pending": "0", "delivered-hour": "1", "delivered-day": "1", "failed-day": "0",
                     "error-rate": "0.0 %"}
    assert admin.find("#status-last-success").text != "never"
    SCREENSHOT.parent.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))


def login(admin):
    admin.open("/admin/login/?next=/admin/")
    admin.fill("#id_username", "operator")
    admin.fill("#id_password", "operator-pw")
    admin.submit('input[type="submit"]')


@pytest.mark.django_db(transaction=True)
def test_status_charts_and_the_url_field_in_a_real_browser(browser, live_server, django_user_model):
    # pylint: disable=redefined-outer-name
    django_user_model.objects.create_superuser("operator", "operator@example.org", "operator-pw")
    endpoint = LrsEndpoint.objects.create(name="charted", statements_url=LONG_URL)
    now = timezone.now()
    # Hours ago -> (delivered, failed); dead letters first recorded hours ago -> how many.
    seeded = {0: (120, 0), 2: (80, 3), 5: (300, 0), 23: (15, 1), 30: (60, 0), 90: (200, 20), 160: (10, 0)}
    for hours, (delivered, failed) in seeded.items():
        store.count_hour(endpoint.pk, delivered=delivered, failed=failed, requests=1, now=now - timedelta(hours=hours))
    dead = {2: 3, 40: 2}
    for hours, count in dead.items():
        for _ in range(count):
            moment = now - timedelta(hours=hours)
            make_dead_letter(endpoint, first_failed_at=moment, last_failed_at=moment)
    admin = Admin(browser, live_server.url)
    login(admin)

    admin.open(f"/admin/xapi_router/lrsendpoint/{endpoint.pk}/status/")
    expected = {
        "day": {"delivered": 4, "failed": 2, "dead_lettered": 1},  # the hours 0, 2, 5, 23 / 2, 23 / 2
        "week": {"delivered": 7, "failed": 3, "dead_lettered": 2},
    }
    for key, series in expected.items():
        chart = admin.find(f"#delivery-chart-{key}")
        assert chart.size["width"] >= 800  # the chart takes the width of the page (1280 px) less the side bar
        for name, bars in series.items():
            drawn = browser.execute_script(
                "return Array.from(arguments[0].querySelectorAll('g[data-series=\"' + arguments[1] + '\"] rect'))"
                ".map(r => { const b = r.getBoundingClientRect(); return [b.width, b.height, +r.dataset.count]; });",
                chart, name)
            assert len(drawn) == bars, (key, name, drawn)
            assert all(width > 0 and height >= 1 for width, height, _ in drawn), drawn
            # The tallest bar is the row's maximum, drawn as the full row height.
            peak = max(count for _, _, count in drawn)
            tallest = max(height for _, height, _ in drawn)
            assert [height for _, height, count in drawn if count == peak] == [tallest]
    totals = admin.find("#delivery-week .chart-totals").text
    assert totals == "785 delivered, 24 failed, 5 dead-lettered"
    browser.execute_script("arguments[0].scrollIntoView();", admin.find("#delivery-charts"))
    CHARTS_SCREENSHOT.parent.mkdir(exist_ok=True)
    assert admin.find("#delivery-charts").screenshot(str(CHARTS_SCREENSHOT))

    # The statements URL input shows the whole URL; the admin's default width (20em) would not.
    admin.open(f"/admin/xapi_router/lrsendpoint/{endpoint.pk}/change/")
    field = admin.find("#id_statements_url")
    assert field.get_attribute("value") == LONG_URL
    content, visible = browser.execute_script("return [arguments[0].scrollWidth, arguments[0].clientWidth];", field)
    assert content <= visible, (content, visible)
    narrow = browser.execute_script(
        "const c = arguments[0].cloneNode(); c.style.width = '20em'; arguments[0].parentNode.appendChild(c);"
        "const r = [c.scrollWidth, c.clientWidth]; c.remove(); return r;", field)
    assert narrow[0] > narrow[1], narrow  # the measure can fail: the default width hides the URL's end
    assert field.screenshot(str(URL_SCREENSHOT))
