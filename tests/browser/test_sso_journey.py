"""统一身份认证 in a real browser: 统一身份认证登录 on the login page, the provider's own login page
(Authlib's server from tests/fixtures/oidc_provider.py), back as the teacher the 工号 names; logout
leaves the provider too; a 三员 account is refused in words on the login page."""

from __future__ import annotations

import pytest

from eduplatform.accounts.models import Role
from tests.fixtures.oidc_provider import OidcProvider
from tests.fixtures.sso import serve_platform

PASSWORD = "Idp#Pass2026"


@pytest.fixture(scope="module")
def provider():
    provider = OidcProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def platform(provider, tmp_path_factory):
    with serve_platform(provider, tmp_path_factory.mktemp("sso-browser")) as served:
        yield served


def _sign_in_at_provider(page, username):
    page.wait_for_selector("text=省统一身份认证平台登录")
    page.fill("#idp-username", username)
    page.fill("#idp-password", PASSWORD)
    page.click("#idp-submit")


def test_teacher_logs_in_through_the_identity_service_and_out_of_both(page, platform, provider):
    platform.person(staff_no="B1001", display_name="赵老师")
    provider.add_user("zhao", password=PASSWORD, staff_no="B1001", school_code="S001")

    page.goto(f"{platform.base}/login")
    assert page.locator("#sso-login").inner_text() == "统一身份认证登录"
    page.click("#sso-login")
    assert page.url.startswith(provider.issuer + "/authorize")
    _sign_in_at_provider(page, "zhao")
    page.wait_for_selector("#current-user", state="attached")
    assert page.locator("#current-user").inner_text() == "赵老师"
    assert page.url.startswith(platform.base)

    page.wait_for_load_state("networkidle")
    page.click("text=退出")
    page.wait_for_selector("text=已同时退出统一身份认证")
    assert page.url.startswith(f"{platform.base}/login")
    assert provider.sessions == {}

    page.click("#sso-login")  # the provider asks for the password again
    page.wait_for_selector("text=省统一身份认证平台登录")


def test_an_administrator_is_refused_in_words(page, platform, provider):
    number = "110105196001010016"
    platform.person(roles=(Role.SYSADMIN,), id_number=number, display_name="系统管理员")
    provider.add_user("root", password=PASSWORD, id_card=number)
    page.goto(f"{platform.base}/login")
    page.click("#sso-login")
    _sign_in_at_provider(page, "root")
    page.wait_for_selector("#login-error")
    assert "三员" in page.locator("#login-error").inner_text()
    assert page.locator("#current-user").count() == 0
