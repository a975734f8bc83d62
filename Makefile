# eduplatform — two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := eduplatform
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-postgres bench install system-deps migrate seed clean lint

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

## Create the venv, install, migrate, seed the demo data and serve on http://127.0.0.1:5000,
## with the background-job worker beside the web server (no broker to install: see ARCHITECTURE.md)
run: seed
	@echo "平台地址: http://$(HOST):$(PORT)/   (Ctrl-C 停止)"
	@mkdir -p "$${EDU_DATA_DIR:-data}"
	@echo "后台任务工作进程日志: $${EDU_DATA_DIR:-data}/jobs-worker.log"
	@$(BIN)/flask jobs worker --loglevel WARNING > "$${EDU_DATA_DIR:-data}/jobs-worker.log" 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

## Install what the tests need (Chromium, a CJK font, PostgreSQL) and run the suite on SQLite and PostgreSQL
test: install system-deps
	bash .ci/test-all.sh

system-deps:
	bash .ci/system-deps.sh

test-sqlite: install
	$(BIN)/pytest -q

test-postgres: install
	bash .ci/with-postgres.sh $(BIN)/pytest -q -m "not browser"

## Run every benchmark in bench/ and print its figures
bench: install
	@for script in bench/bench_*.py; do echo "=== $$script ==="; $(BIN)/python $$script || exit 1; done

lint: install
	$(BIN)/pip install --quiet ruff==0.17.6 && $(BIN)/ruff check eduplatform tests bench config.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
