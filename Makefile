# Quick start: `make run` serves the site, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MANAGE := $(BIN)/python manage.py

.PHONY: run test lint format migrate demo worker bench clean

$(BIN)/activate: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(BIN)/activate

node_modules/vnu-jar/build/dist/vnu.jar: package.json
	npm install --no-audit --no-fund --silent
	touch $@

run: $(BIN)/activate
	DEBUG=1 $(MANAGE) migrate --no-input
	DEBUG=1 $(MANAGE) load_demo_content
	@# The task worker (lead notifications) runs beside the web server and
	@# stops with it.
	DEBUG=1 $(MANAGE) db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(MANAGE) runserver 127.0.0.1:$(PORT)

worker: $(BIN)/activate
	DEBUG=1 $(MANAGE) db_worker

test: $(BIN)/activate
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory node_modules/vnu-jar/build/dist/vnu.jar; fi
	DEBUG=1 $(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/activate
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/activate
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(BIN)/activate
	DEBUG=1 $(MANAGE) migrate --no-input

demo: migrate
	DEBUG=1 $(MANAGE) load_demo_content

clean:
	rm -rf $(VENV) node_modules staticfiles
