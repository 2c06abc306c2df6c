# The project's front door. `make html` and `make test` set up .venv themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# What is installed: the build's own dependencies for `make html`; with the curator's, test
# and development tools for the other targets.
BUILD_STAMP := $(VENV)/.installed-build
STAMP  := $(VENV)/.installed
SPHINXOPTS ?=
BUILDDIR := docs/_build

.PHONY: help html test test-fast serve lint validate clean

help:
	@echo "make html      build the site into $(BUILDDIR)/html (warnings are errors)"
	@echo "make test      run the whole test suite, including a full build of the site"
	@echo "make test-fast the engine's unit tests only (no site build, no browser)"
	@echo "make serve     live preview on http://127.0.0.1:8000, rebuilt on every change"
	@echo "make validate  check the records in data/ and print every error as file:line:column"
	@echo "make lint      ruff and mypy"
	@echo "make clean     remove the built site and the generated pages"

$(BUILD_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $(BUILD_STAMP)

$(STAMP): $(BUILD_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[curator,test,dev]'
	@touch $(STAMP)

# The browser tests' checkers (axe-core, vnu.jar) come from npm; without npm those tests skip.
CHECKERS := tests/browser/node_modules/.package-lock.json

$(CHECKERS): tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm not found: the accessibility and HTML checks will be skipped"; \
	fi

html: $(BUILD_STAMP)
	$(BIN)/sphinx-build -n -W --keep-going -b html -d $(BUILDDIR)/doctrees $(SPHINXOPTS) \
		docs $(BUILDDIR)/html

test: $(STAMP) $(CHECKERS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The engine's unit tests only, no site build and no browser: seconds, for every change.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not build and not browser" $(PYTEST_ARGS)

serve: $(STAMP)
	$(BIN)/sphinx-autobuild -n --watch data --watch src/peacekb --ignore docs/_generated \
		-d $(BUILDDIR)/doctrees docs $(BUILDDIR)/html

validate: $(BUILD_STAMP)
	$(BIN)/peacekb validate data

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts docs/conf.py
	$(BIN)/ruff format --check src tests scripts docs/conf.py
	$(BIN)/mypy

clean:
	rm -rf $(BUILDDIR) docs/_generated
