"""
The admin in a real browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver``)
driven by Selenium against Django's live server, with the real Ralph LRS behind it.

A superuser logs in, adds an LRS endpoint pointing at Ralph, checks that the password field is
write-only, runs "test connection", opens the status page (a screenshot goes to
``var/admin-endpoint-status.png``) and replays a dead letter from the dead-letter list; Ralph then
holds the statement and the row is ``replayed``.

Without chromium/chromedriver the test is skipped (it fails under XAPI_ROUTER_REQUIRE_SERVICES=1).
"""
import os
from pathlib import Path

import pytest

from openedx_xapi_router.models import DeadLetter, LrsEndpoint
from tests import services
from tests.admin.conftest import make_dead_letter

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_HINT = "install them with: apt-get update && apt-get install -y chromium chromium-driver"
SCREENSHOT = services.REPO_ROOT / "var" / "admin-endpoint-status.png"
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
