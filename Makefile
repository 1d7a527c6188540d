# The two commands of the README are `make run` and `make test`; everything else is here too.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi
LMS_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run init test test-postgres e2e-deps pdf-deps bench lint messages catalogues translations clean

# The compiled catalogues (.mo) are built from the .po files, never committed: `make run` and
# `make test` build the ones that are missing or older than their .po.
CATALOGUES := $(wildcard lms/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

$(STAMP): pyproject.toml
	@echo "make: installing the platform and its packages into $(VENV) (the first time takes a minute or two)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

init: $(STAMP) pdf-deps translations
	@echo "make: preparing the database (migrations, shipped courses, demo accounts)..."
	$(FLASK) lms init --demo

# The development server and a job worker together (lms/devrun.py); Ctrl-C stops both.
run: init
	@echo "make: serving on http://127.0.0.1:5000 (the web server and a job worker; Ctrl-C stops both)..."
	$(BIN)/python -m lms.devrun --host 127.0.0.1 --port 5000

# Debian's Chromium drives the browser tests (Playwright's own download cannot work here).
e2e-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: install the 'chromium' package to run tests/e2e"; fi; }

# WeasyPrint (certificates' PDFs) needs Pango; Debian's libpango-1.0-0 brings HarfBuzz and
# fontconfig with it. HarfBuzz-Subset makes font subsetting several times faster than WeasyPrint's
# fontTools fallback (a certificate renders in ~25 ms instead of ~100 ms). Installed only when
# missing and root with apt-get is available.
# Certificate PDFs need Pango (WeasyPrint) and, for learners' names in every script the
# Centre's communities write, Debian's Noto fonts, found by fontconfig and embedded in each
# PDF (never fetched while rendering): fonts-noto-core (Arabic, Urdu Nastaliq, Devanagari,
# Gujarati, Bengali...; 12 MB download, 42 MB installed) and fonts-noto-cjk (Chinese; 57 MB
# download, 91 MB installed).
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-core \
	fonts-noto-cjk
pdf-deps:
	@echo "make: checking the libraries and fonts certificate PDFs need..."
	@{ ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' && ldconfig -p | grep -q 'libpangoft2-1.0.so' \
	   && ldconfig -p | grep -q 'libharfbuzz-subset.so' \
	   && fc-list -q 'Noto Nastaliq Urdu' && fc-list -q 'Noto Sans Gujarati' && fc-list -q 'Noto Sans CJK SC'; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES) >/dev/null; \
	  else echo "Missing for certificate PDFs: install '$(PDF_PACKAGES)'"; fi; }

test: $(STAMP) e2e-deps pdf-deps translations
	$(BIN)/ruff check .
	$(BIN)/pytest

test-postgres: $(STAMP) e2e-deps pdf-deps translations
	LMS_TEST_DATABASE_URL='$(LMS_TEST_DATABASE_URL)' $(BIN)/pytest

bench: $(STAMP) pdf-deps translations
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; fi; }
	$(BIN)/python -m bench.run

lint: $(STAMP)
	$(BIN)/ruff check .

messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --project coop-lms -o lms/translations/messages.pot .

# New strings in the code: refresh the template, then carry them into every catalogue
# (`make messages catalogues`); translators then fill the empty entries. No fuzzy matching: a
# guess from a similar old string is a wrong translation a translator has to find first.
catalogues: $(STAMP)
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-wrap --ignore-obsolete --no-fuzzy-matching

translations: $(COMPILED)

lms/translations/%/LC_MESSAGES/messages.mo: lms/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@ -l $* --statistics

clean:
	rm -rf $(VENV) instance .pytest_cache lms/translations/*/LC_MESSAGES/*.mo
