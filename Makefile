# DHR Forms. `make demo` runs the service; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STATIC := service/static/govuk
GOVUK := node_modules/govuk-frontend/dist/govuk
SCSS := service/static/scss/govuk.scss

.PHONY: all install assets translations browser scanner imap demo test lint format bench clean

all: install

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# GOV.UK Frontend's CSS is built from its Sass with Arial (service/static/scss/govuk.scss): GDS
# Transport is licensed for GOV.UK services only, so its font files are not copied either.
$(STATIC)/.copied: node_modules/.installed $(SCSS)
	rm -rf $(STATIC)
	mkdir -p $(STATIC)/assets
	node_modules/.bin/sass --load-path=node_modules --style=compressed --no-source-map --quiet-deps \
	  $(SCSS) $(STATIC)/govuk-frontend.min.css
	cp $(GOVUK)/govuk-frontend.min.js $(GOVUK)/govuk-frontend.min.js.map $(STATIC)/
	cp -R $(GOVUK)/assets/images $(GOVUK)/assets/manifest.json $(STATIC)/assets/
	touch $@

install: $(VENV)/.installed assets translations

assets: $(STATIC)/.copied

# The Welsh catalogue, compiled for Flask-Babel (translations/README.md).
CATALOGUES := $(wildcard translations/*/LC_MESSAGES/messages.po)
translations: $(CATALOGUES:.po=.mo)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(VENV)/bin/pybabel -q compile -i $< -o $@ -l $*

demo: install
	$(VENV)/bin/dhr demo

# The browser tests drive Debian's Chromium; no browser is ever downloaded by a test tool.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium fonts-liberation; }

# The upload tests start their own clamd (ClamAV's daemon) with a one-line signature database;
# freshclam is never run by the tests.
scanner:
	@command -v clamd >/dev/null 2>&1 || [ -x /usr/sbin/clamd ] || { \
	  echo "Installing Debian's clamav-daemon for the upload tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    clamav-daemon; }

# The bounce-report tests start their own Dovecot (IMAPS on loopback) in a temporary folder.
imap:
	@command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || { \
	  echo "Installing Debian's dovecot-imapd for the bounce-report tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    dovecot-imapd; }

test: install browser scanner imap
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) -m pytest tests/bench -m bench -q -s $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules $(STATIC) var translations/*/LC_MESSAGES/*.mo
