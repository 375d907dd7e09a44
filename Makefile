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
        notebooks student slides rubrics benchmarks binder-requirements clean test-floors

help:
	@echo "make book        build the HTML book into _build/html"
	@echo "make lint        ruff check, ruff format --check and mypy (rules in pyproject.toml)"
	@echo "make test        run the library tests, every chapter notebook (nbval) and the browser test"
	@echo "make test-lib    run only the library tests and doctests"
	@echo "make test-notebooks  run only the chapter notebooks (nbval)"
	@echo "make test-notebooks-extra  install .[notebooks] in a scratch venv and run chapters 5 and 7 there"
	@echo "make test-browser build the book, open every page in headless Chromium, offline, and run axe-core"
	@echo "make notebooks   re-execute the chapters in place to refresh their stored outputs"
	@echo "make student     write the student edition of the notebooks into student/"
	@echo "make slides      write reveal.js slides of every chapter into _build/slides (offline)"
	@echo "make rubrics     write the instructor-only rubrics and answer key into _build/instructor"
	@echo "make benchmarks  run the speed benchmarks in benchmarks/"
	@echo "make binder-requirements  pin binder/requirements.txt to the versions in .venv"
	@echo "make test-floors run the library tests on the lowest supported versions (scratch venv)"
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
# ruff (rules in pyproject.toml), then the public API's type hints (Literal
# choices, return types) with mypy.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m mypy --ignore-missing-imports fairtutor

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

# reveal.js slides of every chapter, selected from the notebooks' cells by a
# rule (tools/slides.py); reveal.js and MathJax are copied in, no network.
# make book publishes the same decks under _build/html/_static/slides.
slides: $(STAMP)
	$(BIN)/python tools/slides.py --out _build/slides

# Instructor edition only, never published: rubrics of the written answers
# (criteria from book/course.yml, points from the nbgrader metadata) and the
# answer key with every solution.
rubrics: $(STAMP)
	$(BIN)/python tools/rubrics.py --out _build/instructor/rubrics.md
	PYTHONPATH=$(CURDIR) $(BIN)/python -m fairtutor.classroom answer-key notebooks \
	    --mutations tests/exercise_mutations --out _build/instructor/answer_key.md

# nbgrader generate -> autograde -> export on a correct, a wrong and an untouched
# submission; installs nbgrader into _build/classroom-env on first use.
test-nbgrader: $(STAMP)
	$(BIN)/python -m pytest -p no:xdist -s tests/test_nbgrader.py

# Type hints of the public API (Literal choices, return types), checked by mypy.
# The lowest versions that pyproject.toml allows, each installed with ==floor in a
# scratch environment (never the project's), then the library tests: proves
# the floors true. Not part of `make test`: it downloads the old releases (once,
# into pip's cache); torch's floor is the CPU build on local disk.
FLOORS_VENV ?= /tmp/fairtutor-floors
FLOOR_PINS = $(shell sed -n -e '/^dependencies = \[/,/^\]/p' -e '/^torch = \[/,/^\]/p' pyproject.toml \
                     | grep -o '"[^"]*>=[^"]*"' | tr -d '"' | sed 's/>=/==/') \
             $(shell grep -o '"pot>=[^"]*"' pyproject.toml | tr -d '"' | sed 's/>=/==/')
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

# Binder gets the versions the book is built and tested with.
binder-requirements: $(STAMP)
	$(BIN)/python tools/binder_requirements.py > binder/requirements.txt

clean:
	rm -rf _build .pytest_cache build dist
