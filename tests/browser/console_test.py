#!/usr/bin/env python3
"""Browser tests of the access console and Swagger UI against a running `scopegate demo`.

Run by tests/it/console_browser.rs (which starts the demo and writes the credentials file):
    python3 tests/browser/console_test.py CREDENTIALS.json
CREDENTIALS.json: {"base": "http://127.0.0.1:PORT", "users": [{"role", "email", "password", "token"}]}

Chromium is Debian's (/usr/bin/chromium, or $SCOPEGATE_CHROMIUM) driven by Python playwright
(playwright's own browser download is not needed). Every page is watched: a request to any other
host, an uncaught error, or a console error that the step did not expect (Chromium logs a
"Failed to load resource" error for each 4xx answer) fails the run. The console runs under a
non-loopback host name (Chromium's --host-resolver-rules maps it to 127.0.0.1), where Swagger UI
used to call an outside validator, and its views again under 127.0.0.1.

A check that cannot run yet prints a line starting with "PENDING:" on stderr (the Rust test
repeats it loudly): the policy preview endpoint answering 404, and OpenAPI request examples that
are not real yet.
"""

import contextlib
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from playwright.sync_api import expect, sync_playwright

HOST_NAME = "console.scopegate.test"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    f"--host-resolver-rules=MAP {HOST_NAME} 127.0.0.1",
]
SESSION_KEY = "scopegate.console.session"
TIMEOUT_MS = 15_000

expect.set_options(timeout=TIMEOUT_MS)


def pending(what):
    print(f"PENDING: {what}", file=sys.stderr, flush=True)


def step(what):
    print(f"  - {what}", flush=True)


class Watch:
    """Fails on requests to other hosts, page errors and unexpected console errors."""

    def __init__(self, context, page, origin):
        self.netloc = urlsplit(origin).netloc
        self.problems = []
        self.allowed = set()
        context.route("**/*", self._route)
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"uncaught error: {e}"))

    def _route(self, route):
        url = route.request.url
        if url.startswith("data:") or urlsplit(url).netloc == self.netloc:
            route.continue_()
        else:
            self.problems.append(f"request to another host: {route.request.method} {url}")
            route.abort()

    def _console(self, msg):
        if msg.type != "error":
            return
        status = re.search(r"status of (\d{3})", msg.text)
        if status and int(status.group(1)) in self.allowed:
            return
        self.problems.append(f"console error: {msg.text}")

    @contextlib.contextmanager
    def expecting(self, *statuses):
        """Within the block, Chromium's console errors for these HTTP statuses are expected."""
        self.allowed = set(statuses)
        try:
            yield
        finally:
            self.allowed = set()

    def check(self, where):
        assert not self.problems, f"{where}:\n  " + "\n  ".join(self.problems)


def api(base, method, path, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"x-api-key": token, "content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def denied_request_id(base, users):
    """A 403 from the gateway for the account viewer, and its audit event written."""
    viewer, admin = users["_account_viewer"]["token"], users["_account_admin"]["token"]
    status, _ = api(base, "GET", "/v1/orgs/sales/projects/crm/teams", viewer)
    assert status == 200, status
    status, body = api(base, "PUT", "/v1/orgs/eng/projects/web/teams/team-a", viewer)
    assert status == 403 and body["permission"] == "sei_seiteams_edit", body
    rid = body["request_id"]
    for _ in range(50):
        status, events = api(base, "GET", f"/v1/audit-events?request_id={rid}", admin)
        assert status == 200, events
        if events:
            assert all(e["request_id"] == rid for e in events), events
            return rid
        time.sleep(0.1)
    raise AssertionError(f"the deny {rid} was not audited within 5 s")


def new_page(browser, origin):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page, Watch(context, page, origin)


def stored_session(page):
    return page.evaluate(f"sessionStorage.getItem('{SESSION_KEY}')")


def sign_in_with_token(page, token):
    page.fill("#token-form input[name=token]", token)
    page.click("#token-form button[type=submit]")


def open_view(page, name, title):
    page.click(f"#nav a[data-view={name}]")
    heading = page.locator("h1.view-title")
    expect(heading).to_have_text(re.compile(title))
    # The view's heading takes the focus, so keyboard users continue from there.
    expect(heading).to_be_focused()


def sign_in_refusals(page, watch, users):
    step("a wrong token and a wrong password: the API's 401 message, nothing stored")
    with watch.expecting(401):
        sign_in_with_token(page, "pat.demo.AAAAAAAAAAAAAAAA.wrong")
        expect(page.locator("#signin-error .error")).to_contain_text("401 UNAUTHORIZED invalid credentials")
        assert stored_session(page) is None
        page.fill("#password-form input[name=email]", users["_account_admin"]["email"])
        page.fill("#password-form input[name=password]", "not-the-password")
        page.fill("#password-form input[name=account]", "demo")
        page.click("#password-form button[type=submit]")
        expect(page.locator("#signin-error .error")).to_contain_text("invalid credentials")
        assert stored_session(page) is None
    expect(page.locator("#nav")).to_be_hidden()


def sign_in_with_password(page, user):
    step("sign in with email and password")
    page.fill("#password-form input[name=email]", user["email"])
    page.fill("#password-form input[name=password]", user["password"])
    page.fill("#password-form input[name=account]", "demo")
    page.click("#password-form button[type=submit]")
    expect(page.locator("#whoami-principal")).to_have_text("USER:account-admin")
    expect(page.locator("#whoami-account")).to_have_text("demo")
    assert json.loads(stored_session(page))["kind"] == "jwt"


def who_can_do_what(page):
    step("who can do what: an Account Admin's and a viewer's permissions")
    open_view(page, "who", "Who can do what")
    view = page.locator("#view")
    for user, holds, lacks in [("account-admin", "core_role_edit", None),
                               ("account-viewer", "core_role_view", "core_role_edit")]:
        view.locator("input[name=id]").fill(user)
        view.locator("button[type=submit]").click()
        expect(view.locator(".summary")).to_contain_text(f"USER:{user}")
        expect(view.locator("td code", has_text=re.compile(f"^{holds}$"))).to_have_count(1)
        if lacks:
            expect(view.locator("td code", has_text=re.compile(f"^{lacks}$"))).to_have_count(0)
    expect(view.locator("table").nth(1)).to_contain_text("/v1/integrations")


def why(page, rid):
    step(f"why: explain the deny {rid} by its request id")
    open_view(page, "why", "Why")
    view = page.locator("#view")
    expect(view.locator(".recent")).to_contain_text("USER:account-viewer")
    view.locator("input[name=request_id]").fill(rid)
    view.locator("button[type=submit]").click()
    result = view.locator(".result")
    expect(result.locator(".verdict")).to_contain_text("missing permission sei_seiteams_edit")
    expect(result).to_contain_text("gateway.request")
    expect(result).to_contain_text("demo-account-viewer")
    step("why: a request id nobody recorded")
    view.locator("input[name=request_id]").fill("no-such-request")
    view.locator("button[type=submit]").click()
    expect(result).to_contain_text("No audit event has request id")


def what_if(page, watch):
    step("what if: preview removing the account viewer's assignment")
    open_view(page, "whatif", "What if")
    view = page.locator("#view")
    view.locator("select[name=kind]").select_option("remove-assignment")
    choice = view.locator("select[name=assignment]")
    expect(choice.locator("option", has_text="demo-account-viewer")).to_have_count(1)
    choice.select_option(choice.locator("option", has_text="demo-account-viewer").get_attribute("value"))
    with watch.expecting(404):
        view.locator("button[type=submit]").click()
        result = view.locator(".result")
        expect(result.locator(".error, .summary")).to_have_count(1)
        if result.locator(".error").count():
            text = result.inner_text()
            assert "404 NOT_FOUND" in text and "no route for POST /v1/policy/preview" in text, text
            pending("POST /v1/policy/preview answers 404: the console shows the API's message; "
                    "the newly-denied check of the What-if view is skipped until the endpoint lands")
            return
    expect(result.locator(".summary")).to_contain_text("Nothing was written")
    expect(result).to_contain_text("USER:account-viewer")


def roles_create_delete(page):
    step("roles: create a role, then delete it")
    open_view(page, "policy", "Roles, resource groups, assignments")
    view = page.locator("#view")
    expect(view.locator(".list table")).to_contain_text("_account_admin")
    view.get_by_role("button", name="New role").click()
    form = view.locator("form.editor")
    form.locator("input[name=identifier]").fill("console-test-role")
    form.locator("input[name=name]").fill("Console test role")
    form.locator("input[type=search]").fill("core_project_view")
    form.locator("label.check", has_text="core_project_view").locator("input").check()
    form.get_by_role("button", name="Create role").click()
    expect(view.locator(".note.ok")).to_have_text("Role console-test-role created.")
    expect(view.locator(".list table")).to_contain_text("console-test-role")
    detail = view.locator(".detail")
    expect(detail).to_contain_text("core_project_view")
    detail.get_by_role("button", name="Delete", exact=True).click()
    detail.get_by_role("button", name="Delete role console-test-role").click()
    expect(view.locator(".note.ok")).to_have_text("Role console-test-role deleted.")
    expect(view.locator(".list table")).not_to_contain_text("console-test-role")


def audit(page, rid):
    step("audit: recent events, filtered by request id")
    open_view(page, "audit", "Audit")
    view = page.locator("#view")
    expect(view.locator(".result table")).to_contain_text("role.delete")
    view.locator("input[name=request_id]").fill(rid)
    view.locator("button[type=submit]").click()
    expect(view.locator(".result tbody tr")).to_have_count(1)
    expect(view.locator(".result tbody")).to_contain_text("gateway.request")
    view.locator(".result tbody a").click()
    expect(page.locator("h1.view-title")).to_have_text(re.compile("Why"))
    expect(page.locator("#view .verdict")).to_contain_text("sei_seiteams_edit")


def sign_out(page):
    step("sign out: the session is gone")
    page.click("#signout")
    expect(page.locator("#signin")).to_be_visible()
    assert stored_session(page) is None


def viewer_is_refused_cleanly(page, watch, users):
    step("a viewer: write actions show the 403's missing permission")
    sign_in_with_token(page, users["_account_viewer"]["token"])
    expect(page.locator("#whoami-principal")).to_have_text("USER:account-viewer")
    assert json.loads(stored_session(page))["kind"] == "token"
    open_view(page, "policy", "Roles")
    view = page.locator("#view")
    expect(view.locator(".list table")).to_contain_text("_account_viewer")
    with watch.expecting(403):
        view.get_by_role("button", name="New role").click()
        form = view.locator("form.editor")
        form.locator("input[name=identifier]").fill("viewer-role")
        form.locator("input[name=name]").fill("Viewer role")
        form.get_by_role("button", name="Create role").click()
        error = form.locator(".error")
        expect(error).to_contain_text("403 ACCESS_DENIED")
        expect(error.locator(".missing")).to_contain_text("core_role_edit")
        view.locator(".list button.link", has_text="_account_viewer").click()
        view.locator(".detail").get_by_role("button", name="Delete", exact=True).click()
        view.locator(".detail").get_by_role("button", name="Delete role _account_viewer").click()
        expect(view.locator(".detail .error")).to_contain_text("403 ACCESS_DENIED")
    expect(page.locator("h1.view-title")).to_be_visible()


def console_suite(browser, origin, users, rid):
    context, page, watch = new_page(browser, origin)
    page.goto(f"{origin}/console/")
    expect(page.locator("#signin-title")).to_be_visible()
    sign_in_refusals(page, watch, users)
    sign_in_with_password(page, users["_account_admin"])
    who_can_do_what(page)
    why(page, rid)
    what_if(page, watch)
    roles_create_delete(page)
    audit(page, rid)
    sign_out(page)
    viewer_is_refused_cleanly(page, watch, users)
    watch.check(f"console at {origin}")
    context.close()


def console_views(browser, origin, users):
    step(f"every view opens at {origin}")
    context, page, watch = new_page(browser, origin)
    page.goto(f"{origin}/console/")
    sign_in_with_token(page, users["_account_admin"]["token"])
    expect(page.locator("#whoami-principal")).to_have_text("USER:account-admin")
    for name, title in [("who", "Who"), ("why", "Why"), ("whatif", "What if"),
                        ("policy", "Roles"), ("audit", "Audit")]:
        open_view(page, name, title)
        expect(page.locator("#view [aria-busy=true]")).to_have_count(0)
    step("keyboard: the skip link, then the navigation by Tab and Enter")
    page.locator("a.brand").focus()
    page.keyboard.press("Shift+Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    assert page.evaluate("location.hash") == "#/audit"
    page.locator("#nav a[data-view=why]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1.view-title")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#view input[name=request_id]")).to_be_focused()
    watch.check(f"console views at {origin}")
    context.close()


def swagger_operation(page, op_id):
    op = page.locator(f"[id^='operations-'][id$='-{op_id}']").first
    op.locator(".opblock-summary").first.click()
    op.get_by_role("button", name="Try it out").click()
    return op


def swagger_execute(op):
    op.get_by_role("button", name="Execute").click()
    status = op.locator(".live-responses-table .response .response-col_status").first
    expect(status).to_have_text(re.compile(r"^\d{3}"))
    body = op.locator(".live-responses-table .response-col_description pre").first
    expect(body).not_to_be_empty()
    return int(status.inner_text()[:3]), body.inner_text()


def swagger_suite(browser, origin, users, with_calls):
    step(f"Swagger UI at {origin}" + (": Authorize, one list, one create" if with_calls else ""))
    context, page, watch = new_page(browser, origin)
    page.goto(f"{origin}/swagger-ui/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("scopegate admin API")
    page.wait_for_load_state("networkidle")
    if with_calls:
        page.locator(".scheme-container button.authorize").click()
        dialog = page.locator(".modal-ux")
        expect(dialog.locator("#auth-bearer-value")).to_be_visible()
        api_key = dialog.locator(".auth-container", has=page.locator("#api_key_value"))
        api_key.locator("#api_key_value").fill(users["_account_admin"]["token"])
        api_key.locator("button.authorize").click()
        expect(dialog.locator(".auth-container").first).to_contain_text("Authorized")
        dialog.locator("button.btn-done").first.click()
        code, body = swagger_execute(swagger_operation(page, "list_roles"))
        assert code == 200 and "_account_admin" in body, (code, body[:300])
        code, body = swagger_execute(swagger_operation(page, "create_org"))
        assert code == 201, (code, body[:300])
        # The document's example (DESIGN §4.9: it succeeds as is against the demo).
        code, body = swagger_execute(swagger_operation(page, "create_role"))
        assert code == 201, (code, body[:300])
    watch.check(f"Swagger UI at {origin}")
    context.close()


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    base = cfg["base"]
    port = urlsplit(base).port
    users = {u["role"]: u for u in cfg["users"]}
    started = time.monotonic()
    rid = denied_request_id(base, users)
    named = f"http://{HOST_NAME}:{port}"
    executable = os.environ.get("SCOPEGATE_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            print(f"console under a host name ({named})", flush=True)
            console_suite(browser, named, users, rid)
            print(f"console under loopback ({base})", flush=True)
            console_views(browser, base, users)
            print("Swagger UI", flush=True)
            swagger_suite(browser, named, users, with_calls=True)
            swagger_suite(browser, base, users, with_calls=False)
        finally:
            browser.close()
    print(f"browser suite passed in {time.monotonic() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
