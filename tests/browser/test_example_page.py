"""What a person sees on the example page at ``/``, in a real browser.

Each test asserts text on the page, and, where the page cannot show it, the rows
of the site's database or the answers of its API.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from .site import ROOT, Site

with contextlib.suppress(ImportError):  # without it the `browser` fixture says why, and skips
    from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
SCREENSHOT = ROOT / "docs" / "demo.png"
# Each run shows a new id and dates: refresh the committed picture only when asked.
UPDATE_SCREENSHOT = os.environ.get("UPDATE_DEMO_SCREENSHOT") == "1"
USERS = "django_anonymous_auth_user"


def new_email(name: str) -> str:
    """An address no other test uses: all tests share the site's database."""
    return f"{name}-{uuid.uuid4().hex[:8]}@example.com"


def continue_as_guest(page: Page) -> str:
    """Open the page, continue as a guest, and return the guest's id as shown."""
    page.goto("/")
    page.get_by_role("button", name="Continue as guest").click()
    expect(page.locator("#badge")).to_have_text("Anonymous")
    return page.locator("#user-id").inner_text()


def add_note(page: Page, text: str) -> None:
    page.get_by_placeholder("Write a note").fill(text)
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#notes")).to_contain_text(text)


def test_a_note_added_while_the_list_loads_stays_on_the_page(page: Page, site: Site) -> None:
    """The list read at sign-in answers after the new note: it must not replace it."""
    held = []

    def hold_the_list(route) -> None:
        if route.request.method == "GET":  # read now, before the note; answered later
            held.append((route, route.fetch()))
        else:
            route.continue_()

    page.route("**/api/notes/", hold_the_list)
    continue_as_guest(page)
    page.get_by_placeholder("Write a note").fill("Written at once")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_placeholder("Write a note")).to_have_value("")  # the note is saved
    assert len(held) == 1
    route, empty_list = held[0]
    route.fulfill(response=empty_list)
    expect(page.locator("#notes")).to_contain_text("Written at once")
    expect(page.locator("#no-notes")).to_be_hidden()


def fill(page: Page, form: str, email: str, password: str, button: str) -> None:
    form_ = page.locator(form)
    form_.get_by_label("Email").fill(email)
    form_.get_by_label("Password").fill(password)
    form_.get_by_role("button", name=button).click()


def save_account(page: Page, email: str, password: str = PASSWORD) -> None:
    fill(page, "#link-form", email, password, "Save account")


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    fill(page, "#sign-in-form", email, password, "Sign in")


def test_a_guest_saves_the_account_and_finds_the_note_after_signing_back_in(page: Page) -> None:
    guest_id = continue_as_guest(page)
    add_note(page, "Remember the milk")
    email = new_email("saved")

    save_account(page, email)

    expect(page.locator("#badge")).to_have_text("Linked")
    expect(page.locator("#user-email")).to_have_text(email)
    expect(page.locator("#user-id")).to_have_text(guest_id)  # the same account, upgraded
    expect(page.locator("#notice")).to_contain_text("Your account is saved")
    expect(page.get_by_role("button", name="Delete guest account")).to_be_hidden()

    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#notice")).to_have_text("Signed out.")
    expect(page.get_by_role("button", name="Continue as guest")).to_be_visible()
    expect(page.locator("#notes")).to_be_hidden()

    sign_in(page, email)
    expect(page.locator("#badge")).to_have_text("Linked")
    expect(page.locator("#user-id")).to_have_text(guest_id)
    expect(page.locator("#notes")).to_contain_text("Remember the milk")


def test_a_guest_who_signs_in_to_an_existing_account_brings_the_note_along(
    page: Page, site: Site
) -> None:
    email = new_email("existing")
    account_id, token = site.create_account(email, PASSWORD, notes=["Written before"])
    guest_id = continue_as_guest(page)
    add_note(page, "Written as a guest")

    sign_in(page, email)

    expect(page.locator("#badge")).to_have_text("Linked")
    expect(page.locator("#user-id")).to_have_text(str(account_id))
    expect(page.locator("#notice")).to_contain_text("Your guest notes moved to this account.")
    expect(page.locator("#notes li")).to_have_count(2)
    expect(page.locator("#notes")).to_contain_text("Written as a guest")
    expect(page.locator("#notes")).to_contain_text("Written before")
    # The account's other session sees the moved note too, and the guest is gone.
    notes = site.api("GET", "/api/notes/", token=token)
    assert {note["text"] for note in notes} == {"Written as a guest", "Written before"}
    assert site.query(f"SELECT id FROM {USERS} WHERE id = ?", guest_id) == []


def test_a_weak_password_shows_the_validators_message_next_to_the_password_field(
    page: Page,
) -> None:
    continue_as_guest(page)

    save_account(page, new_email("weak"), password="password")

    password = page.locator("#link-form").get_by_label("Password")
    expect(password).to_have_accessible_description("This password is too common.")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#link-password-error")).to_have_text("This password is too common.")
    expect(page.locator("#badge")).to_have_text("Anonymous")
    expect(page.locator("body")).not_to_contain_text("VALIDATION_ERROR")


def test_an_email_taken_by_another_account_is_reported_next_to_the_email_field(
    page: Page, site: Site
) -> None:
    email = new_email("taken")
    site.create_account(email, PASSWORD, notes=[])
    continue_as_guest(page)

    save_account(page, email.upper())  # the same address, whatever its case

    email_field = page.locator("#link-form").get_by_label("Email")
    expect(email_field).to_have_accessible_description("A user with this email already exists.")
    expect(page.locator("#badge")).to_have_text("Anonymous")


def test_a_wrong_password_is_reported_as_readable_text(page: Page, site: Site) -> None:
    email = new_email("wrong")
    site.create_account(email, PASSWORD, notes=[])
    page.goto("/")

    sign_in(page, email, password="not the password")

    expect(page.locator("#sign-in-form .form-error")).to_have_text("Invalid email or password.")
    expect(page.get_by_role("button", name="Continue as guest")).to_be_visible()


def test_errors_without_a_json_body_are_shown_as_readable_text(page: Page) -> None:
    page.goto("/")
    page.route("**/api/auth/sign-in/anonymous", lambda route: route.abort())
    page.get_by_role("button", name="Continue as guest").click()
    expect(page.locator("#notice")).to_have_text(
        "The server could not be reached. Check your connection and try again."
    )

    page.unroute("**/api/auth/sign-in/anonymous")
    page.route(
        "**/api/auth/sign-in/anonymous",
        lambda route: route.fulfill(
            status=502, body="<h1>Bad Gateway</h1>", content_type="text/html"
        ),
    )
    page.get_by_role("button", name="Continue as guest").click()
    expect(page.locator("#notice")).to_have_text(
        "The server answered 502 Bad Gateway. Please try again later."
    )


def test_a_guest_deletes_the_account_and_its_notes(page: Page, site: Site) -> None:
    guest_id = continue_as_guest(page)
    add_note(page, "Soon gone")

    page.get_by_role("button", name="Delete guest account").click()

    expect(page.locator("#notice")).to_have_text("Your guest account and its notes were deleted.")
    expect(page.get_by_role("button", name="Continue as guest")).to_be_visible()
    assert site.query(f"SELECT id FROM {USERS} WHERE id = ?", guest_id) == []
    assert site.query("SELECT id FROM notes_note WHERE owner_id = ?", guest_id) == []
    page.reload()
    expect(page.get_by_role("button", name="Continue as guest")).to_be_visible()


def test_a_reload_keeps_the_session(page: Page) -> None:
    guest_id = continue_as_guest(page)
    add_note(page, "Still here after a reload")

    page.reload()

    expect(page.locator("#badge")).to_have_text("Anonymous")
    expect(page.locator("#user-id")).to_have_text(guest_id)
    expect(page.locator("#notes")).to_contain_text("Still here after a reload")


def test_the_client_in_bearer_mode_signs_in_with_its_token_and_no_cookie(page: Page) -> None:
    page.goto("/")

    result = page.evaluate(
        """async () => {
            const { createAuthClient } = await import("/static/django_anonymous_auth/client.js");
            const bearer = createAuthClient({ token: null });
            const signedIn = await bearer.signIn.anonymous();
            const token = bearer.token;
            const session = await bearer.getSession();
            const cookieSession = await createAuthClient().getSession();
            const signedOut = await bearer.signOut();
            return { signedIn, token, session, cookieSession, signedOut, after: bearer.token };
        }"""
    )

    assert result["token"] == result["signedIn"]["data"]["token"]
    assert result["session"]["data"]["user"] == result["signedIn"]["data"]["user"]
    assert result["cookieSession"] == {"data": None, "error": None}  # no cookie was set
    assert result["signedOut"] == {"data": {"success": True}, "error": None}
    assert result["after"] is None


def test_the_page_fits_a_phone_screen(open_page: Callable[..., Page]) -> None:
    page = open_page(width=390, height=844)
    continue_as_guest(page)
    add_note(page, "A note on a phone")
    save_account(page, new_email("phone"), password="password")
    expect(page.locator("#link-password-error")).to_be_visible()

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_screenshot_of_a_guest_with_notes_for_the_readme(page: Page, tmp_path) -> None:
    """Take the README's picture; ``UPDATE_DEMO_SCREENSHOT=1`` writes it to ``docs/demo.png``."""
    continue_as_guest(page)
    add_note(page, "Try the app first, sign up later")
    add_note(page, "This note stays when I save my account")

    page.mouse.move(0, 0)  # no hover colour on the last button clicked
    path = SCREENSHOT if UPDATE_SCREENSHOT else tmp_path / "demo.png"
    page.screenshot(path=path, full_page=True)

    assert path.read_bytes().startswith(b"\x89PNG")


def test_the_swagger_page_shows_every_endpoint_of_the_schema(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/api/schema/swagger/")
    for operation in (
        "signInAnonymous",
        "linkAccount",
        "signInEmail",
        "getSession",
        "signOut",
        "deleteAnonymousUser",
    ):
        # Swagger UI gives each operation the id "operations-<tag>-<operationId>".
        expect(page.locator(f"[id$='-{operation}']")).to_have_count(1, timeout=15000)
