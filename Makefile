# detsig developer and user entry points. Every target sets up .venv by itself when it is
# missing or pyproject.toml changed, so a fresh clone needs nothing but python3 and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NUMBA_CACHE_DIR ?= $(CURDIR)/.cache/numba

.PHONY: demo test test-nojit lint bench firmware-test system-deps clean help

help:
	@echo "make demo   - record an emulated lane, detect, score, write ./detsig-demo/"
	@echo "make test   - lint, then the whole test suite (also the C and firmware tests)"
	@echo "make lint   - ruff (lint + format check) and mypy"
	@echo "make bench  - speed benchmarks (benchmarks/)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/detsig demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/python tools/check_layers.py

# Tests draw Qt windows offscreen (no display needed); `make demo` opens a real window when
# the desktop has a display.
test: export QT_QPA_PLATFORM ?= offscreen
test: lint system-deps
	$(MAKE) -C firmware_io test
	$(BIN)/python -m pytest -q
	$(MAKE) test-nojit

# The dsp and detect kernels must also be right as plain Python (as their references are).
test-nojit: export QT_QPA_PLATFORM ?= offscreen
test-nojit: $(STAMP)
	NUMBA_DISABLE_JIT=1 $(BIN)/python -m pytest -q -m "not slow and not gui" tests/dsp tests/detect tests/survey/test_grid.py

bench: $(STAMP)
	$(BIN)/detsig bench speed

# Debian packages the C/firmware tests need; installed only when missing.
SYSTEM_PACKAGES := gcc make pkg-config gcc-avr avr-libc binutils-avr libsimavr-dev libsimavrparts1 libelf-dev
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; \
	fi

clean:
	rm -rf $(VENV) .cache build dist src/*.egg-info detsig-demo
