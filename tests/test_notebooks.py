"""Every chapter notebook: executed and stored, in the exercise convention,
and with checks that really test the student's answer.

nbval (run by ``make test``) re-executes the instructor notebooks and compares
every output, so their checks pass; here we prove the other direction: on the
student edition, where each solution is ``raise NotImplementedError()``, every
check cell fails.
"""

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from fairtutor import classroom

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_code_cell_was_executed_in_order_and_stored(path):
    # An unexecuted notebook would pass nbval vacuously: nothing to compare.
    cells = [c for c in read(path)["cells"] if c["cell_type"] == "code"]
    counts = [c.get("execution_count") for c in cells]
    missing = [i for i, n in enumerate(counts) if n is None]
    assert not missing, f"{path.name}: code cells {missing} have no stored execution"
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: cells were not executed top to bottom in one run ({counts})"
    )
    without_output = [i for i, c in enumerate(cells) if not c.get("outputs")]
    assert len(without_output) < len(cells) / 2, (
        f"{path.name}: most code cells show nothing ({without_output})"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_kernel_and_title(path):
    notebook = read(path)
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    first = notebook["cells"][0]
    assert first["cell_type"] == "markdown" and "".join(first["source"]).startswith("# ")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_exercise_convention(path):
    notebook = read(path)
    assert classroom.check_convention(notebook, path.name) == []
    solutions, checks = classroom.exercise_cells(notebook)
    assert len(checks) >= 3, f"{path.name}: a chapter needs at least three exercises"
    for cell in solutions:
        assert "hide-input" in cell["metadata"].get("tags", []), (
            f"{path.name}: solution {cell['metadata']['nbgrader']['grade_id']} is not collapsed"
        )


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_check_fails_on_the_student_edition(path, tmp_path):
    student = nbformat.from_dict(classroom.make_student_notebook(read(path)))
    client = NotebookClient(
        student,
        timeout=900,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    passed = [
        cell.metadata["nbgrader"]["grade_id"]
        for cell in student.cells
        if cell.cell_type == "code"
        and cell.metadata.get("nbgrader", {}).get("grade")
        and not any(o.get("output_type") == "error" for o in cell.outputs)
    ]
    assert not passed, f"{path.name}: these checks pass without any answer: {passed}"
