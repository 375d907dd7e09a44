"""Every exercise's check rejects plausible wrong answers and accepts the reference (issue 16).

For each chapter ``notebooks/<stem>.ipynb``, ``tests/exercise_mutations/<stem>.py``
lists wrong answers per exercise (``MUTATIONS = {"<exercise id>": [(why, code),
...]}``; the code replaces what lies between ``### BEGIN SOLUTION`` and
``### END SOLUTION``). One kernel per chapter runs the chapter's ordinary cells
in order and, at each exercise:

1. the **student edition** of the check cell (hidden tests removed) after
   only the given cell, as a student who has not answered yet: it must fail
   with an ``ExerciseError`` (the fairtutor sentence), never a ``NameError``
   or ``TypeError``;
2. each **mutant**: the given cell, the mutant solution, the full check cell
   (hidden tests included): it must fail with an ``ExerciseError``;
3. the **reference**: given, solution, check: it must pass.

Before each of these runs, and after the exercise, every name that any
exercise's solution creates is deleted from the kernel, so each exercise is
graded on its own, as nbgrader grades a notebook where other exercises were
skipped. A chapter whose ordinary cells need such a name fails here too (it
would fail for a student who skipped that exercise).

A mutant must not reassign a variable of the chapter's ordinary cells (the
given cell is re-run, the ordinary cells are not). Run one chapter with
``pytest tests/test_exercise_mutations.py -k 01_measuring``; with pytest-xdist,
``--dist loadfile`` keeps the tests of one chapter on one worker.
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from fairtutor import classroom

import synthetic_chapter

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MUTATION_DIR = Path(__file__).resolve().parent / "exercise_mutations"
MIN_MUTANTS = 2
CELL_TIMEOUT = 900


def read(path):
    return nbformat.read(path, as_version=4)


def load_mutations(stem):
    """``MUTATIONS`` of tests/exercise_mutations/<stem>.py, or None if there is no file."""
    path = MUTATION_DIR / f"{stem}.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"exercise_mutations_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MUTATIONS


def mutation_list_problems(notebook, mutations, stem):
    """What is missing from a chapter's list of wrong answers (empty if nothing)."""
    if mutations is None:
        return [
            f"tests/exercise_mutations/{stem}.py is missing: list at least "
            f"{MIN_MUTANTS} wrong answers for each exercise of {stem}"
        ]
    exercises = {e.id: e for e in classroom.find_exercises(notebook) if e.solution is not None}
    problems = []
    for exercise_id, exercise in exercises.items():
        given = mutations.get(exercise_id, [])
        if exercise.check is not None and len(given) < MIN_MUTANTS:
            problems.append(
                f"{stem}: exercise {exercise_id!r} has {len(given)} wrong "
                f"answers in tests/exercise_mutations/{stem}.py; "
                f"it needs at least {MIN_MUTANTS}"
            )
        for entry in given:
            if not (
                isinstance(entry, tuple)
                and len(entry) == 2
                and all(isinstance(x, str) and x.strip() for x in entry)
            ):
                problems.append(
                    f"{stem}: exercise {exercise_id!r}: each wrong answer is a "
                    f"(why, code) pair of strings, got {entry!r}"[:300]
                )
    for stale in sorted(set(mutations) - set(exercises)):
        problems.append(
            f"{stem}: tests/exercise_mutations/{stem}.py lists {stale!r}, which "
            "is no exercise of the chapter (no '<id>-solution' cell)"
        )
    return problems


def _assigned(source):
    try:
        return classroom._top_level_assigned(classroom._parse(source))
    except SyntaxError:
        return set()


class ChapterRun:
    """One kernel that runs a chapter's cells, and mutants in their place."""

    def __init__(self, notebook, path):
        self.notebook = notebook
        self.client = NotebookClient(
            notebook,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            allow_errors=False,
            resources={"metadata": {"path": str(path.parent)}},
        )

    def run(self, source, index):
        """Run ``source`` as cell ``index``; return (error or None, seconds)."""
        cell = nbformat.v4.new_code_cell(source)
        start = time.perf_counter()
        try:
            self.client.execute_cell(cell, index)
        except CellExecutionError as error:
            return error, time.perf_counter() - start
        return None, time.perf_counter() - start

    def forget(self, names):
        if names:
            self.run(
                f"for _name in {sorted(names)!r}:\n    globals().pop(_name, None)\ndel _name\n", 0
            )


def _describe(error):
    return "no error" if error is None else f"{error.ename}: {error.evalue}"[:300]


def run_chapter(path, mutations):
    """Run the mutation protocol on one notebook; return (problems, timings).

    ``timings`` maps each exercise id to the seconds its reference check cell took.
    """
    notebook = read(path)
    cells = notebook.cells
    exercises = [
        e
        for e in classroom.find_exercises(notebook)
        if e.solution is not None and e.check is not None
    ]
    in_exercise = {i for e in classroom.find_exercises(notebook) for i in e.cells}
    starts = {e.cells[0]: e for e in exercises}
    shared = set()
    for index, cell in enumerate(cells):
        if cell.cell_type == "code" and (
            index not in in_exercise or any(index == e.given for e in exercises)
        ):
            shared |= _assigned(cell.source)
    answers = set()
    for exercise in exercises:
        answers |= _assigned(cells[exercise.solution].source)
        for _, code in (mutations or {}).get(exercise.id, []):
            answers |= _assigned(code)
    answers -= shared

    problems, timings = [], {}
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
    )
    run = ChapterRun(notebook, path)
    with run.client.setup_kernel(env=env, cwd=str(path.parent)):
        for index, cell in enumerate(cells):
            if index in starts:
                exercise = starts[index]
                problems += _run_exercise(
                    run, exercise, cells, mutations, answers, path.name, timings
                )
            elif cell.cell_type == "code" and index not in in_exercise:
                error, _ = run.run(cell.source, index)
                if error is not None:
                    problems.append(
                        f"{path.name}, cell {index} (not part of an exercise) "
                        f"failed: {_describe(error)}"
                    )
                    return problems, timings
    return problems, timings


def _run_exercise(run, exercise, cells, mutations, answers, name, timings):
    where = f"{name}, exercise {exercise.id!r}"
    given = cells[exercise.given].source if exercise.given is not None else ""
    solution = cells[exercise.solution].source
    check = cells[exercise.check].source
    problems = []

    def attempt(solution_source):
        run.forget(answers)
        for source, index, role in (
            (given, exercise.given, "given"),
            (solution_source, exercise.solution, "solution"),
        ):
            if source is None or index is None:
                continue
            error, _ = run.run(source, index)
            if error is not None:
                return role, error, 0.0
        error, seconds = run.run(check, exercise.check)
        return "check", error, seconds

    # 1. the student edition, nothing answered: a fairtutor sentence, not a crash
    run.forget(answers)
    if exercise.given is not None:
        error, _ = run.run(given, exercise.given)
        if error is not None:
            problems.append(f"{where}: the given cell fails: {_describe(error)}")
            return problems
    error, _ = run.run(classroom.strip_hidden_tests(check), exercise.check)
    if error is None:
        problems.append(f"{where}: the student edition's check passes with no answer")
    elif error.ename != "ExerciseError":
        problems.append(
            f"{where}: with no answer, the student's check cell fails with "
            f"{_describe(error)} instead of an ExerciseError sentence"
        )

    # 2. each wrong answer is rejected by the check (hidden tests included)
    for why, code in (mutations or {}).get(exercise.id, []):
        role, error, _ = attempt(classroom.with_solution(solution, code))
        if role != "check":
            problems.append(
                f"{where}: wrong answer {why!r} fails in the {role} cell, before "
                f"the check ({_describe(error)}); a wrong answer must run"
            )
        elif error is None:
            problems.append(f"{where}: the check accepts the wrong answer {why!r}")
        elif error.ename != "ExerciseError":
            problems.append(
                f"{where}: wrong answer {why!r} makes the check crash with "
                f"{_describe(error)} instead of an ExerciseError"
            )

    # 3. the reference answer passes
    role, error, seconds = attempt(solution)
    if error is not None:
        problems.append(
            f"{where}: the reference solution fails in the {role} cell: {_describe(error)}"
        )
    timings[exercise.id] = seconds
    # the chapter goes on as for a student who skipped the exercise
    run.forget(answers)
    return problems


def _report(timings):
    return ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())


# ---------------------------------------------------------------------------
# The harness itself, on the synthetic chapter that follows the convention.


def test_harness_passes_a_chapter_that_follows_the_convention(tmp_path):
    path = synthetic_chapter.write(tmp_path)
    notebook = read(path)
    assert classroom.check_convention(notebook) == []
    assert mutation_list_problems(notebook, synthetic_chapter.MUTATIONS, path.stem) == []
    problems, timings = run_chapter(path, synthetic_chapter.MUTATIONS)
    assert problems == []
    assert set(timings) == {"toy-deo", "toy-rate"}


def test_harness_catches_weak_checks_crashes_and_shared_answers(tmp_path):
    notebook = synthetic_chapter.notebook()
    cells = {c["metadata"].get("nbgrader", {}).get("grade_id"): c for c in notebook["cells"]}
    # a check that reads the answer directly: NameError for a student with no answer
    cells["toy-rate-check"]["source"] = cells["toy-rate-check"]["source"].replace(
        'selection_rate, rate_answer = require(globals(), "selection_rate", "rate_answer")', ""
    )
    # a check without hidden tests accepts a function that is right only on the given data
    cells["toy-deo-check"]["source"] = classroom.strip_hidden_tests(
        cells["toy-deo-check"]["source"]
    )
    # a chapter cell that uses an exercise's answer
    notebook["cells"][9]["source"] = "print(round(deo_answer, 3))\n"
    path = tmp_path / "02_broken.ipynb"
    nbformat.write(nbformat.from_dict(notebook), path)
    mutations = dict(synthetic_chapter.MUTATIONS)
    mutations["toy-rate"] = mutations["toy-rate"] + [
        ("the reference itself", classroom.solution_code(cells["toy-rate-solution"]["source"])),
        ("crashes before the check", "raise ValueError('oops')"),
    ]
    problems, _ = run_chapter(path, mutations)
    text = "\n".join(problems)
    assert (
        "exercise 'toy-deo': the check accepts the wrong answer 'the right number, "
        "typed in; the function is a constant'"
    ) in text
    assert "cell 9 (not part of an exercise) failed: NameError" in text
    # the chapter stops at the failing cell: later exercises are not run
    assert "toy-rate" not in text
    notebook["cells"][9]["source"] = "print('fine')\n"
    nbformat.write(nbformat.from_dict(notebook), path)
    problems, _ = run_chapter(path, mutations)
    text = "\n".join(problems)
    assert (
        "exercise 'toy-rate': with no answer, the student's check cell fails with NameError"
    ) in text
    assert "the check accepts the wrong answer 'the reference itself'" in text
    assert "wrong answer 'crashes before the check' fails in the solution cell" in text
    assert len(problems) == 4, problems


def test_mutation_lists_are_complete():
    notebook = synthetic_chapter.notebook()
    short = {"toy-deo": synthetic_chapter.MUTATIONS["toy-deo"][:1], "toy-old": [("a", "b")]}
    problems = mutation_list_problems(notebook, short, "01_synthetic")
    assert problems == [
        "01_synthetic: exercise 'toy-deo' has 1 wrong answers in "
        "tests/exercise_mutations/01_synthetic.py; it needs at least 2",
        "01_synthetic: exercise 'toy-rate' has 0 wrong answers in "
        "tests/exercise_mutations/01_synthetic.py; it needs at least 2",
        "01_synthetic: tests/exercise_mutations/01_synthetic.py lists 'toy-old', which is "
        "no exercise of the chapter (no '<id>-solution' cell)",
    ]
    assert "is missing" in mutation_list_problems(notebook, None, "01_synthetic")[0]


# ---------------------------------------------------------------------------
# The chapters.


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_checks_reject_wrong_answers(path):
    notebook = read(path)
    convention = classroom.check_convention(notebook, path.name)
    assert not convention, (
        "the chapter does not follow the exercise convention (issue 16); "
        "fix these first:\n" + "\n".join(convention)
    )
    mutations = load_mutations(path.stem)
    listed = mutation_list_problems(notebook, mutations, path.stem)
    assert not listed, "\n".join(listed)
    problems, timings = run_chapter(path, mutations)
    print(f"{path.stem}: reference check cells: {_report(timings)}")
    assert not problems, "\n".join(problems)
