"""fairtutor.classroom: the student edition and the convention checker."""

import json

import pytest

from fairtutor import classroom


def code_cell(source, nbgrader=None, outputs=()):
    cell = {"cell_type": "code", "source": source, "metadata": {}, "outputs": list(outputs),
            "execution_count": 1}
    if nbgrader is not None:
        cell["metadata"]["nbgrader"] = nbgrader
    return cell


SOLUTION = {"solution": True, "grade": False, "grade_id": "ex-solution", "locked": False}
CHECK = {"solution": False, "grade": True, "grade_id": "ex-check", "locked": True, "points": 1}


def notebook(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_solution_replaced_indentation_kept_and_outputs_cleared():
    source = ("def f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
              "answer = f(3)")
    nb = notebook(code_cell(source, SOLUTION, outputs=[{"output_type": "stream"}]),
                  code_cell("assert answer == 6", CHECK))
    student = classroom.make_student_notebook(nb)
    assert student["cells"][0]["source"] == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\nanswer = f(3)")
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in student["cells"])
    assert student["cells"][1]["source"] == "assert answer == 6"
    assert nb["cells"][0]["outputs"], "the input notebook must not change"


def test_hidden_tests_removed_from_check_cells():
    check = "assert x\n### BEGIN HIDDEN TESTS\nassert y\n### END HIDDEN TESTS\n"
    nb = notebook(code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", SOLUTION),
                  code_cell(check, CHECK))
    assert classroom.make_student_notebook(nb)["cells"][1]["source"] == "assert x\n"


def test_markdown_solution():
    cell = {"cell_type": "markdown", "source": "The answer is 42.", "metadata":
            {"nbgrader": dict(SOLUTION, grade_id="written")}}
    student = classroom.make_student_notebook(notebook(cell))
    assert student["cells"][0]["source"] == "YOUR ANSWER HERE"


@pytest.mark.parametrize("cells,problem", [
    ([code_cell("x = 1", SOLUTION)], "without '### BEGIN SOLUTION'"),
    ([code_cell("### BEGIN SOLUTION\nx=1\n### END SOLUTION", SOLUTION),
      code_cell("assert x", dict(CHECK, locked=False))], "not locked"),
    ([code_cell("### BEGIN SOLUTION\nx=1\n### END SOLUTION", SOLUTION),
      code_cell("assert x", dict(CHECK, points=0))], "no points"),
    ([code_cell("assert x", CHECK)], "before any solution"),
    ([code_cell("### BEGIN SOLUTION\nx=1\n### END SOLUTION", SOLUTION),
      code_cell("### BEGIN SOLUTION\ny=1\n### END SOLUTION", SOLUTION)], "duplicate grade_id"),
])
def test_convention_problems_are_reported(cells, problem):
    problems = classroom.check_convention(notebook(*cells))
    assert any(problem in p for p in problems), problems


def test_command_line_writes_student_edition(tmp_path, capsys):
    source = tmp_path / "instructor"
    source.mkdir()
    nb = notebook(code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", SOLUTION),
                  code_cell("assert x == 1", CHECK))
    (source / "01_a.ipynb").write_text(json.dumps(nb))
    assert classroom.main(["check", str(source)]) == 0
    assert classroom.main(["student", str(source), "--out", str(tmp_path / "out")]) == 0
    written = json.loads((tmp_path / "out" / "01_a.ipynb").read_text())
    assert "raise NotImplementedError()" in written["cells"][0]["source"]
    assert "wrote" in capsys.readouterr().out


def test_command_line_refuses_broken_convention(tmp_path, capsys):
    (tmp_path / "bad.ipynb").write_text(json.dumps(notebook(code_cell("x = 1", SOLUTION))))
    assert classroom.main(["student", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "convention broken" in capsys.readouterr().err
    assert classroom.main(["student", str(tmp_path / "empty"), "--out", str(tmp_path)]) == 2
