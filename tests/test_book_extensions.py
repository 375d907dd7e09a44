"""book/_ext: the build-time fixes the book's pages rely on."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))

import fairtutor_html  # noqa: E402


def _notebook(*cells):
    return json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_written_answer_markers_leave_the_prose_but_not_the_code():
    written = {
        "cell_type": "markdown",
        "metadata": {},
        "source": ["### BEGIN SOLUTION\n", "The model answer.\n", "### END SOLUTION"],
    }
    code = {
        "cell_type": "code",
        "metadata": {},
        "outputs": [],
        "execution_count": None,
        "source": ["### BEGIN SOLUTION\n", "x = 1\n", "### END SOLUTION"],
    }
    heading = {"cell_type": "markdown", "metadata": {}, "source": "### A real heading\ntext"}
    notebook = _notebook(written, code, heading)
    out = json.loads(fairtutor_html.strip_markdown_solution_markers(notebook))
    assert out["cells"][0]["source"] == "The model answer."
    assert "### BEGIN SOLUTION" in "".join(out["cells"][1]["source"])
    assert out["cells"][2]["source"] == "### A real heading\ntext"


def test_notebook_without_markers_is_returned_unchanged():
    text = _notebook({"cell_type": "markdown", "metadata": {}, "source": "plain"})
    assert fairtutor_html.strip_markdown_solution_markers(text) is text
