# `make demo` and `make test` are all a fresh machine with python3 (3.11+) and make needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST := $(PY) -m pytest
# PostgreSQL for the second half of `make test`; REQUIRE_POSTGRES=1 turns "unreachable" into a failure.
PG_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/postgres)
REQUIRE_POSTGRES ?=
# The browser step needs /usr/bin/chromium; REQUIRE_BROWSER=1 turns "skipped" into a failure.
REQUIRE_BROWSER ?=

.PHONY: demo test test-sqlite test-postgres test-browser screenshot lint matrix matrix-ends dist clean bench fuzz

$(VENV)/.installed: pyproject.toml example_project/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,dev,openapi,allauth]" -r example_project/requirements.txt
	touch $@

demo: $(VENV)/.installed
	cd example_project && ../$(PY) manage.py migrate --no-input
	cd example_project && ../$(PY) manage.py createcachetable
	@echo
	@echo "Example site: http://127.0.0.1:8000/   admin: http://127.0.0.1:8000/admin/"
	@echo "Create an admin user with:  $(PY) example_project/manage.py createsuperuser"
	@echo
	cd example_project && ../$(PY) manage.py runserver 127.0.0.1:8000

test: test-sqlite test-postgres test-browser

test-sqlite: $(VENV)/.installed
	@echo "==> SQLite, shipped email-based user model (plus packaging)"
	$(PYTEST) -m "not browser"
	@echo "==> SQLite, username-based user model with the mixin"
	TEST_USER_MODEL=testapp.User $(PYTEST) -m "not packaging and not browser"
	@echo "==> SQLite, API tests under hostile global REST_FRAMEWORK settings"
	$(PYTEST) --ds tests.settings_hostile_drf tests/test_api_*.py tests/test_merge.py tests/test_middleware.py tests/test_hostile_input.py tests/test_i18n.py
	@echo "==> SQLite, django-allauth sign-up and login, both user models"
	$(PYTEST) --ds tests.settings_allauth tests/test_allauth.py
	TEST_USER_MODEL=testapp.User $(PYTEST) --ds tests.settings_allauth tests/test_allauth.py

test-postgres: $(VENV)/.installed
	@if $(PY) tests/postgres_reachable.py "$(PG_URL)"; then \
		echo "==> PostgreSQL $(PG_URL), shipped email-based user model" && \
		DATABASE_URL="$(PG_URL)" $(PYTEST) -m "not packaging and not browser" && \
		echo "==> PostgreSQL $(PG_URL), username-based user model with the mixin" && \
		DATABASE_URL="$(PG_URL)" TEST_USER_MODEL=testapp.User $(PYTEST) -m "not packaging and not browser" && \
		echo "==> PostgreSQL $(PG_URL), django-allauth sign-up and login, both user models" && \
		DATABASE_URL="$(PG_URL)" $(PYTEST) --ds tests.settings_allauth tests/test_allauth.py && \
		DATABASE_URL="$(PG_URL)" TEST_USER_MODEL=testapp.User $(PYTEST) --ds tests.settings_allauth tests/test_allauth.py; \
	elif [ -n "$(REQUIRE_POSTGRES)" ]; then \
		echo "==> FAILED: PostgreSQL is required but $(PG_URL) is unreachable"; exit 1; \
	else \
		echo "==> SKIPPED the PostgreSQL run: $(PG_URL) is unreachable (set DATABASE_URL)"; \
	fi

# Once, not per database: it serves the real example project on its own SQLite file.
test-browser: $(VENV)/.installed
	@echo "==> Browser test of the example page (headless Chromium)"
	REQUIRE_BROWSER="$(REQUIRE_BROWSER)" $(PYTEST) -m browser tests/browser

# A longer pass of the request fuzzer that `make test` runs briefly (tests/test_fuzz.py).
FUZZ_EXAMPLES ?= 5000
fuzz: $(VENV)/.installed
	@echo "==> Fuzzing every endpoint, $(FUZZ_EXAMPLES) requests a database"
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PYTEST) tests/test_fuzz.py
	DATABASE_URL="$(PG_URL)" FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PYTEST) tests/test_fuzz.py

# Refresh docs/demo.png, the README's picture of the example page.
screenshot: $(VENV)/.installed
	UPDATE_DEMO_SCREENSHOT=1 $(PYTEST) -m browser tests/browser -k screenshot

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy django_anonymous_auth

# Nox finds python3.11 ... python3.13 on PATH; with pyenv, every installed version is made visible.
NOX := PYENV_VERSION="$${PYENV_VERSION:-$$(pyenv versions --bare 2>/dev/null | paste -sd: -)}" \
	PG_URL="$(PG_URL)" $(VENV)/bin/nox

# Every supported Python x Django x DRF pair, on SQLite and PostgreSQL (long: run by hand).
matrix: $(VENV)/.installed
	$(NOX)

# The oldest and the newest supported pairs: what CI runs besides `make test`.
matrix-ends: $(VENV)/.installed
	@echo "==> Oldest supported: Python 3.11, Django 5.2, DRF 3.18.2"
	$(NOX) -s "tests(py3.11-django5.2-drf-oldest)"
	@echo "==> Newest supported: Python 3.13, Django 6.1, newest DRF"
	$(NOX) -s "tests(py3.13-django6.1-drf-newest)"

# HTTP benchmark against a bare Django floor (bench/http_bench.py; flags in BENCH_ARGS,
# e.g. BENCH_ARGS="--duration 5 --configs sqlite"). Needs wrk, installed here when root.
$(VENV)/.bench-installed: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e ".[bench]"
	touch $@

bench: $(VENV)/.bench-installed
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk; } \
		|| { echo "==> FAILED: wrk is missing; install it with: sudo apt-get install -y wrk"; exit 1; }
	$(PY) bench/http_bench.py $(BENCH_ARGS)

dist: $(VENV)/.installed
	rm -rf dist
	$(PY) -m build --outdir dist .
	$(PY) -m twine check --strict dist/*

clean:
	rm -rf $(VENV) .nox build dist *.egg-info .pytest_cache
