"""The supported Python x Django x DRF matrix, on SQLite and PostgreSQL.

``make matrix`` runs every session; ``nox -s "tests(py3.13-django6.1-drf-newest)"``
runs one (``nox -l`` lists them). ``tests/test_metadata.py`` checks that
pyproject.toml declares exactly this matrix, so the two cannot drift apart.
"""

from __future__ import annotations

import os

import nox

#: Each supported Django with the Pythons it supports (Django 6.x needs 3.12+).
MATRIX = {
    "5.2": ["3.11", "3.12", "3.13"],
    "6.0": ["3.12", "3.13"],
    "6.1": ["3.12", "3.13"],
}
#: The oldest DRF release supported with each Django, and the newest. 3.18.2 is the
#: first that refuses a JSON body in a compressed "charset" (bz2, zlib), which older
#: releases decompress in memory, whatever its size, before any view runs.
DRF_OLDEST = {"5.2": "3.18.2", "6.0": "3.18.2", "6.1": "3.18.2"}
DRF = ("oldest", "newest")

SESSIONS = [
    (python, django, drf) for django, pythons in MATRIX.items() for python in pythons for drf in DRF
]

PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True


@nox.session
@nox.parametrize(
    ("python", "django", "drf"),
    SESSIONS,
    ids=[f"py{python}-django{django}-drf-{drf}" for python, django, drf in SESSIONS],
)
def tests(session: nox.Session, django: str, drf: str) -> None:
    """The suite for both user models, on SQLite and on PostgreSQL."""
    drf_requirement = f"djangorestframework=={DRF_OLDEST[django]}"
    if drf == "newest":
        drf_requirement = "djangorestframework"
    session.install("-e", ".[test]", f"django=={django}.*", drf_requirement)
    session.run("python", "-m", "django", "--version")
    for database in ("sqlite://:memory:", PG_URL):
        for model in ("django_anonymous_auth.User", "testapp.User"):
            session.run(
                "python",
                "-m",
                "pytest",
                "-q",
                "-m",
                "not packaging and not browser",
                env={"DATABASE_URL": database, "TEST_USER_MODEL": model},
            )
