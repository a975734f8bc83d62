"""A live server on loopback with the seeded demo platform, and headless Debian Chromium.

Playwright drives Debian's /usr/bin/chromium through executable_path; no browser is downloaded.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import flask_migrate
import pytest
from werkzeug.serving import make_server

from eduplatform import create_app
from eduplatform.core.extensions import db
from tests.browser.axe import AxeWatch

CHROMIUM = os.environ.get("EDU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-dev-shm-usage"]
SCREENSHOTS = Path(os.environ.get("EDU_SCREENSHOT_DIR", "/tmp/eduplatform-screenshots"))


def login(page, base, username):
    """Sign in a demo account through the login page (journeys import this)."""
    from eduplatform.accounts.seed import DEMO_PASSWORD

    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#current-user", state="attached")  # folded into the menu on a phone


def logout(page):
    # Let the page's static requests finish first: a response still in flight after the logout
    # would carry the old (permanent, refreshed-on-every-request) session cookie back.
    page.wait_for_load_state("networkidle")
    page.click("text=退出")
    page.wait_for_selector("text=您已安全退出")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("live")
    app = create_app({"ENV_NAME": "testing", "TESTING": False, "DATA_DIR": str(data_dir),
                      "SECRET_KEY": "browser-tests",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'live.db'}"})
    with app.app_context():
        flask_migrate.upgrade()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    port = free_port()
    server = make_server("127.0.0.1", port, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Every page a journey opens is checked with axe-core: 0 serious or critical violations.
    accessibility = AxeWatch(page)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Chromium reports any 4xx as a console error without the URL; failed sub-resources are
    # caught below with their URL instead, and a page's own status (e.g. 401 after a wrong
    # password) belongs to the journey, which asserts what it expects.
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document" else None)
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert errors == [], f"errors in the page: {errors}"
    assert accessibility.found == {}, f"axe-core: serious or critical violations {accessibility.found}"
