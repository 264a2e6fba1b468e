"""Schemathesis against the example site, from the OpenAPI schema it serves.

Every operation of the API gets generated requests, with no credentials and with a
bearer token: no 5xx, and every answer (status, content type, body) as the schema says.
Bounded (``SCHEMA_FUZZ_EXAMPLES`` a phase and operation, 20 by default) so the suite
stays fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .site import ServerError, Site, serve_example

pytestmark = pytest.mark.browser

EXAMPLES = os.environ.get("SCHEMA_FUZZ_EXAMPLES", "20")
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance"
)
SCHEMATHESIS = Path(sys.executable).parent / "st"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not SCHEMATHESIS.exists():
        pytest.fail("schemathesis is not installed (the [dev] extra)", pytrace=False)
    try:
        with serve_example(tmp_path_factory.mktemp("schema-fuzz")) as served:
            yield served
    except ServerError as error:
        pytest.fail(str(error), pytrace=False)


def schemathesis(site: Site, *headers: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(SCHEMATHESIS), "run", f"{site.url}/api/schema/", "--checks", CHECKS,
            "--max-examples", EXAMPLES, "--include-path-regex", "^/api/auth/",
            "--generation-deterministic", *headers,
        ],
        capture_output=True, text=True, timeout=600, cwd=site.database.parent,
    )  # fmt: skip


def test_no_generated_request_breaks_the_api_or_its_schema(example: Site) -> None:
    run = schemathesis(example)
    assert run.returncode == 0, run.stdout[-4000:]


def test_nor_with_a_bearer_token(example: Site) -> None:
    token = example.api("POST", "/api/auth/sign-in/anonymous")["token"]
    run = schemathesis(example, "--header", f"Authorization: Bearer {token}")
    assert run.returncode == 0, run.stdout[-4000:]
