"""Build the sdist and wheel, look inside, and install the wheel into empty virtualenvs."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parent.parent

# The new projects run with their own settings and database, not the suite's.
CLEAN_ENV = {
    key: value
    for key, value in os.environ.items()
    if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "TEST_USER_MODEL", "PYTHONPATH"}
}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--sdist",
            "--wheel",
            "--outdir",
            out,
            ROOT,
        ],
        check=True,
        capture_output=True,
    )
    return out


def wheel_names(dist: Path) -> list[str]:
    (wheel,) = dist.glob("*.whl")
    return zipfile.ZipFile(wheel).namelist()


def sdist_names(dist: Path) -> list[str]:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        return [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]


def test_wheel_holds_the_package_data(dist):
    names = wheel_names(dist)
    assert "django_anonymous_auth/migrations/0001_initial.py" in names
    assert "django_anonymous_auth/py.typed" in names
    assert "django_anonymous_auth/locale/de/LC_MESSAGES/django.mo" in names
    static = ROOT / "django_anonymous_auth" / "static"
    templates = ROOT / "django_anonymous_auth" / "templates"
    for folder in (static, templates):
        for path in folder.rglob("*"):
            if path.is_file():
                assert str(path.relative_to(ROOT)) in names


def test_wheel_holds_no_tests_and_no_example(dist):
    top = {name.split("/")[0] for name in wheel_names(dist)}
    assert "tests" not in top
    assert "example_project" not in top
    assert "bench" not in top


def test_sdist_holds_tests_readme_and_license(dist):
    names = sdist_names(dist)
    for name in ("README.md", "LICENSE", "tests/conftest.py", "tests/settings.py"):
        assert name in names
    assert "django_anonymous_auth/migrations/0001_initial.py" in names
    assert not any(name.startswith("example_project/") for name in names)


HASHERS = """
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
MIDDLEWARE += ["django_anonymous_auth.middleware.AnonymousAuthMiddleware"]
"""

SHIPPED_MODEL_SETTINGS = (
    HASHERS
    + """
INSTALLED_APPS += ["rest_framework", "django_anonymous_auth"]
AUTH_USER_MODEL = "django_anonymous_auth.User"
"""
)

OWN_MODEL_SETTINGS = (
    HASHERS
    + """
INSTALLED_APPS += ["rest_framework", "django_anonymous_auth", "accounts"]
AUTH_USER_MODEL = "accounts.User"
"""
)

OWN_MODEL = """
from django.contrib.auth.models import AbstractUser
from django_anonymous_auth.models import AnonymousUserMixin


class User(AnonymousUserMixin, AbstractUser):
    pass
"""


TABLES = "from django.db import connection; print(connection.introspection.table_names())"


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty virtualenv with only the built wheel (and its dependencies) installed."""
    env = tmp_path_factory.mktemp("venv")
    venv.create(env, with_pip=True)
    (wheel,) = dist.glob("*.whl")
    subprocess.run([env / "bin" / "pip", "install", "-q", wheel], check=True, capture_output=True)
    return env / "bin" / "python"


def new_project(python: Path, where: Path, extra_settings: str) -> Path:
    subprocess.run(
        [python, "-m", "django", "startproject", "mysite", where],
        check=True,
        capture_output=True,
        env=CLEAN_ENV,
    )
    with open(where / "mysite" / "settings.py", "a") as settings:
        settings.write(textwrap.dedent(extra_settings))
    return where


def manage(python: Path, project: Path, *args: str) -> str:
    result = subprocess.run(
        [python, "manage.py", *args], cwd=project, capture_output=True, text=True, env=CLEAN_ENV
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def test_wheel_migrates_a_new_project_with_the_shipped_model(installed, tmp_path):
    project = new_project(installed, tmp_path, SHIPPED_MODEL_SETTINGS)
    assert "no issues" in manage(installed, project, "check")
    assert "Applying django_anonymous_auth.0001_initial... OK" in manage(
        installed, project, "migrate"
    )


def test_wheel_migrates_a_new_project_with_its_own_model_and_the_mixin(installed, tmp_path):
    project = new_project(installed, tmp_path, OWN_MODEL_SETTINGS)
    (project / "accounts").mkdir()
    (project / "accounts" / "__init__.py").write_text("")
    (project / "accounts" / "models.py").write_text(OWN_MODEL)
    manage(installed, project, "makemigrations", "accounts")
    assert "Applying accounts.0001_initial... OK" in manage(installed, project, "migrate")
    tables = manage(installed, project, "shell", "-c", TABLES)
    assert "accounts_user" in tables
    assert "django_anonymous_auth_user" not in tables  # our User is swapped out: no table
    assert "django_anonymous_auth_ratecounter" in tables  # the rate limits' own table
    assert "no issues" in manage(installed, project, "check")
