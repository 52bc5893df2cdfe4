# Guide: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= $(or $(TEST_DATABASE_URL),postgres://postgres@127.0.0.1:5432/guide)
PORT ?= 8000

.PHONY: run test e2e lint format test-sqlite test-postgres venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

.env:
	$(PY) bin/make_env.py

## make run: the product on its embedded defaults (SQLite, ORM broker, the sandbox with demo data)
run: venv .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_tenant
	$(PY) manage.py sandbox_seed --candidates 300 --seed 1 --if-empty
	$(PY) manage.py sandbox_key --name "Guide demo" --partner Guide --permissions guide --if-absent --announce
	$(PY) bin/run_local.py --port $(PORT)

## make test: lint, then the suite on SQLite and on PostgreSQL at the same time (two cores:
## the SQLite pass is mostly CPU, the PostgreSQL pass waits on servers and workers it starts).
## Each pass's output is printed whole when it ends; the SQLite pass uses its own Redis database.
test: venv lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test-sqlite: venv
	DATABASE_URL=sqlite:///$(CURDIR)/test-db.sqlite3 TEST_QUEUE_REDIS_URL=redis://127.0.0.1:6379/6 \
		$(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: venv
	@if $(PY) bin/pg_ready.py "$(PG_TEST_URL)"; then \
		DATABASE_URL="$(PG_TEST_URL)" $(VENV)/bin/pytest $(PYTEST_ARGS); \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is not reachable at $(PG_TEST_URL): CI needs it, failing."; exit 1; \
	else \
		echo "PostgreSQL is not reachable at $(PG_TEST_URL): skipping the PostgreSQL pass (set TEST_DATABASE_URL)."; \
	fi

## make e2e: only the browser end-to-end tests (Debian's Chromium, PostgreSQL); screenshots go
## to test-artifacts/e2e/. Pick the live server's port with PYTEST_ARGS="--liveserver 127.0.0.1:PORT".
e2e: venv
	DATABASE_URL="$(PG_TEST_URL)" $(VENV)/bin/pytest -m browser $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
