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

.PHONY: help env book test test-lib test-notebooks test-browser notebooks student benchmarks clean

help:
	@echo "make book        build the HTML book into _build/html"
	@echo "make test        run the library tests, every chapter notebook (nbval) and the browser test"
	@echo "make test-browser build the book and open every page in headless Chromium, offline"
	@echo "make notebooks   re-execute the chapters in place to refresh their stored outputs"
	@echo "make student     write the student edition of the notebooks into student/"
	@echo "make benchmarks  run the speed benchmarks in benchmarks/"

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

# Standard library only: no virtual environment is built for it. The student
# edition in student/ is committed: the book's Binder and Colab buttons open it.
student:
	PYTHONPATH=$(CURDIR) $(PYTHON) -m fairtutor.classroom student notebooks --out student

# nbgrader generate -> autograde -> export on a correct, a wrong and an untouched
# submission; installs nbgrader into _build/classroom-env on first use.
test-nbgrader: $(STAMP)
	$(BIN)/python -m pytest -p no:xdist -s tests/test_nbgrader.py

benchmarks: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf _build .pytest_cache
