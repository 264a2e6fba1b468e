"""The README's Quick start, pasted into a fresh ``startproject``, works.

Each Python block of the Quick start starts with a comment naming its file
(``# mysite/settings.py``: appended to the generated settings; ``# mysite/urls.py``:
replaces the generated file), as a reader applies them. The project then runs in
subprocesses of this virtualenv's Python, so nothing of the test settings leaks in.
The own-view snippets of ``docs/own-views.md`` are checked the same way on top.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
FILE_COMMENT = re.compile(r"^# (\S+\.py)\b")


def section(text: str, heading: str) -> str:
    """The text under a ``## heading``, up to the next heading of that level."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def snippets(text: str) -> dict[str, str]:
    """Python blocks by the file named in their first line; blocks naming none are left out."""
    found: dict[str, str] = {}
    for block in BLOCK.findall(text):
        match = FILE_COMMENT.match(block)
        if match:
            assert match[1] not in found, f"two blocks for {match[1]}"
            found[match[1]] = block
    return found


def run(*args: str, cwd: Path) -> str:
    """Run this Python with ``args`` in ``cwd``, with none of the suite's settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "TEST_USER_MODEL"}
    }
    result = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def apply(project: Path, files: dict[str, str]) -> None:
    """Apply snippets as the docs say: settings are appended, any other file is replaced."""
    for name, code in files.items():
        path = project / name
        if name.endswith("settings.py"):
            path.write_text(path.read_text() + "\n" + code)
        else:
            path.write_text(code)


def shell(project: Path, code: str) -> dict:
    """Run ``code`` in ``manage.py shell``; it prints one JSON line, returned parsed."""
    out = run("manage.py", "shell", "-v", "0", "-c", code, cwd=project)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    assert lines, out
    return json.loads(lines[-1])


@pytest.fixture(scope="module")
def quick_start_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``startproject`` with the README's Quick start applied and migrated."""
    readme = (ROOT / "README.md").read_text()
    files = snippets(section(readme, "Quick start"))
    assert set(files) == {"mysite/settings.py", "mysite/urls.py"}, sorted(files)
    base = tmp_path_factory.mktemp("readme")
    run("-m", "django", "startproject", "mysite", cwd=base)
    project = base / "mysite"
    apply(project, files)
    run("manage.py", "check", "--fail-level", "WARNING", cwd=project)
    run("manage.py", "migrate", "--no-input", cwd=project)
    return project


SIGN_IN = """
import json
from django.test import Client

client = Client(HTTP_HOST="localhost")
signed_in = client.post("/api/auth/sign-in/anonymous")
token = signed_in.json()["token"]
session = Client(HTTP_HOST="localhost").get(
    "/api/auth/get-session", HTTP_AUTHORIZATION=f"Bearer {token}"
)
print(json.dumps({
    "sign_in": [signed_in.status_code, signed_in.json()],
    "session": [session.status_code, session.json()],
}))
"""


def test_quick_start_signs_a_visitor_in_and_the_token_works(quick_start_project: Path):
    result = shell(quick_start_project, SIGN_IN)

    status, body = result["sign_in"]
    assert status == 200
    assert body["user"]["is_anonymous"] is True
    status, body = result["session"]
    assert status == 200
    assert body["user"]["id"] == result["sign_in"][1]["user"]["id"]
    assert body["user"]["is_anonymous"] is True


OWN_VIEWS = """
import json
from django.test import Client, override_settings

client = Client(HTTP_HOST="localhost", enforce_csrf_checks=True)
nobody = client.get("/api/whoami")
token = client.post("/api/auth/sign-in/anonymous").json()["token"]
who = client.get("/api/whoami")
no_csrf = client.post("/api/guest-only")
with_csrf = client.post("/api/guest-only", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
bearer = Client(HTTP_HOST="localhost", enforce_csrf_checks=True).post(
    "/api/guest-only", HTTP_AUTHORIZATION=f"Bearer {token}"
)
# Without the EXCEPTION_HANDLER line: DRF's body, the same status.
drf_only = {"DEFAULT_AUTHENTICATION_CLASSES": [
    "django_anonymous_auth.authentication.BearerSessionAuthentication",
    "django_anonymous_auth.authentication.CsrfSessionAuthentication",
]}
with override_settings(REST_FRAMEWORK=drf_only):
    no_csrf_drf = client.post("/api/guest-only")
print(json.dumps({
    "nobody": [nobody.status_code, nobody.json()],
    "who": [who.status_code, who.json()],
    "no_csrf": [no_csrf.status_code, no_csrf.json()],
    "with_csrf": [with_csrf.status_code, with_csrf.json()],
    "bearer": [bearer.status_code, bearer.json()],
    "no_csrf_drf": [no_csrf_drf.status_code, no_csrf_drf.json()],
}))
"""


def own_views_project(quick_start_project: Path) -> Path:
    """The Quick start project plus the settings, views and URLs of docs/own-views.md."""
    files = snippets((ROOT / "docs" / "own-views.md").read_text())
    assert set(files) == {"settings.py", "notes/views.py", "mysite/urls.py"}, sorted(files)
    project = quick_start_project.parent / "own-views" / "mysite"
    shutil.copytree(quick_start_project, project)
    run("manage.py", "startapp", "notes", cwd=project)
    files["mysite/settings.py"] = files.pop("settings.py")
    apply(project, files)
    run("manage.py", "check", "--fail-level", "WARNING", cwd=project)
    return project


# Today the snippet's settings stop Django at start-up: django_anonymous_auth.exceptions
# imports rest_framework.views, which loads DEFAULT_AUTHENTICATION_CLASSES, whose module
# imports django_anonymous_auth.exceptions again (a circular import).
def test_own_views_take_cookies_and_tokens_and_refuse_a_post_without_csrf(
    quick_start_project: Path,
):
    result = shell(own_views_project(quick_start_project), OWN_VIEWS)

    assert result["nobody"] == [
        401,
        {"code": "UNAUTHORIZED", "message": result["nobody"][1]["message"]},
    ]
    status, who = result["who"]
    assert status == 200
    assert who["is_anonymous"] is True
    status, body = result["no_csrf"]
    assert status == 403
    assert body["code"] == "CSRF_FAILED"
    assert result["with_csrf"] == [200, {"id": who["id"]}]
    assert result["bearer"] == [200, {"id": who["id"]}]
    status, body = result["no_csrf_drf"]
    assert status == 403
    assert "detail" in body
