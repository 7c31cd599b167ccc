# Cap Numérique — the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint check pytest worker beat demo messages bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found %s)." % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime-installed

# Install, migrate, load the demo and serve it. With REDIS_URL set, a Celery worker and beat run beside
# the server and stop with it.
run: $(VENV)/.runtime-installed
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	@if [ -n "$$REDIS_URL" ]; then \
		$(BIN)/celery -A lms worker --loglevel=INFO --concurrency=2 & worker=$$!; \
		$(BIN)/celery -A lms beat --loglevel=INFO & beat=$$!; \
		trap 'kill $$worker $$beat 2>/dev/null; wait $$worker $$beat 2>/dev/null' EXIT INT TERM; \
		$(MANAGE) runserver --noreload $(HOST):$(PORT); \
	else \
		$(MANAGE) runserver $(HOST):$(PORT); \
	fi

demo: $(VENV)/.runtime-installed
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo

# Lint, layer contract, Django checks, migrations, and the whole test suite (browser tests included).
test: $(VENV)/.dev-installed lint check pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

check: $(VENV)/.dev-installed
	$(BIN)/python courses/starter_format.py > /dev/null
	$(BIN)/python bin/french_plurals.py --check
	$(BIN)/python bin/compile_messages.py --check
	DJANGO_SETTINGS_MODULE=lms.settings.test $(MANAGE) check
	DJANGO_SETTINGS_MODULE=lms.settings.test $(MANAGE) makemigrations --check --dry-run

# Two processes for everything but the tests that start real Celery workers (they share one Redis
# queue, so they run alone, after). PYTEST_WORKERS=0 runs the first part in one process.
PYTEST_WORKERS ?= 2
pytest: $(VENV)/.dev-installed
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not worker" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(BIN)/pytest -m worker $(PYTEST_ARGS) || [ $$? -eq 5 ]  # 5: PYTEST_ARGS selected no worker test

# For operators: one process each (see deploy/).
worker: $(VENV)/.runtime-installed
	$(BIN)/celery -A lms worker --loglevel=INFO

beat: $(VENV)/.runtime-installed
	$(BIN)/celery -A lms beat --loglevel=INFO

messages: $(VENV)/.dev-installed
	$(BIN)/python bin/french_plurals.py
	$(BIN)/python bin/compile_messages.py

bench: $(VENV)/.dev-installed
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
