# Everyday tasks. `make help` lists them; every tool runs from the venv ($(VENV)).
#   make install                  a venv with ootkg editable and its dev extras
#   make test                     the suite (real-decomp tests skip without OOT_DECOMP)
#   make test-decomp OOT_DECOMP=~/oot [OOTKG_TEST_GRAPH=DIR]
#   make lint | format | format-check | typecheck
#   make bench                    the benchmarks that need no checkout (rewrite BENCHMARKS.md)
#   make bench-decomp OOT_DECOMP=~/oot | make bench-graph GRAPH=DIR
#   make bench-NAME ARGS="..."    one script, bench/bench_NAME.py (dashes for underscores);
#                                 bench-review needs GRAPH and RUN=FILE, bench-code BASE=DIR

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?= -q
ARGS ?=
OOT_DECOMP ?=
# a graph of the real decomp, for the benchmarks that read one (and the decomp tests)
GRAPH ?= $(OOTKG_TEST_GRAPH)

# no-checkout benchmarks with their usual arguments
BENCH := store validate generate claims validate-stream
BENCH_DECOMP := ingest domain addresses
BENCH_GRAPH := judge service-load

# benchmarks share the machine badly with each other
.NOTPARALLEL:

.PHONY: help install test test-decomp lint format format-check typecheck check \
	bench bench-decomp bench-graph

help: ## this list
	@grep -E '^[a-z%-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

install: ## a venv (.venv; VENV=DIR for another) with ootkg editable and its dev extras
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"

test: ## the whole suite, as CI runs it (PYTEST_ARGS="-q -k x" to narrow)
	$(BIN)/pytest $(PYTEST_ARGS)

test-decomp: ## the real-decomp tests (OOT_DECOMP=PATH; OOTKG_TEST_GRAPH=DIR reuses a graph)
	@test -n "$(OOT_DECOMP)" || { echo "make test-decomp needs OOT_DECOMP=/path/to/oot (a zeldaret/oot checkout)" >&2; exit 2; }
	OOT_DECOMP="$(OOT_DECOMP)" $(BIN)/pytest $(PYTEST_ARGS) -m decomp

lint: ## ruff check
	$(BIN)/ruff check .

format: ## ruff format (rewrites files)
	$(BIN)/ruff format .

format-check: ## ruff format --check (changes nothing)
	$(BIN)/ruff format --check .

typecheck: ## mypy on the packages ([tool.mypy] in pyproject.toml)
	$(BIN)/mypy

check: lint format-check typecheck test ## everything above that changes nothing

bench: $(addprefix bench-,$(BENCH)) ## the benchmarks that need no checkout or graph

bench-decomp: ## the benchmarks of a real checkout (OOT_DECOMP=PATH)
	@test -n "$(OOT_DECOMP)" || { echo "make bench-decomp needs OOT_DECOMP=/path/to/oot" >&2; exit 2; }
	$(MAKE) $(addprefix bench-,$(BENCH_DECOMP))

bench-graph: ## the benchmarks of a real graph (GRAPH=DIR, default OOTKG_TEST_GRAPH)
	@test -n "$(GRAPH)" || { echo "make bench-graph needs GRAPH=DIR (a graph of the real decomp)" >&2; exit 2; }
	$(MAKE) $(addprefix bench-,$(BENCH_GRAPH))

# The usual arguments of each script; ARGS adds to them (e.g. ARGS=--no-write where taken).
# Unset inputs are left out, so the script itself says what it needs.
ARGS_validate-stream := --lines 300000
ARGS_judge = $(if $(GRAPH),--db "$(GRAPH)")
ARGS_review = $(if $(GRAPH),--db "$(GRAPH)") $(if $(RUN),--run "$(RUN)")
ARGS_service-load = $(if $(GRAPH),--db "$(GRAPH)") $(if $(OOT_DECOMP),--decomp "$(OOT_DECOMP)")
ARGS_code = $(if $(BASE),--base "$(BASE)")

bench-%: ## one benchmark: bench/bench_NAME.py with its usual arguments and ARGS
	@test -f bench/bench_$(subst -,_,$*).py || { echo "no bench/bench_$(subst -,_,$*).py" >&2; exit 2; }
	$(if $(OOT_DECOMP),OOT_DECOMP="$(OOT_DECOMP)") $(BIN)/python bench/bench_$(subst -,_,$*).py $(ARGS_$*) $(ARGS)
