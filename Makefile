# Set-up, build, test and preview of the softmax book.
#
#   make book    build the site into _build/html, the Chinese edition into
#                _build/html/zh_CN (warnings are errors)
#   make translations  update the Chinese catalogs (locales/) from the English text
#   make test    run every test layer in one pytest run
#   make lab     open the chapters in JupyterLab (on the introduction)
#   make audit   build, then run Lighthouse on every page (a benchmark, not a test)
#   make serve   build, then serve the site on http://127.0.0.1:8000
#   make clean   remove build output and test caches (keeps .venv)
#
# The first target that needs it creates .venv and installs the pinned
# requirements and softmax_lib (editable); it reinstalls only when
# requirements.txt or pyproject.toml change.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
VENV_BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
BUILD_DIR := _build
HTML_DIR := $(BUILD_DIR)/html
# Fingerprint of what notebook outputs depend on besides their own code cells:
# the library, the chapters' explorable builders and the pinned requirements.
LIB_STAMP := $(BUILD_DIR)/.softmax_lib.sha256
NOTEBOOKS := $(sort $(wildcard book/*.ipynb))
# The site's JavaScript (package.json, pinned exactly in package-lock.json).
NODE_STAMP := node_modules/.package-lock.json

# The debugger in ipykernel warns about frozen modules on Python 3.11.
export PYDEVD_DISABLE_FILE_VALIDATION := 1
# Use the platformdirs locations for Jupyter's own files (the future default).
export JUPYTER_PLATFORM_DIRS := 1
# MPLBACKEND is deliberately not set: a kernel that inherits MPLBACKEND=Agg
# stops showing figures inline, and the notebooks' stored figures would vanish.

.PHONY: help venv book translations test lab serve audit clean distclean

help:
	@echo "make book    build the site into $(HTML_DIR), the Chinese edition into $(HTML_DIR)/zh_CN (warnings are errors)"
	@echo "make translations  update the Chinese catalogs in locales/ after English text changed"
	@echo "make test    run all tests: library, doctests, notebooks (nbval), site, browser"
	@echo "make lab     open the chapters in JupyterLab"
	@echo "make audit   build, then measure every page with Lighthouse (book/performance_data/)"
	@echo "make serve   build, then serve the site on http://127.0.0.1:8000"
	@echo "make clean   remove build output and test caches"

venv: $(VENV_STAMP)

$(VENV_STAMP): requirements.txt pyproject.toml
	@if [ ! -x "$(VENV_BIN)/python" ]; then \
	  if [ -z "$(PYTHON)" ]; then echo "Python 3.11 (python3.11 or python3) is required" >&2; exit 1; fi; \
	  echo "Creating $(VENV) with $(PYTHON)"; \
	  "$(PYTHON)" -m venv $(VENV); \
	fi
	$(VENV_BIN)/python -m pip install --disable-pip-version-check -q -r requirements.txt
	$(VENV_BIN)/python -m pip install --disable-pip-version-check -q --no-deps -e .
	@# The project kernel: "python3" must start this venv's interpreter.
	$(VENV_BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
	@# JupyterLab settings for this environment: no "Jupyter news?" popup, no
	@# update check, and Markdown files open rendered (MyST, by jupyterlab-myst).
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	@printf '%s\n' \
	  '{' \
	  '  "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false},' \
	  '  "@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"markdown": "Markdown Preview"}}' \
	  '}' > $(VENV)/share/jupyter/lab/settings/overrides.json
	@# Build matplotlib's font cache now, so no notebook prints the notice.
	$(VENV_BIN)/python -c "import matplotlib.pyplot"
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is required (Debian: apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

book: $(VENV_STAMP) $(NODE_STAMP)
	@mkdir -p $(BUILD_DIR)
	@# Jupyter Book re-runs a notebook only when its code cells change, so a
	@# change to softmax_lib (or to the pinned packages) alone would leave stale
	@# outputs on the site. When that fingerprint changes, drop the execution
	@# cache and Sphinx's environment so every chapter is read and run again.
	@fingerprint=$$(find softmax_lib book/explorables -name '*.py' -print0 | sort -z | xargs -0 sha256sum | cat - requirements.txt | sha256sum | cut -d' ' -f1); \
	if [ "$$fingerprint" != "$$(cat $(LIB_STAMP) 2>/dev/null)" ]; then \
	  if [ -d $(BUILD_DIR)/.jupyter_cache ]; then echo "softmax_lib, book/explorables or requirements changed: re-executing every notebook"; fi; \
	  rm -rf $(BUILD_DIR)/.jupyter_cache $(BUILD_DIR)/.doctrees; \
	  echo "$$fingerprint" > $(LIB_STAMP); \
	fi
	@# English into $(HTML_DIR), then the Chinese edition into $(HTML_DIR)/zh_CN
	@# from the same execution cache (book/_ext/editions.py).
	$(VENV_BIN)/python book/_ext/editions.py build -W -n --keep-going
	@echo
	@echo "$(CURDIR)/$(HTML_DIR)/index.html"
	@echo "$(CURDIR)/$(HTML_DIR)/zh_CN/index.html"

# Extract the English messages and merge them into locales/zh_CN: changed
# paragraphs become fuzzy or untranslated, and the catalog test fails until a
# translator has dealt with them (README, "Translating").
translations: $(VENV_STAMP) $(NODE_STAMP)
	$(VENV_BIN)/python book/_ext/editions.py catalogs

test: $(VENV_STAMP) $(NODE_STAMP)
	$(VENV_BIN)/python -m pytest --doctest-modules --nbval tests softmax_lib $(NOTEBOOKS)

# JupyterLab refuses to run as root unless told; containers often run as root.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(VENV_STAMP)
	cd book && ../$(VENV_BIN)/jupyter lab $(LAB_FLAGS) intro.md

serve: book
	@echo "Serving $(HTML_DIR) on http://127.0.0.1:8000/ (Ctrl-C to stop)"
	$(VENV_BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory $(HTML_DIR)

# Lighthouse 12.2.3 (npm, into benchmarks/site/node_modules) on every page,
# mobile and desktop, median of 3 runs; the table goes to book/performance_data/.
audit: book
	$(VENV_BIN)/python -m benchmarks.site

clean:
	rm -rf $(BUILD_DIR) .pytest_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	find book -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
