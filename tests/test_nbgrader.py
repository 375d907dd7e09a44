"""The chapters go through nbgrader as they are (optional: skipped without nbgrader).

nbgrader is not part of `make env` (it brings JupyterLab and ipywidgets, which
would change how progress bars print in the notebooks that nbval compares).
Instructors install it with ``pip install -e ".[classroom]"``; this test then
runs ``nbgrader generate_assignment`` on a copy of every chapter in a
throw-away course directory laid out as nbgrader expects
(``source/<assignment>/<notebook>.ipynb``) and checks the released student
version: every solution is stripped, every check is kept, no output is left,
and it agrees cell by cell with ``python -m fairtutor.classroom student``.
Point ``NBGRADER`` at an ``nbgrader`` executable installed elsewhere to run it
from the project's environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fairtutor import classroom

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def find_nbgrader():
    candidates = [os.environ.get("NBGRADER"), str(Path(sys.executable).parent / "nbgrader"),
                  shutil.which("nbgrader")]
    return next((c for c in candidates if c and Path(c).is_file()), None)


NBGRADER = find_nbgrader()
pytestmark = pytest.mark.skipif(
    NBGRADER is None,
    reason='nbgrader is not installed (pip install -e ".[classroom]", or set NBGRADER to '
           "the path of an nbgrader executable)")


def source(cell):
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def generate(course, assignment):
    # nbgrader runs `alembic` (its database migrations) from PATH: put the
    # directory of the nbgrader executable first.
    env = dict(os.environ, PATH=str(Path(NBGRADER).parent) + os.pathsep + os.environ["PATH"])
    result = subprocess.run(
        [NBGRADER, "generate_assignment", assignment, f"--CourseDirectory.root={course}",
         "--force"], cwd=course, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((course / "release" / assignment / f"{assignment}.ipynb")
                      .read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_nbgrader_releases_the_chapter_without_solutions(path, tmp_path):
    instructor = json.loads(path.read_text(encoding="utf-8"))
    assignment_dir = tmp_path / "source" / path.stem
    assignment_dir.mkdir(parents=True)
    shutil.copy(path, assignment_dir / path.name)

    released = generate(tmp_path, path.stem)

    solutions, checks = classroom.exercise_cells(instructor)
    assert solutions and checks, f"{path.name} has no exercises to release"
    by_id = {c["metadata"].get("nbgrader", {}).get("grade_id"): c for c in released["cells"]}
    for cell in solutions:
        grade_id = cell["metadata"]["nbgrader"]["grade_id"]
        student = source(by_id[grade_id])
        assert classroom.BEGIN_SOLUTION not in student and "raise NotImplementedError()" in student
        answer = source(cell).split(classroom.BEGIN_SOLUTION)[1].split(classroom.END_SOLUTION)[0]
        kept = [line for line in answer.splitlines() if line.strip() and line in student]
        assert not kept, f"{grade_id}: solution lines left in the student version: {kept}"
    for cell in checks:
        grade_id = cell["metadata"]["nbgrader"]["grade_id"]
        assert source(by_id[grade_id]) == source(cell), f"{grade_id}: check changed"
    assert all(not c.get("outputs") for c in released["cells"] if c["cell_type"] == "code")

    # Our student edition (no nbgrader needed) matches nbgrader's, cell by cell.
    ours = classroom.make_student_notebook(instructor)
    assert [source(c) for c in ours["cells"]] == [source(c) for c in released["cells"]]
