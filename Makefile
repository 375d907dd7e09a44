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
# test-notebooks-extra installs the chapters' extra here, away from .venv.
SCRATCH_VENV ?= _build/notebooks-extra-venv
# One PyTorch chapter and one fairlearn chapter.
EXTRA_CHAPTERS := notebooks/05_mmd_sinkhorn.ipynb notebooks/07_three_families.ipynb
# tests/test_browser.py looks for the same names.
HAVE_CHROMIUM := command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1

.PHONY: help env lint book test test-lib test-notebooks test-browser test-notebooks-extra \
        notebooks student benchmarks binder-requirements clean

help:
	@echo "make book        build the HTML book into _build/html"
	@echo "make lint        ruff check and ruff format --check (rules in pyproject.toml)"
	@echo "make test        run the library tests, every chapter notebook (nbval) and the browser test"
	@echo "make test-lib    run only the library tests and doctests"
	@echo "make test-notebooks  run only the chapter notebooks (nbval)"
	@echo "make test-notebooks-extra  install .[notebooks] in a scratch venv and run chapters 5 and 7 there"
	@echo "make test-browser build the book, open every page in headless Chromium, offline, and run axe-core"
	@echo "make notebooks   re-execute the chapters in place to refresh their stored outputs"
	@echo "make student     write the student edition of the notebooks into student/"
	@echo "make benchmarks  run the speed benchmarks in benchmarks/"
	@echo "make binder-requirements  pin binder/requirements.txt to the versions in .venv"
	@echo "make env         create .venv (every other target does it when needed)"
	@echo "make clean       remove _build and the build outputs"

env: $(STAMP)

# The book and test extras include the notebooks extra (every chapter's imports).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_PIN)
	$(BIN)/python -m pip install --quiet -e ".[book,test]" $(TORCH_PIN)
	touch $@

# One tool per line, each of which must pass: ruff's rules (pyproject.toml,
# [tool.ruff]), then its formatter in check mode (`ruff format .` fixes).
# The type checker of the estimator contract joins here as a third line.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

book: $(STAMP)
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going
	@echo "The book is at $(CURDIR)/_build/html/index.html"

# -rs lists every skipped test with its reason. Without Chromium the browser
# tests skip, and the last line says so and how to install it.
test: $(STAMP)
	@status=0; \
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile -rs $(PYTEST_NB) --doctest-modules fairtutor tests notebooks \
	    || status=$$?; \
	if ! { $(HAVE_CHROMIUM); }; then \
	    echo "Browser tests (tests/test_browser.py) SKIPPED: Chromium is missing; install it with 'sudo apt-get install chromium' and rerun make test."; \
	fi; \
	exit $$status

test-lib: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --doctest-modules fairtutor tests

test-browser: $(STAMP)
	$(BIN)/python -m pytest -m browser tests/test_browser.py
	@echo "Screenshots of each page are in $(CURDIR)/_build/screenshots"

# The install that Colab, Binder, JupyterHub and graders use, in a fresh
# environment: `.[notebooks]` only (torch pinned to the CPU build on disk),
# then a PyTorch chapter and a fairlearn chapter run from a copy, away from
# the clone. Needs no .venv.
test-notebooks-extra:
	rm -rf $(SCRATCH_VENV)
	$(PYTHON) -m venv $(SCRATCH_VENV)
	$(SCRATCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	rm -rf build  # setuptools builds in place; a stale copy could end up in the wheel
	$(SCRATCH_VENV)/bin/python -m pip install --quiet $(TORCH_PIN) ".[notebooks]" nbclient
	env -u PYTHONPATH $(SCRATCH_VENV)/bin/python tools/run_chapters.py $(EXTRA_CHAPTERS)

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

# Binder gets the versions the book is built and tested with.
binder-requirements: $(STAMP)
	$(BIN)/python tools/binder_requirements.py > binder/requirements.txt

clean:
	rm -rf _build .pytest_cache build dist
