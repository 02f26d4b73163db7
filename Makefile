# pdfsign — the two set-up commands are `make demo` and `make test`; each installs what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEB_PACKAGES := poppler-utils openssl curl libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libnss3-tools postgresql faketime chromium nginx-light softhsm2
OUT := out
PKI := fixtures/pki

.PHONY: demo test bench lint serve serve-tsa deps debs clean fuzz

# Debian packages the tools and tests call (pdfsig, pdftoppm, openssl ts, pango for WeasyPrint,
# PostgreSQL, Chromium for the browser tests: Playwright drives /usr/bin/chromium; nginx for the
# mTLS tests of webui/deploy/nginx.conf).
debs:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The venv, installed from the pinned constraints so every machine gets the same versions.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	touch $@

deps: debs $(VENV)/.installed

demo: deps
	@rm -rf $(OUT) && mkdir -p $(OUT)
	bash fixtures/demo.sh $(OUT)

test: deps
	$(BIN)/python -m pytest -n 2 -q

# The long fuzz run (fuzz/README.md): >=100,000 TSA bodies, >=10,000 PDF mutants; crashing
# inputs are written under fuzz/crashes/.  `make fuzz FUZZ_SEED=n` for another sequence.
FUZZ_SEED ?= 12
fuzz: deps
	PDFSIGN_FUZZ=long $(BIN)/python -m pytest tests/fuzz -n 2 -q -p no:cacheprovider \
	  --hypothesis-seed=$(FUZZ_SEED) --hypothesis-show-statistics

lint: deps
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: deps
	$(BIN)/python -m benchmarks.run

# The web UI on the demo registry (made by the demo's job if missing), with one demo account
# per role; `make serve PORT=8081` for another port.  `make serve-tsa` serves the TSA alone.
PORT ?= 8080
serve: deps
	bash fixtures/serve.sh $(OUT) $(PORT)

serve-tsa: deps
	$(BIN)/pdfsign tsa serve --pki $(PKI)

clean:
	rm -rf $(OUT) $(VENV) .pytest_cache .mypy_cache .ruff_cache
