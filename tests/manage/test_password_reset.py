"""A password the manager resets must be changed by the clerk at the next login (issue 11)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.clerk.conftest import Api

from .conftest import PASSWORD, shot

RESET = "reset-2026"
CHOSEN = "my-own-pass"


def add_clerk(api: Api, login: str) -> None:
    api.login("boss")
    body = {"login": login, "name": "赵六", "password": PASSWORD, "windows": [1]}
    status, _ = api.call("POST", "/api/staff", body)
    assert status == 201


def login_status(server, login: str, password: str) -> tuple[int, dict]:
    return Api(server).call("POST", "/api/login", {"login": login, "password": password})


def test_reset_password_is_changed_at_next_login(new_page, api, server):
    add_clerk(api, "zl")
    # Added by the manager: the clerk works with the manager's password, nothing asked.
    clerk = new_page()
    clerk.goto("/clerk")
    clerk.fill("#login-form input[name=login]", "zl")
    clerk.fill("#login-form input[name=password]", PASSWORD)
    clerk.click("#login-form button[type=submit]")
    expect(clerk.locator("#work-view")).to_be_visible()

    assert api.ok("PATCH", "/api/staff/zl", {"password": RESET})["login"] == "zl"
    # The reset ends the clerk's session; logging in again asks for a new password first.
    clerk.click("#btn-call")
    expect(clerk.locator("#login-view")).to_be_visible()
    clerk.fill("#login-form input[name=login]", "zl")
    clerk.fill("#login-form input[name=password]", RESET)
    clerk.click("#login-form button[type=submit]")
    expect(clerk.locator("#password-view")).to_be_visible()
    expect(clerk.locator("#work-view")).to_be_hidden()

    # Meanwhile every window action is refused.
    other = Api(server)
    me = other.ok("POST", "/api/login", {"login": "zl", "password": RESET})
    assert me["must_change"] is True
    for method, path in [("POST", "/api/windows/1/call"), ("POST", "/api/windows/1/pause"), ("GET", "/api/cases")]:
        status, data = other.call(method, path)
        assert (status, data["error"]["code"]) == (403, "password_change_required"), path

    form = clerk.locator("#password-form")
    form.locator("input[name=old]").fill(RESET)
    form.locator("input[name=new]").fill(CHOSEN)
    form.locator("input[name=again]").fill(CHOSEN + "x")
    form.locator("button[type=submit]").click()
    expect(clerk.locator("#password-msg")).to_have_text("两次输入的新密码不一致")
    form.locator("input[name=old]").fill("wrong-password")
    form.locator("input[name=again]").fill(CHOSEN)
    form.locator("button[type=submit]").click()
    expect(clerk.locator("#password-msg")).to_have_text("原密码不正确")
    shot(clerk, "clerk-password.png")
    form.locator("input[name=old]").fill(RESET)
    form.locator("button[type=submit]").click()
    expect(clerk.locator("#work-view")).to_be_visible()
    expect(clerk.locator("#window-title")).to_contain_text("1 号窗口")

    assert login_status(server, "zl", RESET)[0] == 401
    status, data = login_status(server, "zl", CHOSEN)
    assert status == 200 and data["must_change"] is False
    # The other session opened before the change was ended by it.
    assert other.call("POST", "/api/windows/1/call")[0] == 401


def test_password_change_checks_its_input(api, server):
    add_clerk(api, "zl")
    clerk = Api(server)
    clerk.login("zl")
    status, data = clerk.call("POST", "/api/password", {"old": PASSWORD, "new": "short"})
    assert (status, data["error"]["code"], data["error"]["field"]) == (400, "weak_password", "new")
    status, data = clerk.call("POST", "/api/password", {"old": PASSWORD})
    assert status == 400 and data["error"]["field"] == "new"
    assert Api(server).call("POST", "/api/password", {"old": PASSWORD, "new": CHOSEN})[0] == 401
    for _ in range(5):
        assert clerk.call("POST", "/api/password", {"old": "nope-nope", "new": CHOSEN})[0] == 400
    status, data = clerk.call("POST", "/api/password", {"old": PASSWORD, "new": CHOSEN})
    assert (status, data["error"]["code"]) == (429, "login_rate_limited")


def test_reset_lifts_the_login_lock(api, server):
    add_clerk(api, "zl")
    for _ in range(5):
        assert login_status(server, "zl", "wrong-guess")[0] == 401
    assert login_status(server, "zl", PASSWORD)[0] == 429
    api.ok("PATCH", "/api/staff/zl", {"password": RESET})
    status, data = login_status(server, "zl", RESET)
    assert status == 200 and data["must_change"] is True


def test_a_reset_manager_is_sent_to_change_the_password_first(new_page, api):
    api.login("boss")
    body = {"login": "boss2", "name": "王副主任", "password": PASSWORD, "role": "manager"}
    assert api.call("POST", "/api/staff", body)[0] == 201
    api.ok("PATCH", "/api/staff/boss2", {"password": RESET})
    page = new_page()
    page.goto("/manage")
    page.fill("#login-form input[name=login]", "boss2")
    page.fill("#login-form input[name=password]", RESET)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#login-msg")).to_have_text("您的密码已被重置，请先在窗口工作台（/clerk）设置新密码")
    expect(page.locator("#main-view")).to_be_hidden()
