# Quick start: `make run` serves the site, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

# Production needs only requirements.txt; tests, lint and `make lock` add
# requirements-dev.txt. Each stamp is remade when its lock file changes.
PROD := $(BIN)/activate
DEV := $(VENV)/.dev-installed
# pip-compile's flags for both lock files; `make lock LOCK_ARGS=--upgrade` also
# moves unpinned transitive dependencies to their newest releases.
COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet \
	--strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)

.PHONY: run test lint format lock migrate demo worker bench clean

$(PROD): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(PROD)

$(DEV): $(PROD) requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(DEV)

node_modules/vnu-jar/build/dist/vnu.jar: package.json
	npm install --no-audit --no-fund --silent
	touch $@

run: $(PROD)
	DEBUG=1 $(MANAGE) migrate --no-input
	DEBUG=1 $(MANAGE) load_demo_content
	@# The task worker (lead notifications) runs beside the web server and
	@# stops with it.
	DEBUG=1 $(MANAGE) db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(MANAGE) runserver 127.0.0.1:$(PORT)

worker: $(PROD)
	DEBUG=1 $(MANAGE) db_worker

test: $(DEV)
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory node_modules/vnu-jar/build/dist/vnu.jar; fi
	DEBUG=1 $(BIN)/pytest $(PYTEST_ARGS)

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

lock: $(DEV)
	$(COMPILE) --output-file requirements.txt requirements.in
	$(COMPILE) --output-file requirements-dev.txt requirements-dev.in

format: $(DEV)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(PROD)
	DEBUG=1 $(MANAGE) migrate --no-input

demo: migrate
	DEBUG=1 $(MANAGE) load_demo_content

clean:
	rm -rf $(VENV) node_modules staticfiles
