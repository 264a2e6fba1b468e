"""The package declares exactly the Python and Django versions the matrix tests."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import django_anonymous_auth

ROOT = Path(__file__).resolve().parent.parent


def noxfile_constant(name: str):
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise LookupError(name)


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
MATRIX = noxfile_constant("MATRIX")
DRF_OLDEST = noxfile_constant("DRF_OLDEST")


def classifier_versions(prefix: str) -> set[str]:
    versions = (c.removeprefix(prefix) for c in PROJECT["classifiers"] if c.startswith(prefix))
    return {v for v in versions if v.replace(".", "").isdigit() and "." in v}


def test_python_classifiers_are_the_tested_pythons():
    tested = {python for pythons in MATRIX.values() for python in pythons}
    assert classifier_versions("Programming Language :: Python :: ") == tested


def test_requires_python_starts_at_the_oldest_tested_python():
    oldest = min(tuple(map(int, p.split("."))) for ps in MATRIX.values() for p in ps)
    assert PROJECT["requires-python"] == f">={oldest[0]}.{oldest[1]}"


def test_django_classifiers_are_the_tested_djangos():
    assert classifier_versions("Framework :: Django :: ") == set(MATRIX) == set(DRF_OLDEST)


def test_dependency_ranges_span_exactly_the_tested_releases():
    dependencies = {d.split(">")[0].split("<")[0].lower(): d for d in PROJECT["dependencies"]}
    newest_django = max(MATRIX, key=lambda v: tuple(map(int, v.split("."))))
    major, minor = map(int, newest_django.split("."))
    oldest_django = min(MATRIX, key=lambda v: tuple(map(int, v.split("."))))
    assert dependencies["django"] == f"Django>={oldest_django},<{major}.{minor + 1}"
    oldest_drf = min(DRF_OLDEST.values(), key=lambda v: tuple(map(int, v.split("."))))
    assert dependencies["djangorestframework"] == f"djangorestframework>={oldest_drf}"


def test_version_lives_in_one_place():
    assert django_anonymous_auth.__version__
    assert "version" not in PROJECT
    assert PROJECT["dynamic"] == ["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {django_anonymous_auth.__version__}" in changelog
