"""Tools for instructors: the student edition of the chapter notebooks.

The chapters follow nbgrader's conventions. A *solution cell* carries the
metadata ``nbgrader.solution = true`` and a unique ``grade_id``; its answer
sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION``. A *check cell*
carries ``nbgrader.grade = true``, ``locked = true`` and ``points``, and
asserts on the answer. Instructors can hand the notebooks to nbgrader as they
are, or write a student edition with no nbgrader installed::

    python -m fairtutor.classroom student notebooks --out student

which replaces every solution by ``# YOUR CODE HERE`` and
``raise NotImplementedError()``, clears all outputs and keeps the checks.
``python -m fairtutor.classroom check notebooks`` verifies the convention.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path

__all__ = [
    "BEGIN_SOLUTION",
    "END_SOLUTION",
    "exercise_cells",
    "check_convention",
    "make_student_notebook",
    "write_student_edition",
    "main",
]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
ANSWER_STUB = ["YOUR ANSWER HERE"]

_SOLUTION_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)" + re.escape(BEGIN_SOLUTION) + r"[^\n]*\n.*?^[ \t]*"
    + re.escape(END_SOLUTION) + r"[^\n]*(?P<ending>\n|$)",
    flags=re.MULTILINE | re.DOTALL,
)
_HIDDEN_BLOCK = re.compile(
    r"^[ \t]*" + re.escape(BEGIN_HIDDEN) + r".*?^[ \t]*" + re.escape(END_HIDDEN)
    + r"[^\n]*(\n|$)",
    flags=re.MULTILINE | re.DOTALL,
)


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def exercise_cells(notebook):
    """Return ``(solution_cells, check_cells)`` of a notebook (as dicts)."""
    cells = notebook["cells"]
    solutions = [c for c in cells if _nbgrader(c).get("solution")]
    checks = [c for c in cells if _nbgrader(c).get("grade")]
    return solutions, checks


def check_convention(notebook, name="notebook"):
    """List the ways a notebook breaks the exercise convention (empty if none).

    Each solution cell needs a unique ``grade_id`` and, for code, the
    solution markers; each check cell needs ``locked``, ``points`` and a
    unique ``grade_id``, and must come after at least one solution cell.
    """
    problems = []
    seen = set()
    solution_seen = False
    for index, cell in enumerate(notebook["cells"]):
        meta = _nbgrader(cell)
        if not meta:
            continue
        where = f"{name}, cell {index}"
        grade_id = meta.get("grade_id")
        if not grade_id:
            problems.append(f"{where}: nbgrader cell without grade_id")
        elif grade_id in seen:
            problems.append(f"{where}: duplicate grade_id {grade_id!r}")
        seen.add(grade_id)
        if meta.get("solution"):
            solution_seen = True
            text = _source(cell)
            if cell["cell_type"] == "code" and not _SOLUTION_BLOCK.search(text):
                problems.append(f"{where}: solution cell without "
                                f"{BEGIN_SOLUTION!r} ... {END_SOLUTION!r}")
        if meta.get("grade"):
            if not meta.get("locked"):
                problems.append(f"{where}: check cell is not locked")
            if not meta.get("points"):
                problems.append(f"{where}: check cell has no points")
            if not solution_seen:
                problems.append(f"{where}: check cell before any solution cell")
            if cell["cell_type"] != "code":
                problems.append(f"{where}: check cell is not a code cell")
    return problems


def _replace_solution(text, stub):
    def substitute(match):
        indent = match.group("indent")
        ending = match.group("ending")
        return "\n".join(indent + line for line in stub) + ending
    return _SOLUTION_BLOCK.sub(substitute, text)


def make_student_notebook(notebook):
    """Return a copy of ``notebook`` with solutions removed and outputs cleared.

    Parameters
    ----------
    notebook : dict
        A notebook as read by ``json.load`` or ``nbformat.read``.

    Returns
    -------
    dict
        The student edition; the input is left unchanged.

    Examples
    --------
    >>> from fairtutor.classroom import make_student_notebook
    >>> cell = {"cell_type": "code", "source": "### BEGIN SOLUTION\\nx = 1\\n### END SOLUTION",
    ...         "metadata": {"nbgrader": {"solution": True, "grade_id": "ex1"}},
    ...         "outputs": [], "execution_count": 3}
    >>> student = make_student_notebook({"cells": [cell], "metadata": {}})
    >>> print(student["cells"][0]["source"])
    # YOUR CODE HERE
    raise NotImplementedError()
    """
    student = copy.deepcopy(notebook)
    for cell in student["cells"]:
        meta = _nbgrader(cell)
        text = _source(cell)
        if meta.get("solution"):
            if cell["cell_type"] == "code":
                text = _replace_solution(text, CODE_STUB)
            elif _SOLUTION_BLOCK.search(text):
                text = _replace_solution(text, ANSWER_STUB)
            else:
                text = "\n".join(ANSWER_STUB)
        if meta.get("grade"):
            text = _HIDDEN_BLOCK.sub("", text)
        cell["source"] = text
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return student


def write_student_edition(source_dir, out_dir):
    """Write the student edition of every notebook in ``source_dir``.

    Returns the list of written paths. Raises ``ValueError`` if a notebook
    breaks the exercise convention, so a broken edition is never handed out.
    """
    source_dir, out_dir = Path(source_dir), Path(out_dir)
    paths = sorted(source_dir.glob("*.ipynb"))
    if not paths:
        raise ValueError(f"no notebooks (*.ipynb) found in {source_dir}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        problems = check_convention(notebook, path.name)
        if problems:
            raise ValueError("exercise convention broken:\n" + "\n".join(problems))
        target = out_dir / path.name
        target.write_text(json.dumps(make_student_notebook(notebook), indent=1,
                                     ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    return written


def main(argv=None):
    """Command-line entry point: ``python -m fairtutor.classroom``."""
    parser = argparse.ArgumentParser(prog="python -m fairtutor.classroom",
                                     description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    student = commands.add_parser("student", help="write the student edition")
    student.add_argument("source", help="folder with the instructor notebooks")
    student.add_argument("--out", required=True, help="folder to write into")
    check = commands.add_parser("check", help="verify the exercise convention")
    check.add_argument("source", help="folder with the notebooks")
    args = parser.parse_args(argv)
    try:
        if args.command == "student":
            for path in write_student_edition(args.source, args.out):
                print(f"wrote {path}")
        else:
            problems = []
            for path in sorted(Path(args.source).glob("*.ipynb")):
                notebook = json.loads(path.read_text(encoding="utf-8"))
                problems += check_convention(notebook, path.name)
            print("\n".join(problems) or "all notebooks follow the exercise convention")
            return 1 if problems else 0
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
