"""The example page with ALLAUTH=1: a guest who signs up through allauth stays itself."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from .site import ServerError, Site, serve_example
from .test_example_page import PASSWORD, add_note, continue_as_guest, new_email

with contextlib.suppress(ImportError):  # without it the `browser` fixture says why, and skips
    from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The example served with ``ALLAUTH=1``; the page fixtures open this one in this module."""
    try:
        with serve_example(tmp_path_factory.mktemp("example-allauth"), ALLAUTH="1") as served:
            yield served
    except ServerError as error:
        pytest.fail(str(error), pytrace=False)


def guest_with_a_note(page: Page) -> str:
    guest_id = continue_as_guest(page)
    add_note(page, "Written as a guest")
    return guest_id


def expect_the_same_account_saved(page: Page, guest_id: str, email: str) -> None:
    expect(page.locator("#badge")).to_have_text("Linked")
    expect(page.locator("#user-id")).to_have_text(guest_id)
    expect(page.locator("#user-email")).to_have_text(email)
    expect(page.locator("#notes")).to_contain_text("Written as a guest")


def test_sign_up_through_allauths_headless_api_keeps_the_guest(page: Page) -> None:
    guest_id = guest_with_a_note(page)
    email = new_email("headless")
    form = page.locator("#allauth-form")

    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Sign up (allauth's headless API)").click()

    expect(page.locator("#notice")).to_contain_text("Same id, same notes.")
    expect_the_same_account_saved(page, guest_id, email)


def test_a_weak_password_shows_allauths_message_next_to_the_field(page: Page) -> None:
    guest_with_a_note(page)
    form = page.locator("#allauth-form")

    form.get_by_label("Email").fill(new_email("weak"))
    form.get_by_label("Password").fill("123")
    form.get_by_role("button", name="Sign up (allauth's headless API)").click()

    expect(page.locator("#allauth-password-error")).to_contain_text("too short")
    expect(page.locator("#badge")).to_have_text("Anonymous")


def test_allauths_sign_up_page_keeps_the_guest(page: Page) -> None:
    guest_id = guest_with_a_note(page)
    email = new_email("classic")

    page.get_by_role("link", name="allauth's sign-up page").click()
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()

    expect_the_same_account_saved(page, guest_id, email)


def test_a_social_sign_up_keeps_the_guest(page: Page) -> None:
    guest_id = guest_with_a_note(page)
    email = new_email("social")

    page.get_by_role("button", name="Sign up with a social account (dummy)").click()
    page.get_by_label("Account ID:").fill("4242")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Email verified:").check()
    page.get_by_role("button", name="Login").click()

    expect_the_same_account_saved(page, guest_id, email)
