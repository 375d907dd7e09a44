"""fairtutor.classroom: the student edition, the convention checker and the answer key.

Most tests run on tests/synthetic_chapter.py, a notebook that follows the
convention exactly, and break it one rule at a time.
"""

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fairtutor import classroom

import synthetic_chapter

ROOT = Path(__file__).resolve().parents[1]


def by_id(notebook):
    return {c["metadata"].get("nbgrader", {}).get("grade_id"): c for c in notebook["cells"]}


def code_cell(source, nbgrader=None, outputs=()):
    cell = {
        "cell_type": "code",
        "source": source,
        "metadata": {},
        "outputs": list(outputs),
        "execution_count": 1,
    }
    if nbgrader is not None:
        cell["metadata"]["nbgrader"] = nbgrader
    return cell


def notebook(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


SOLUTION = {"solution": True, "grade": False, "grade_id": "ex-solution", "locked": False}


def test_synthetic_chapter_follows_the_convention():
    assert classroom.check_convention(synthetic_chapter.notebook()) == []
    [deo, rate] = classroom.find_exercises(synthetic_chapter.notebook())
    assert (deo.id, deo.given, deo.solution, deo.written, deo.check, deo.points) == (
        "toy-deo",
        4,
        5,
        [6],
        7,
        3.0,
    )
    assert (rate.id, rate.points) == ("toy-rate", 1.0)


def test_student_edition_strips_solutions_hidden_tests_and_model_answers():
    instructor = synthetic_chapter.notebook()
    student = classroom.make_student_notebook(instructor)
    cells, original = by_id(student), by_id(instructor)
    assert cells["toy-deo-solution"]["source"] == (
        '# YOUR CODE HERE\nraise NotImplementedError()\nprint(f"DEO = {deo_answer:.4f}")\n'
    )
    written = cells["toy-deo-written"]["source"]
    assert written.startswith("Why does the difference of equal opportunity")
    assert written.endswith("YOUR ANSWER HERE\n") and "true-positive rate" not in written
    for check in ("toy-deo-check", "toy-rate-check"):
        text = cells[check]["source"]
        assert "HIDDEN" not in text and "_rng" not in text and "_hidden" not in text
        assert text.endswith('print("Correct!")\n')
        visible = original[check]["source"].split(classroom.BEGIN_HIDDEN)[0]
        assert text.startswith(visible)
    # everything else is kept as it is: setup cell, given cells, prose, tags
    for index, cell in enumerate(instructor["cells"]):
        role = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
        if not role.endswith(("-solution", "-written", "-check")):
            assert student["cells"][index]["source"] == cell["source"], index
            assert student["cells"][index]["metadata"] == cell["metadata"], index
    assert student["cells"][1]["metadata"]["tags"] == ["colab-setup", "nbval-ignore-output"]


def test_solution_replaced_indentation_kept_and_outputs_cleared():
    source = (
        "def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\nanswer = f(3)"
    )
    nb = notebook(
        code_cell(source, SOLUTION, outputs=[{"output_type": "stream"}]),
        code_cell("check_true(answer == 6, 'no')", {"grade": True}),
    )
    student = classroom.make_student_notebook(nb)
    assert student["cells"][0]["source"] == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\nanswer = f(3)"
    )
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in student["cells"])
    assert nb["cells"][0]["outputs"], "the input notebook must not change"


def test_markdown_solution_without_markers_is_replaced_whole():
    cell = {
        "cell_type": "markdown",
        "source": "The answer is 42.",
        "metadata": {"nbgrader": dict(SOLUTION, grade_id="written")},
    }
    student = classroom.make_student_notebook(notebook(cell))
    assert student["cells"][0]["source"] == "YOUR ANSWER HERE"


def test_solution_code_and_with_solution_round_trip():
    source = by_id(synthetic_chapter.notebook())["toy-deo-solution"]["source"]
    code = classroom.solution_code(source)
    assert code.startswith("def deo_by_hand") and "BEGIN" not in code
    assert classroom.with_solution(source, code) == source
    mutated = classroom.with_solution(source, "deo_answer = 0.5\n")
    assert mutated == (
        '### BEGIN SOLUTION\ndeo_answer = 0.5\n### END SOLUTION\nprint(f"DEO = {deo_answer:.4f}")\n'
    )
    with pytest.raises(ValueError, match="BEGIN SOLUTION"):
        classroom.with_solution("x = 1", "x = 2")


def _edit(grade_id, *, source=None, meta=None, cell_type=None, drop=False):
    """The synthetic chapter with one cell changed."""
    nb = synthetic_chapter.notebook()
    cells = nb["cells"]
    index = next(
        i
        for i, c in enumerate(cells)
        if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id
    )
    if drop:
        del cells[index]
        return nb
    if source is not None:
        cells[index]["source"] = source(cells[index]["source"])
    if meta is not None:
        cells[index]["metadata"]["nbgrader"].update(meta)
    if cell_type is not None:
        cells[index]["cell_type"] = cell_type
    return nb


def _swap_given_and_solution():
    nb = synthetic_chapter.notebook()
    nb["cells"][4], nb["cells"][5] = nb["cells"][5], nb["cells"][4]
    return nb


def _duplicate_id():
    nb = synthetic_chapter.notebook()
    nb["cells"].append(copy.deepcopy(nb["cells"][-1]))
    return nb


def _worded_rate():
    nb = synthetic_chapter.notebook()
    statement = nb["cells"][10]["source"]
    nb["cells"][10]["source"] = statement[:-3] + "Why is the rate below one half?\n```"
    return nb


BROKEN = {
    "no given cell": (
        lambda: _edit("toy-deo-given", drop=True),
        "exercise 'toy-deo': no given cell (grade_id 'toy-deo-given')",
    ),
    "no check cell": (
        lambda: _edit("toy-rate-check", drop=True),
        "exercise 'toy-rate': no check cell",
    ),
    "given cell editable": (
        lambda: _edit("toy-deo-given", meta={"locked": False}),
        "given cell 'toy-deo-given' needs \"locked\": true",
    ),
    "check cell unlocked": (
        lambda: _edit("toy-deo-check", meta={"locked": False}),
        "check cell 'toy-deo-check' needs \"locked\": true",
    ),
    "check cell without points": (
        lambda: _edit("toy-deo-check", meta={"points": 0}),
        "graded cell 'toy-deo-check' has no points",
    ),
    "written answer without points": (
        lambda: _edit("toy-deo-written", meta={"points": None}),
        "graded cell 'toy-deo-written' has no points",
    ),
    "written answer without markers": (
        lambda: _edit("toy-deo-written", source=lambda s: s.replace("### ", "")),
        "written cell without '### BEGIN SOLUTION'",
    ),
    "written answer in a code cell": (
        lambda: _edit("toy-deo-written", cell_type="code"),
        "written cell 'toy-deo-written' must be a markdown cell",
    ),
    "solution without markers": (
        lambda: _edit("toy-rate-solution", source=lambda s: s.replace("### ", "")),
        "solution cell without '### BEGIN SOLUTION'",
    ),
    "schema version": (
        lambda: _edit("toy-rate-given", meta={"schema_version": 1}),
        "'toy-rate-given' needs \"schema_version\": 3",
    ),
    "grade_id without role": (
        lambda: _edit("toy-rate-given", meta={"grade_id": "toy-data"}),
        "grade_id 'toy-data' does not end in -given",
    ),
    "duplicate grade_id": (_duplicate_id, "duplicate grade_id 'toy-rate-check'"),
    "wrong order": (
        _swap_given_and_solution,
        "exercise 'toy-deo': cells must come in the order given, solution, check",
    ),
    "no hidden tests": (
        lambda: _edit("toy-rate-check", source=lambda s: s.split("### BEGIN HIDDEN")[0]),
        "check cell has no '### BEGIN HIDDEN TESTS'",
    ),
    "helper not imported": (
        lambda: _edit("toy-rate-check", source=lambda s: s.replace("check_true, ", "")),
        "check cell uses check_true without importing it",
    ),
    "bare assert": (
        lambda: _edit("toy-rate-check", source=lambda s: s + "assert rate_answer < 1\n"),
        "check cell uses a bare `assert`",
    ),
    "answer read directly": (
        lambda: _edit(
            "toy-rate-check",
            source=lambda s: s.replace(
                'selection_rate, rate_answer = require(globals(), "selection_rate", "rate_answer")',
                'selection_rate = require(globals(), "selection_rate")',
            ),
        ),
        "check cell reads rate_answer from the solution cell directly",
    ),
    "another exercise's answer": (
        lambda: _edit(
            "toy-rate-check",
            source=lambda s: s.replace(
                'print("Correct!")', 'check_close("x", deo_answer, 0.25)\nprint("Correct!")'
            ),
        ),
        "check cell uses deo_answer, created in another exercise's solution cell",
    ),
    "data in the solution cell": (
        lambda: _edit("toy-deo-solution", source=lambda s: "y_pred_ex = y_true_ex.copy()\n" + s),
        "solution cell 'toy-deo-solution' creates y_pred_ex outside the solution markers",
    ),
    "question in words without a written cell": (
        _worded_rate,
        "exercise 'toy-rate': the statement asks for an answer in words (Why)",
    ),
    "syntax error": (
        lambda: _edit("toy-rate-check", source=lambda s: s + "check_true(\n"),
        "check cell is not valid Python",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_convention_problems_are_reported(case):
    make, problem = BROKEN[case]
    problems = classroom.check_convention(make(), "01_synthetic.ipynb")
    assert any(problem in p for p in problems), problems


def test_shared_data_from_ordinary_cells_is_allowed():
    # a name created by an ordinary cell (and reassigned in a solution) is not
    # "another exercise's answer": checks may use the chapter's variables
    nb = _edit(
        "toy-rate-check",
        source=lambda s: s.replace(
            'print("Correct!")', 'check_true(scores.size == 40, "no")\nprint("Correct!")'
        ),
    )
    nb["cells"][5]["source"] = nb["cells"][5]["source"].replace(
        "### END SOLUTION", "scores = scores\n### END SOLUTION"
    )
    assert classroom.check_convention(nb) == []


def test_command_line_writes_student_edition_and_answer_key(tmp_path, capsys):
    source = tmp_path / "instructor"
    source.mkdir()
    synthetic_chapter.write(source)
    assert classroom.main(["check", str(source)]) == 0
    assert classroom.main(["student", str(source), "--out", str(tmp_path / "out")]) == 0
    written = json.loads((tmp_path / "out" / "01_synthetic.ipynb").read_text())
    assert written == classroom.make_student_notebook(synthetic_chapter.notebook())
    assert "wrote" in capsys.readouterr().out
    key = tmp_path / "key.md"
    mutations = tmp_path / "mutations"
    mutations.mkdir()
    (mutations / "01_synthetic.py").write_text(f"MUTATIONS = {synthetic_chapter.MUTATIONS!r}\n")
    assert classroom.read_mutations(mutations / "01_synthetic.py") == synthetic_chapter.MUTATIONS
    assert (
        classroom.main(
            ["answer-key", str(source), "--out", str(key), "--mutations", str(mutations)]
        )
        == 0
    )
    text = key.read_text()
    assert (
        "| 01_synthetic | ex-toy-rate | 1 | rate of the rejected; count instead of rate |" in text
    )
    assert "## 01_synthetic (4 points)" in text
    assert "### ex-toy-deo (3 points)" in text and "### ex-toy-rate (1 points)" in text
    assert "Check cell `toy-deo-check`: 2 points" in text
    assert "> Equal opportunity asks that qualified people" in text
    assert "def deo_by_hand" in text and "do not publish it" in text


def test_command_line_refuses_broken_convention(tmp_path, capsys):
    (tmp_path / "bad.ipynb").write_text(json.dumps(notebook(code_cell("x = 1", SOLUTION))))
    assert classroom.main(["check", str(tmp_path)]) == 1
    assert classroom.main(["student", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "convention broken" in capsys.readouterr().err
    assert not (tmp_path / "out").exists(), "nothing is written from a broken chapter"
    assert classroom.main(["student", str(tmp_path / "empty"), "--out", str(tmp_path)]) == 2


def test_classroom_needs_only_the_standard_library():
    # `make student` runs with the system python3 and no environment built.
    code = (
        "import sys, fairtutor.classroom; heavy = {'numpy', 'pandas', 'torch', "
        "'sklearn', 'nbformat'} & set(sys.modules); assert not heavy, heavy"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_student_does_not_build_the_environment(tmp_path):
    dry_run = subprocess.run(
        ["make", "-n", "student", f"VENV={tmp_path}/never"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "pip install" not in dry_run and "venv" not in dry_run, dry_run
    assert "-m fairtutor.classroom student notebooks --out student" in dry_run


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_student_edition_is_up_to_date(path):
    # The book's Binder and Colab buttons open student/<chapter>.ipynb from the
    # repository (book/_ext/fairtutor_student.py): it must match the chapter.
    committed = ROOT / "student" / path.name
    assert committed.is_file(), (
        f"student/{path.name} is missing: run `make student` and commit student/"
    )
    expected = classroom.make_student_notebook(json.loads(path.read_text(encoding="utf-8")))
    assert json.loads(committed.read_text(encoding="utf-8")) == expected, (
        f"student/{path.name} is out of date: run `make student` and commit student/"
    )


def test_no_stale_student_edition():
    chapters = {p.name for p in NOTEBOOKS}
    stale = sorted(p.name for p in (ROOT / "student").glob("*.ipynb") if p.name not in chapters)
    assert not stale, f"student/ holds editions of chapters that no longer exist: {stale}"


def _student_extension():
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        import fairtutor_student
    finally:
        sys.path.remove(str(ROOT / "book" / "_ext"))
    return fairtutor_student


def test_book_links_each_chapter_to_its_student_edition():
    pytest.importorskip("sphinx")
    ext = _student_extension()
    assert "fairtutor_student: book/_ext" in (ROOT / "_config.yml").read_text()
    assert ext.student_edition_href("notebooks/01_measuring_fairness") == (
        "../_static/student/01_measuring_fairness.ipynb"
    )
    note = ext.student_edition_note("notebooks/01_measuring_fairness").astext()
    assert note.startswith(
        "Exercises only: download the student edition of this chapter, "
        "01_measuring_fairness.ipynb (solutions removed, checks kept)."
    )
    assert "launch buttons open the same copy" in note
    assert "launch" not in ext.student_edition_note("notebooks/01_x", launch=False).astext()


def test_launch_buttons_open_the_student_edition():
    pytest.importorskip("sphinx")
    ext = _student_extension()
    chapter, student = "notebooks/01_a.ipynb", "student/01_a.ipynb"
    # the structure sphinx-book-theme puts in context["header_buttons"]
    buttons = [
        {
            "type": "group",
            "items": [
                {
                    "text": "Binder",
                    "url": f"https://mybinder.org/v2/gh/o/r/main?urlpath=tree/{chapter}",
                },
                {
                    "text": "JupyterHub",
                    "url": "https://hub/hub/user-redirect/git-pull?repo=x&"
                    f"urlpath=tree/r/{chapter}&branch=main",
                },
                {
                    "text": "Colab",
                    "url": f"https://colab.research.google.com/github/o/r/blob/main/{chapter}",
                },
            ],
        },
        {
            "type": "group",
            "items": [
                {"text": "Repository", "url": "https://github.com/o/r"},
                {"text": ".ipynb", "url": f"../_sources/{chapter}"},
                {
                    "text": "Binder",
                    "url": f"https://mybinder.org/v2/gh/o/r/main?urlpath=tree/{chapter}x",
                },
            ],
        },
    ]
    assert ext.rewrite_launch_urls(buttons, chapter, student) == 3
    urls = [item["url"] for group in buttons for item in group["items"]]
    assert urls[:3] == [
        f"https://mybinder.org/v2/gh/o/r/main?urlpath=tree/{student}",
        f"https://hub/hub/user-redirect/git-pull?repo=x&urlpath=tree/r/{student}&branch=main",
        f"https://colab.research.google.com/github/o/r/blob/main/{student}",
    ]
    # the source download and other pages' URLs are left alone
    assert urls[3:] == [
        "https://github.com/o/r",
        f"../_sources/{chapter}",
        f"https://mybinder.org/v2/gh/o/r/main?urlpath=tree/{chapter}x",
    ]
