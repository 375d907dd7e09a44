# Two commands for a newcomer: `make book` and `make test`. Both create the
# virtual environment on first use and reuse it afterwards (the stamp file is
# rebuilt only when pyproject.toml changes), so a second run is quick.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.fairtutor-installed
# torch is pinned here, not in pyproject.toml: 2.13.0 is the CPU build that the
# course machines carry on local disk; the library itself accepts a range.
TORCH_PIN := torch==2.13.0
PYTEST_NB := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
JOBS ?= 2

.PHONY: help env book test test-lib test-notebooks test-browser notebooks student benchmarks clean \
        lint test-floors

help:
	@echo "make book        build the HTML book into _build/html"
	@echo "make test        run the library tests, every chapter notebook (nbval) and the browser test"
	@echo "make test-browser build the book and open every page in headless Chromium, offline"
	@echo "make notebooks   re-execute the chapters in place to refresh their stored outputs"
	@echo "make student     write the student edition of the notebooks into student/"
	@echo "make benchmarks  run the speed benchmarks in benchmarks/"
	@echo "make lint        check the type hints with mypy"
	@echo "make test-floors run the library tests on the lowest supported versions (scratch venv)"

env: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_PIN)
	$(BIN)/python -m pip install --quiet -e ".[book,test]" $(TORCH_PIN)
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going
	@echo "The book is at $(CURDIR)/_build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(PYTEST_NB) --doctest-modules fairtutor tests notebooks

test-lib: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --doctest-modules fairtutor tests

test-browser: $(STAMP)
	$(BIN)/python -m pytest -m browser tests/test_browser.py
	@echo "Screenshots of each page are in $(CURDIR)/_build/screenshots"

test-notebooks: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(PYTEST_NB) notebooks

notebooks: $(STAMP)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=python3 notebooks/*.ipynb

student: $(STAMP)
	$(BIN)/python -m fairtutor.classroom student notebooks --out student

# Type hints of the public API (Literal choices, return types), checked by mypy.
lint: $(STAMP)
	$(BIN)/python -m mypy --ignore-missing-imports fairtutor

# The lowest versions that pyproject.toml allows, each installed with ==floor in a
# scratch environment (never the project's), then the library tests: proves
# the floors true. Not part of `make test`: it downloads the old releases (once,
# into pip's cache); torch's floor is the CPU build on local disk.
FLOORS_VENV ?= /tmp/fairtutor-floors
FLOOR_PINS = $(shell sed -n '/^dependencies = \[/,/^\]/p' pyproject.toml \
                     | grep -o '"[^"]*>=[^"]*"' | tr -d '"' | sed 's/>=/==/')
test-floors:
	rm -rf $(FLOORS_VENV)
	$(PYTHON) -m venv $(FLOORS_VENV)
	printf '%s\n' $(FLOOR_PINS) > $(FLOORS_VENV)/floors.txt
	$(FLOORS_VENV)/bin/python -m pip install --quiet -r $(FLOORS_VENV)/floors.txt
	$(FLOORS_VENV)/bin/python -m pip install --quiet -c $(FLOORS_VENV)/floors.txt \
	    pytest hypothesis fairlearn geomloss
	$(FLOORS_VENV)/bin/python -m pip list 2>/dev/null | grep -i -E '^(numpy|scipy|scikit-learn|pandas|matplotlib|pot|torch|tqdm) '
	PYTHONPATH=$(CURDIR) $(FLOORS_VENV)/bin/python -m pytest -p no:cacheprovider -q \
	    --doctest-modules fairtutor \
	    tests/test_metrics.py tests/test_validation.py tests/test_risk.py tests/test_ferm.py \
	    tests/test_families.py tests/test_barycenter.py tests/test_divergences.py \
	    tests/test_representation.py tests/test_datasets.py tests/test_common.py

benchmarks: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf _build student .pytest_cache
