# The checks a developer runs before a commit; .ci/run runs the same before the tests.
# `make check` needs the test extras installed: pip install -e '.[test]'
BIN ?= .venv/bin
PY ?= $(BIN)/python

.PHONY: check format lint types imports fix test test-slow

check: format lint types imports

format:
	$(PY) -m ruff format --check .

lint:
	$(PY) -m ruff check .

types:
	$(PY) -m mypy

imports:
	$(BIN)/lint-imports

fix:
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test:
	$(PY) -m pytest -q

test-slow:
	$(PY) -m pytest -q -m slow
