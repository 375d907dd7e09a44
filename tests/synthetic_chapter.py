"""A small chapter that follows the exercise convention exactly (instructor guide, "Exercises").

The exercise-infrastructure tests (test_classroom, test_exercise_mutations,
test_nbgrader) run on it, so that they prove the harness on a notebook they
control, independently of the real chapters. It has what a real chapter has:
a Colab setup cell at the top, ordinary cells before and between exercises,
two exercises with given / solution / check cells (answers that are
functions, hidden tests that probe them on other data), a written-answer cell,
and wrong answers for the mutation harness. It needs only numpy and
fairtutor.exercises, and runs in about a second.
"""

from __future__ import annotations

import json

STEM = "01_synthetic"


def _meta(role, grade_id, points=None):
    meta = {
        "given": {"grade": False, "solution": False, "locked": True},
        "solution": {"grade": False, "solution": True, "locked": False},
        "written": {"grade": True, "solution": True, "locked": False},
        "check": {"grade": True, "solution": False, "locked": True},
    }[role]
    meta = dict(meta, task=False, schema_version=3, grade_id=grade_id)
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _cell(cell_type, source, metadata=None):
    cell = {"cell_type": cell_type, "metadata": metadata or {}, "source": source}
    if cell_type == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


SETUP = """\
import sys

if "google.colab" in sys.modules:  # only in Colab: install the library first
    !pip install --quiet fairtutor
"""

DEO_GIVEN = """\
import numpy as np

y_true_ex = np.array([1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0])
y_pred_ex = np.array([1, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0])
group_ex = np.array(["a"] * 6 + ["b"] * 6)
"""

DEO_SOLUTION = """\
### BEGIN SOLUTION
def deo_by_hand(y_true, y_pred, group):
    tpr_a = y_pred[(y_true == 1) & (group == "a")].mean()
    tpr_b = y_pred[(y_true == 1) & (group == "b")].mean()
    return abs(tpr_a - tpr_b)


deo_answer = deo_by_hand(y_true_ex, y_pred_ex, group_ex)
### END SOLUTION
print(f"DEO = {deo_answer:.4f}")
"""

DEO_CHECK = """\
import numpy as np

from fairtutor.exercises import check_close, require

deo_by_hand, deo_answer = require(globals(), "deo_by_hand", "deo_answer")


def _reference_deo(y_true, y_pred, group):
    rates = [y_pred[(y_true == 1) & (group == g)].mean() for g in np.unique(group)]
    return abs(rates[0] - rates[1])


check_close("deo_answer", deo_answer, _reference_deo(y_true_ex, y_pred_ex, group_ex),
            hint="compare true-positive rates: among the qualified, who is invited?")
### BEGIN HIDDEN TESTS
_rng = np.random.default_rng(11)
_y, _p = _rng.integers(0, 2, 200), _rng.integers(0, 2, 200)
_g = np.where(_rng.random(200) < 0.4, "a", "b")
check_close("deo_by_hand on another data set", deo_by_hand(_y, _p, _g),
            _reference_deo(_y, _p, _g))
### END HIDDEN TESTS
print("Correct!")
"""

DEO_WRITTEN = """\
Why does the difference of equal opportunity look only at the qualified
candidates ($Y = 1$)?

### BEGIN SOLUTION
Equal opportunity asks that qualified people be invited at the same rate in
both groups: the true-positive rate. Unqualified candidates do not enter it,
so a model may treat them differently across groups and still satisfy it.
### END SOLUTION
"""

RATE_GIVEN = """\
decisions_ex = scores > 0.6
"""

RATE_SOLUTION = """\
### BEGIN SOLUTION
def selection_rate(decisions):
    return float(np.mean(decisions))


rate_answer = selection_rate(decisions_ex)
### END SOLUTION
"""

RATE_CHECK = """\
import numpy as np

from fairtutor.exercises import check_close, check_true, require

selection_rate, rate_answer = require(globals(), "selection_rate", "rate_answer")
check_true(callable(selection_rate), "selection_rate: should be a function of the decisions")
check_close("rate_answer", rate_answer, np.count_nonzero(decisions_ex) / decisions_ex.size)
### BEGIN HIDDEN TESTS
_hidden = np.arange(30) % 3 == 0
check_close("selection_rate on other decisions", selection_rate(_hidden), 1 / 3)
### END HIDDEN TESTS
print("Correct!")
"""

# Wrong answers, as tests/exercise_mutations/<stem>.py lists them for a chapter.
MUTATIONS = {
    "toy-deo": [
        (
            "missing abs",
            """
def deo_by_hand(y_true, y_pred, group):
    tpr_a = y_pred[(y_true == 1) & (group == "a")].mean()
    tpr_b = y_pred[(y_true == 1) & (group == "b")].mean()
    return tpr_a - tpr_b

deo_answer = deo_by_hand(y_true_ex, y_pred_ex, group_ex)
""",
        ),
        (
            "selection rates (DP) instead of true-positive rates",
            """
def deo_by_hand(y_true, y_pred, group):
    return abs(y_pred[group == "a"].mean() - y_pred[group == "b"].mean())

deo_answer = deo_by_hand(y_true_ex, y_pred_ex, group_ex)
""",
        ),
        (
            "the right number, typed in; the function is a constant",
            """
def deo_by_hand(y_true, y_pred, group):
    return 1 / 6

deo_answer = 1 / 6
""",
        ),
        (
            "false-positive rates instead of true-positive rates",
            """
def deo_by_hand(y_true, y_pred, group):
    fpr_a = y_pred[(y_true == 0) & (group == "a")].mean()
    fpr_b = y_pred[(y_true == 0) & (group == "b")].mean()
    return abs(fpr_a - fpr_b)

deo_answer = deo_by_hand(y_true_ex, y_pred_ex, group_ex)
""",
        ),
    ],
    "toy-rate": [
        (
            "rate of the rejected",
            """
def selection_rate(decisions):
    return float(1 - np.mean(decisions))

rate_answer = selection_rate(decisions_ex)
""",
        ),
        (
            "count instead of rate",
            """
def selection_rate(decisions):
    return float(np.sum(decisions))

rate_answer = selection_rate(decisions_ex)
""",
        ),
    ],
}

# How a correct, an untouched and a one-mistake submission score under
# nbgrader autograde (written answers are graded by hand: not counted here).
AUTO_POINTS = {"toy-deo": 2.0, "toy-rate": 1.0}


def notebook():
    """The instructor version of the synthetic chapter, as an nbformat 4.5 dict."""
    cells = [
        _cell("markdown", "# A synthetic chapter\n\nA test fixture for the exercise tools."),
        _cell("code", SETUP, {"tags": ["colab-setup", "nbval-ignore-output"]}),
        _cell(
            "code",
            "import numpy as np\n\nscores = np.random.default_rng(0).random(40)\n"
            'print(f"{scores.mean():.3f}")\n',
        ),
        _cell(
            "markdown",
            "```{exercise}\n:label: ex-toy-deo\n\nWrite `deo_by_hand(y_true, "
            "y_pred, group)` and store its value on the data below in "
            "`deo_answer`.\n```",
        ),
        _cell("code", DEO_GIVEN, _meta("given", "toy-deo-given")),
        _cell(
            "code", DEO_SOLUTION, dict(_meta("solution", "toy-deo-solution"), tags=["hide-input"])
        ),
        _cell("markdown", DEO_WRITTEN, _meta("written", "toy-deo-written", points=1)),
        _cell("code", DEO_CHECK, _meta("check", "toy-deo-check", points=2)),
        _cell("markdown", "Between the exercises, the chapter goes on."),
        _cell("code", "threshold_note = 'scores above 0.6 are selected'\nprint(threshold_note)\n"),
        _cell(
            "markdown",
            "```{exercise}\n:label: ex-toy-rate\n\nWrite `selection_rate("
            "decisions)`; store the rate of `decisions_ex` in `rate_answer`.\n```",
        ),
        _cell("code", RATE_GIVEN, _meta("given", "toy-rate-given")),
        _cell(
            "code", RATE_SOLUTION, dict(_meta("solution", "toy-rate-solution"), tags=["hide-input"])
        ),
        _cell("code", RATE_CHECK, _meta("check", "toy-rate-check", points=1)),
    ]
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    return {
        "cells": cells,
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    }


def write(folder, stem=STEM):
    """Write the synthetic chapter as ``folder/<stem>.ipynb``; return the path."""
    path = folder / f"{stem}.ipynb"
    path.write_text(json.dumps(notebook(), indent=1) + "\n", encoding="utf-8")
    return path
