# `make run`: install into .venv, migrate, ingest samples/ end to end and print their entities
# (embedded SQLite + SQLAlchemy transport unless CONTRACT_NER_DATABASE_URL/BROKER_URL are set).
# `make test`: the whole test suite against the local Postgres and Redis (installs Chromium for the
# browser tests if missing); `make test-fast`: the tests that start no API, worker, CLI or browser process.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the pipeline and tests need: Chromium (and its driver) for the web page's browser tests;
# Tesseract with the Danish and orientation data for the OCR stage (worker/ocr.py).
SYSTEM_PACKAGES := chromium tesseract-ocr tesseract-ocr-dan tesseract-ocr-osd
# apt-get needs root: sudo when make runs as another user.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-fast lint install model system-packages

run: $(VENV)/.installed system-packages
	$(BIN)/contract-ner migrate
	$(BIN)/contract-ner ingest samples/*.pdf samples/*.docx samples/*.txt --wait --with-workers --show-entities

test: $(VENV)/.installed system-packages
	$(BIN)/python -m pytest

test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -m "not e2e"

# Installs only what is missing, so it costs nothing on a machine that has them.
system-packages:
	@missing=""; for package in $(SYSTEM_PACKAGES); do \
		dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy api worker models cli training bench client

model: $(VENV)/.installed
	$(BIN)/python -m training.train --out training/default-model

install: $(VENV)/.installed system-packages

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build that lies on this machine's disk; an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@
