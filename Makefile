# `make run`: install into .venv, migrate, ingest samples/ end to end and print their entities
# (embedded SQLite + SQLAlchemy transport unless CONTRACT_NER_DATABASE_URL/BROKER_URL are set).
# `make test`: the whole test suite against the local Postgres and Redis.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint install model

run: $(VENV)/.installed
	$(BIN)/contract-ner migrate
	$(BIN)/contract-ner ingest samples/*.pdf samples/*.docx samples/*.txt --wait --with-workers --show-entities

test: $(VENV)/.installed
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy api worker models cli training bench

model: $(VENV)/.installed
	$(BIN)/python -m training.train --out training/default-model

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build that lies on this machine's disk; an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@
