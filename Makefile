# golive developer commands. Everything installs into ./.venv; nothing global.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv demo test lint typecheck unit bench docs native-check clean

venv: $(STAMP)

$(STAMP): pyproject.toml setup.py src/golive/_native.c src/golive/_gate.c src/golive/_findings.c src/golive/_native.h
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: install, create a SQLite control plane with the five reference tenants, serve it
DEMO_DB := sqlite:///.golive/demo.db
demo: venv
	@echo "== golive $$($(BIN)/golive --version)"
	@mkdir -p .golive && rm -f .golive/demo.db .golive/demo.db-wal .golive/demo.db-shm
	GOLIVE_DATABASE_URL=$(DEMO_DB) $(BIN)/golive demo seed --url http://127.0.0.1:8700
	@echo "== serving the console on http://127.0.0.1:8700/ and the API under /api/v1 (Ctrl-C stops)"
	GOLIVE_DATABASE_URL=$(DEMO_DB) $(BIN)/golive serve --host 127.0.0.1 --port 8700

## test: install, lint, format check, type check, then the whole test suite
test: venv lint typecheck unit

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy --strict src/

unit: venv
	$(BIN)/pytest -q

## bench: run the benchmarks under bench/ (results go to docs/performance.md by hand)
bench: venv
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

## docs: regenerate the generated references (policy schema and reference, CLI, settings)
docs: venv
	$(BIN)/python -m golive.tools.gendocs

## native-check: build golive._native with AddressSanitizer and UBSan into a scratch copy of
## src/ and run the tests of the compiled paths against it (needs gcc; not part of `make test`)
NATIVE_TESTS := tests/ledger/test_bundle_scan.py tests/ledger/test_native_verifier.py \
  tests/ledger/test_native_pg.py tests/ledger/test_tiles.py tests/gate/test_rows_native.py \
  tests/gate/test_pack_native.py tests/evidence/test_sarif_fast_path.py \
  tests/gate/test_gate_parallel_output.py tests/gate/test_gate_engine.py \
  tests/gate/test_merge_native.py tests/evidence/test_junit_native.py
native-check: venv
	@set -e; scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; cp -r src "$$scratch/src"; \
	suffix=$$($(BIN)/python -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))"); \
	include=$$($(BIN)/python -c "import sysconfig; print(sysconfig.get_paths()['include'])"); \
	rm -f "$$scratch"/src/golive/_native*.so; \
	pq=$$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql); \
	if [ -f "$$pq/libpq-fe.h" ]; then libpq="-DGOLIVE_LIBPQ=1 -I$$pq -lpq"; else libpq=; fi; \
	gcc -Wall -Wextra -Werror -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	  -pthread -shared -fPIC -I"$$include" src/golive/_native.c src/golive/_gate.c src/golive/_findings.c \
	  -o "$$scratch/src/golive/_native$$suffix" -lsqlite3 -lcrypto $$libpq; \
	LD_PRELOAD="$$(gcc -print-file-name=libasan.so):$$(gcc -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	PYTHONPATH="$$scratch/src" $(BIN)/python -c "import sys, golive._native as n; \
	  assert n.__file__.startswith(sys.argv[1]), n.__file__" "$$scratch"; \
	LD_PRELOAD="$$(gcc -print-file-name=libasan.so):$$(gcc -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	PYTHONPATH="$$scratch/src" $(BIN)/pytest -q -p no:cacheprovider $(NATIVE_TESTS) \
	  -k "not offline_commands"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
