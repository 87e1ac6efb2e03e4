# Two commands matter: `make run` (set up and serve with demo data, the job worker beside the
# web server; Ctrl-C stops both) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KAM := $(BIN)/kam
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup system-packages browser-packages lint imports messages assets serve clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# Debian packages kam needs: gettext compiles the translations.
system-packages:
	@command -v msgfmt >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq gettext; }

# Debian's Chromium and Chinese fonts for the browser tests (kam/web/tests/browser);
# Playwright drives /usr/bin/chromium, it never downloads a browser of its own.
browser-packages:
	@{ [ -x /usr/bin/chromium ] && dpkg -s fonts-noto-cjk >/dev/null 2>&1; } || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

messages: system-packages $(VENV)/.installed
	cd kam && ../$(KAM) compilemessages -v 0

# Front-end assets from the npm registry, pinned by package-lock.json; served by kam itself.
VENDOR := kam/web/static/vendor
$(VENDOR)/.installed: package.json package-lock.json
	command -v npm >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq npm; }
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	touch $@

assets: $(VENDOR)/.installed

setup: $(VENV)/.installed messages assets
	mkdir -p var
	$(KAM) migrate --noinput -v 0
	$(KAM) collectstatic --noinput -v 0

run: setup
	$(KAM) demo --if-empty
	$(KAM) serve --with-worker --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The architecture contract (pyproject.toml [tool.importlinter], docs/en/developer.md).
imports: $(VENV)/.installed
	$(BIN)/lint-imports --no-cache

test: setup browser-packages
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(KAM) makemigrations --check --dry-run
	env -u DATABASE_URL $(BIN)/pytest -q
	@if [ -n "$$DATABASE_URL" ]; then echo "== PostgreSQL: $$DATABASE_URL"; $(BIN)/pytest -q; fi

clean:
	rm -rf $(VENV) var node_modules $(VENDOR)
