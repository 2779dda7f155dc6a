# DocuSign Serverless Connector — developer commands.
# `make run` starts the local stack, `make test` runs every test. Both install what they need.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

# Python 3.13 is what Lambda runs: take it from PATH first, then from pyenv.
PYTHON313 := $(shell \
  for c in python3.13 python3; do \
    p=$$(command -v $$c 2>/dev/null) && "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { echo "$$p"; exit 0; }; \
  done; \
  if command -v pyenv >/dev/null 2>&1; then \
    for d in $$(pyenv root)/versions/3.13*; do \
      [ -x "$$d/bin/python3.13" ] && { echo "$$d/bin/python3.13"; exit 0; }; \
    done; \
  fi)

.PHONY: help python install lock browser-deps run stop demo test test-fast lint typecheck validate build bench openapi checkov clean

help:
	@echo "make run        start the local stack (moto, DocuSign emulator, API on 127.0.0.1:3000)"
	@echo "make test       run every test"
	@echo "make demo       drive a whole envelope life cycle against the running local stack"
	@echo "make lint       ruff check + format check"
	@echo "make typecheck  mypy on the shared package, the functions, the admin tool and the local stack"
	@echo "make validate   sam validate --lint"
	@echo "make build      sam build (no containers)"
	@echo "make bench      benchmarks (import time, memory, DocuSign calls)"
	@echo "make lock       regenerate the hashed locks (*.txt) from the pins in the *.in files"

python:
	@if [ -z "$(PYTHON313)" ]; then \
	  echo "Python 3.13 is required (the Lambda runtime is python3.13) and none was found."; \
	  echo "Install it, e.g. 'pyenv install 3.13' or your OS package 'python3.13', then re-run make."; \
	  exit 1; \
	fi

# requirements-dev.txt is the lock: every package of the environment, transitive ones too,
# pinned with the hashes of its published files; pip refuses anything else. pip itself is in it.
$(STAMP): requirements-dev.txt | python
	@test -x $(PY) || $(PYTHON313) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

# The locks are resolved for the Lambda runtime's Python (3.13, Linux x86_64) by uv, which is
# pinned in requirements-dev.in. Each *.in file holds the exact top-level pins a person edits;
# its *.txt lock is written here and never by hand. uv keeps the versions a lock already has
# unless an edited pin needs others, so a lock changes only as far as the edit asks.
LOCK := $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.13 \
  --python-platform x86_64-manylinux_2_28 --custom-compile-command "make lock"
lock: install
	$(LOCK) layers/shared/requirements.in -o layers/shared/requirements.txt
	$(LOCK) requirements-dev.in -o requirements-dev.txt
	$(LOCK) benchmarks/requirements.in -o benchmarks/requirements.txt
	$(LOCK) requirements-tools.in -o requirements-tools.txt

# The browser tests drive Debian's chromium through its chromedriver; nothing downloads a
# browser of its own. Without apt (or root) they are skipped with a message, except in CI.
CHROMIUM := /usr/bin/chromium
CHROMEDRIVER := /usr/bin/chromedriver

browser-deps:
	@if [ -x $(CHROMIUM) ] && [ -x $(CHROMEDRIVER) ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo=none; fi; \
	if ! command -v apt-get >/dev/null 2>&1 || [ "$$sudo" = none ]; then \
	  echo "chromium and chromium-driver are not installed and cannot be installed here (apt-get as root is needed)."; \
	  echo "The browser tests will be skipped; install Debian's chromium and chromium-driver to run them."; \
	  if [ -n "$$CI" ]; then exit 1; fi; exit 0; \
	fi; \
	echo "Installing chromium and chromium-driver with apt-get (for the browser tests)"; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium chromium-driver >/dev/null || { \
	  echo "apt-get could not install chromium and chromium-driver: the browser tests will be skipped."; \
	  if [ -n "$$CI" ]; then exit 1; fi; exit 0; }

run: install
	$(PY) -m local.stack

stop:
	$(PY) -m local.stack --stop

demo: install
	$(PY) -m local.demo

test: install browser-deps
	$(PY) -m pytest -n auto --dist loadfile --cov --cov-report=term

test-fast: install
	$(PY) -m pytest -x -q -m "not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

validate: install
	$(BIN)/sam validate --lint --region us-east-1

build: install
	PATH="$(dir $(PYTHON313)):$$PATH" $(BIN)/sam build --parallel

bench: install
	$(PY) -m pip install --quiet --require-hashes -r benchmarks/requirements.txt
	PYTHONPATH=.:layers/shared $(PY) -m benchmarks.run

# checkov has its own dependency pins, so it lives in its own environment, from its own lock.
TOOLS := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed
$(TOOLS_STAMP): requirements-tools.txt | python
	@test -x $(TOOLS)/bin/python || $(PYTHON313) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --require-hashes -r requirements-tools.txt
	@touch $(TOOLS_STAMP)

checkov: $(TOOLS_STAMP)
	$(TOOLS)/bin/checkov --config-file .checkov.yaml --skip-download -f template.yaml

openapi: install
	PYTHONPATH=layers/shared $(PY) -m docusign_connector.api.descriptions --out docs

clean:
	rm -rf .aws-sam .local .pytest_cache .ruff_cache .mypy_cache .coverage
