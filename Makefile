# The README's two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
WAREHOUSE_PATH ?= data/warehouse.duckdb
PORT ?= 8501

.PHONY: run test test-live refresh lint format bench chromium office clean

# The pinned requirements go in with uv (pinned below, put into the venv by pip): it fetches and
# unpacks wheels in parallel and compiles their bytecode on both cores, about half pip's time for
# a fresh clone's set-up (docs/decisions.md, stop 23). Bytecode is compiled at install, as pip
# does, because this machine sets PYTHONDONTWRITEBYTECODE: without it every Python process would
# compile pandas and streamlit again. uv reads no pip.conf, so where it cannot install (another
# index, no uv wheel) pip does it as before.
UV_VERSION := 0.13.9
define install
	@if $(PIP) install --only-binary=:all: "uv==$(UV_VERSION)" >/dev/null 2>&1 && \
		$(VENV)/bin/uv pip install -q --python $(PY) --compile-bytecode -r $(1); then :; \
	else echo "uv kunde inte installera $(1): pip tar över."; $(PIP) install -r $(1); fi
endef

$(VENV)/.runtime: requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 krävs"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(call install,requirements.txt)
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(call install,requirements-dev.txt)
	@touch $@

## make run: set up, load data (from MIRROR_DIR if set, else live if no warehouse), start the app
run: $(VENV)/.runtime
	@if [ -n "$(MIRROR_DIR)" ]; then \
		$(PY) -m warehouse refresh --mirror "$(MIRROR_DIR)" || echo "Uppdateringen misslyckades; appen startar ändå."; \
	elif [ ! -f "$(WAREHOUSE_PATH)" ]; then \
		$(PY) -m warehouse refresh || echo "Ingen data kunde hämtas; appen startar och förklarar."; \
	fi
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

## make test: set up (incl. Chromium and LibreOffice when missing and installable), lint, run
## the whole suite in TEST_WORKERS parallel pytest-xdist workers, one test file per worker.
## The tests' temporary folders go to .pytest-tmp in the clone (emptied at each run), not /tmp:
## on a disk without a journal, new files in a folder where many were just deleted (/tmp,
## pytest's numbered runs there) cost far more system time (docs/decisions.md, stop 22).
## A fixed path on purpose: pytest empties --basetemp first, so it must never come from the shell
TEST_WORKERS ?= 2
test: $(VENV)/.dev chromium office
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder \
		--basetemp=.pytest-tmp

test-live: $(VENV)/.dev
	RUN_LIVE=1 $(VENV)/bin/pytest -m live

refresh: $(VENV)/.runtime
	$(PY) -m warehouse refresh $(if $(MIRROR_DIR),--mirror "$(MIRROR_DIR)",)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.dev
	$(PY) -m bench

# Debian's chromium (the exports, the browser tests) and chromium-headless-shell (the lighter
# headless browser the browser tests and the chart images use when present): installed when
# missing and we are root with apt.
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installerar Debians chromium för webbläsartestet…"; \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "chromium saknas och kan inte installeras här (kräver root och apt)."; \
		fi; \
	fi; \
	if ! command -v chromium-headless-shell >/dev/null 2>&1 && [ "$$(id -u)" = "0" ] && \
		command -v apt-get >/dev/null 2>&1; then \
		echo "Installerar Debians chromium-headless-shell (webbläsartesterna och diagrambilderna; valfri)…"; \
		{ DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell; } \
			>/dev/null 2>&1 || echo "chromium-headless-shell kunde inte installeras; testerna använder chromium."; \
	fi; true

# Debian's LibreOffice (the meeting deck's PDF) and poppler-utils (the test renders PDF pages):
# installed like chromium, only when missing and we are root with apt; tests skip otherwise.
office:
	@if command -v soffice >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installerar Debians libreoffice-impress och poppler-utils för mötesunderlaget…"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			libreoffice-impress poppler-utils >/dev/null; \
	else \
		echo "libreoffice/pdftoppm saknas och kan inte installeras här (kräver root och apt)."; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .pytest-tmp
