"""Tools for instructors: the student edition of the chapter notebooks.

The chapters follow nbgrader's conventions (the book's instructor guide,
"Exercises", gives the full rules). An exercise ``<id>`` is a statement and
three code cells, told apart by their nbgrader metadata and ``grade_id``:

- a locked **given cell** (``<id>-given``) that creates the exercise's data;
- a **solution cell** (``<id>-solution``) whose answer sits between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
- a locked **check cell** (``<id>-check``, with points) that fetches the
  answers with ``fairtutor.exercises.require``, compares them with a
  reference recomputed from the given data and ends with hidden tests between
  ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``;

and, for each question answered in words, a markdown **written-answer cell**
(``<id>-written``, graded by hand) holding the model answer between the
solution markers. Instructors can hand the notebooks to nbgrader as they are,
or write the student edition without nbgrader::

    python -m fairtutor.classroom student notebooks --out student

which replaces every solution by ``# YOUR CODE HERE`` and
``raise NotImplementedError()``, every model answer by ``YOUR ANSWER HERE``,
removes the hidden tests, clears all outputs and keeps every other cell (a
setup cell at the top, for instance). ``python -m fairtutor.classroom check
notebooks`` verifies the convention, and ``python -m fairtutor.classroom
answer-key notebooks --mutations tests/exercise_mutations --out answer_key.md``
writes the graders' key: per exercise, its points, the wrong answers its check
rejects, the reference solution and the model answers.

This module needs only the standard library, so ``make student`` runs
without the book's environment.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "BEGIN_SOLUTION",
    "END_SOLUTION",
    "BEGIN_HIDDEN",
    "END_HIDDEN",
    "Exercise",
    "exercise_cells",
    "find_exercises",
    "solution_code",
    "with_solution",
    "strip_hidden_tests",
    "check_convention",
    "make_student_notebook",
    "write_student_edition",
    "answer_key",
    "read_mutations",
    "main",
]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
ANSWER_STUB = ["YOUR ANSWER HERE"]

# The nbgrader metadata of each kind of exercise cell (HELPERS / instructor
# guide): the keys a cell must carry with exactly these values.
ROLES = {
    "given": {"grade": False, "solution": False, "locked": True, "task": False},
    "solution": {"grade": False, "solution": True, "locked": False, "task": False},
    "written": {"grade": True, "solution": True, "locked": False, "task": False},
    "check": {"grade": True, "solution": False, "locked": True, "task": False},
}
CELL_TYPES = {"given": "code", "solution": "code", "written": "markdown", "check": "code"}

_SOLUTION_BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)"
    + re.escape(BEGIN_SOLUTION)
    + r"[^\n]*\n(?P<body>.*?)^[ \t]*"
    + re.escape(END_SOLUTION)
    + r"[^\n]*(?P<ending>\n|$)",
    flags=re.MULTILINE | re.DOTALL,
)
_HIDDEN_BLOCK = re.compile(
    r"^[ \t]*" + re.escape(BEGIN_HIDDEN) + r".*?^[ \t]*" + re.escape(END_HIDDEN) + r"[^\n]*(\n|$)",
    flags=re.MULTILINE | re.DOTALL,
)
# Words that ask for an answer in prose, which a check cell cannot grade.
_WORDED_QUESTION = re.compile(
    r"\b(Why|why|Explain|explain|in words|Justify|justify|"
    r"Discuss|discuss)\b"
)
_ROLE_SUFFIX = re.compile(r"^(?P<id>.+)-(?P<role>given|solution|written|check)$")


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def exercise_cells(notebook):
    """Return ``(solution_cells, check_cells)`` of a notebook (as dicts).

    Both are code cells: the written-answer (markdown) cells are neither; find
    them with ``find_exercises``.
    """
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    solutions = [c for c in cells if _nbgrader(c).get("solution")]
    checks = [c for c in cells if _nbgrader(c).get("grade")]
    return solutions, checks


@dataclass
class Exercise:
    """The cells of one exercise: indices into ``notebook["cells"]``."""

    id: str
    given: int | None = None
    solution: int | None = None
    check: int | None = None
    written: list = field(default_factory=list)
    points: float = 0.0

    @property
    def cells(self):
        """Every cell index of the exercise, in notebook order."""
        found = [self.given, self.solution, self.check, *self.written]
        return sorted(i for i in found if i is not None)


def find_exercises(notebook):
    """Group a notebook's nbgrader cells into exercises, in notebook order.

    The exercise of a cell is its ``grade_id`` without the role suffix
    (``-given``, ``-solution``, ``-written``, ``-check``). Cells whose
    ``grade_id`` has no such suffix are not part of any exercise (and
    :func:`check_convention` reports them).

    Examples
    --------
    >>> from fairtutor.classroom import find_exercises
    >>> cells = [{"cell_type": "code", "source": "", "metadata": {"nbgrader":
    ...           {"grade_id": f"deo-{role}", "points": 1}}}
    ...          for role in ("given", "solution", "check")]
    >>> [(e.id, e.given, e.solution, e.check) for e in find_exercises({"cells": cells})]
    [('deo', 0, 1, 2)]
    """
    exercises = {}
    for index, cell in enumerate(notebook["cells"]):
        match = _ROLE_SUFFIX.match(str(_nbgrader(cell).get("grade_id", "")))
        if not match:
            continue
        exercise = exercises.setdefault(match["id"], Exercise(match["id"]))
        role = match["role"]
        if role == "written":
            exercise.written.append(index)
        elif getattr(exercise, role) is None:
            setattr(exercise, role, index)
        if _nbgrader(cell).get("grade"):
            exercise.points += float(_nbgrader(cell).get("points") or 0)
    return sorted(exercises.values(), key=lambda e: e.cells[0])


def solution_code(source):
    """The code between the solution markers (dedented to the marker's level)."""
    match = _SOLUTION_BLOCK.search(source)
    if not match:
        raise ValueError(f"no {BEGIN_SOLUTION!r} ... {END_SOLUTION!r} block")
    indent = match["indent"]
    return "".join(
        line[len(indent) :] if line.startswith(indent) else line
        for line in match["body"].splitlines(keepends=True)
    )


def with_solution(source, code):
    r"""Return ``source`` with the code between the solution markers replaced.

    The markers stay, and ``code`` is indented to the markers' level, so a
    mutant answer runs exactly where the student's would.

    Examples
    --------
    >>> from fairtutor.classroom import with_solution
    >>> cell = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    >>> print(with_solution(cell, "return -x"), end="")
    def f(x):
        ### BEGIN SOLUTION
        return -x
        ### END SOLUTION
    """
    match = _SOLUTION_BLOCK.search(source)
    if not match:
        raise ValueError(f"no {BEGIN_SOLUTION!r} ... {END_SOLUTION!r} block")
    indent = match["indent"]
    lines = code.strip("\n").splitlines()
    body = "".join(indent + line + "\n" if line.strip() else "\n" for line in lines)
    start, end = match.span("body")
    return source[:start] + body + source[end:]


def strip_hidden_tests(source):
    """Remove the ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` blocks."""
    return _HIDDEN_BLOCK.sub("", source)


def _exercise_helper_names():
    # The public names of fairtutor.exercises, read from its source so that
    # this module keeps to the standard library (exercises imports numpy).
    tree = ast.parse(Path(__file__).with_name("exercises.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    raise RuntimeError("fairtutor/exercises.py has no __all__")


def _parse(source):
    # Jupyter magics and shell escapes are not Python: each becomes a `pass`
    # at its indentation, so a block made only of them still parses.
    lines = [
        line[: len(line) - len(line.lstrip())] + "pass"
        if line.lstrip().startswith(("%", "!"))
        else line
        for line in source.splitlines()
    ]
    return ast.parse("\n".join(lines))


def _assigned_names(tree):
    """Names a cell binds at top level or anywhere (assignments, defs, imports)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def _top_level_assigned(tree):
    """Names a cell leaves in the kernel's namespace."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        else:
            names.update(
                sub.id
                for sub in ast.walk(node)
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store)
            )
    return names


def _loaded_names(tree):
    return {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }


def _imported_from_exercises(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "fairtutor.exercises":
            names.update(a.asname or a.name for a in node.names)
    return names


def _assigned_outside_solution(source):
    """Names a solution cell assigns outside its solution block (sorted).

    A ``def`` whose body is the solution (the signature given, the body the
    student's) is fine; data assigned there is not: nbgrader does not restore
    an editable cell, so a student could change it.
    """
    if not _SOLUTION_BLOCK.search(source):
        return []
    try:
        tree = _parse(_replace_solution(source, ["pass"]))
    except SyntaxError:
        return []
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(sub.id for sub in ast.walk(target) if isinstance(sub, ast.Name))
    return sorted(names)


def _check_cell_problems(where, text, helpers, foreign, own):
    """Static checks of one check cell's source (see check_convention)."""
    problems = []
    if BEGIN_HIDDEN not in text or END_HIDDEN not in text:
        problems.append(
            f"{where}: check cell has no {BEGIN_HIDDEN!r} ... {END_HIDDEN!r} "
            "block (a test on an input the student does not see)"
        )
    try:
        tree = _parse(text)
    except SyntaxError as error:
        return problems + [
            f"{where}: check cell is not valid Python ({error.msg}, line {error.lineno})"
        ]
    loaded, bound = _loaded_names(tree), _assigned_names(tree)
    missing = sorted((loaded & helpers) - _imported_from_exercises(tree))
    if missing:
        problems.append(
            f"{where}: check cell uses {', '.join(missing)} without importing "
            "it (from fairtutor.exercises import ...)"
        )
    if any(isinstance(node, ast.Assert) for node in ast.walk(tree)):
        problems.append(
            f"{where}: check cell uses a bare `assert`; fail through "
            "fairtutor.exercises (check_true, check_close, ...) so the student "
            "gets a sentence, not an AssertionError"
        )
    unfetched = sorted((loaded & own) - bound)
    if unfetched:
        problems.append(
            f"{where}: check cell reads {', '.join(unfetched)} from the solution "
            "cell directly; fetch answers with require(globals(), ...) so an "
            "unanswered exercise fails with a sentence, not a NameError"
        )
    borrowed = sorted((loaded & foreign) - bound)
    if borrowed:
        problems.append(
            f"{where}: check cell uses {', '.join(borrowed)}, created in another "
            "exercise's solution cell; each exercise must be graded on its own "
            "(create shared data in a given cell)"
        )
    return problems


def check_convention(notebook, name="notebook"):
    """List the ways a notebook breaks the exercise convention (empty if none).

    Checked, for every exercise ``<id>``: a given, a solution and a check
    cell, in that order, each with its nbgrader metadata; written-answer
    cells are markdown with points and the model answer between the solution
    markers, and a statement that asks "Why", "Explain", "in words"... has
    one; ``grade_id`` values are unique and end in a role suffix; graded
    cells have points; a solution cell assigns nothing outside its solution
    markers (data there could be changed by the student). Each check cell
    holds a hidden-tests block, imports every ``fairtutor.exercises`` helper
    it calls, uses no bare ``assert``,
    fetches its own exercise's answers through ``require`` and uses no name
    that only another exercise's solution cell creates.

    Examples
    --------
    >>> from fairtutor.classroom import check_convention
    >>> cell = {"cell_type": "code", "source": "x = 1", "metadata": {"nbgrader":
    ...         {"grade": False, "solution": True, "locked": False, "task": False,
    ...          "schema_version": 3, "grade_id": "ex-solution"}}}
    >>> for problem in check_convention({"cells": [cell]}, "01.ipynb"):
    ...     print(problem)
    01.ipynb, cell 0: solution cell without '### BEGIN SOLUTION' ... '### END SOLUTION'
    01.ipynb, exercise 'ex': no given cell (grade_id 'ex-given')
    01.ipynb, exercise 'ex': no check cell (grade_id 'ex-check')
    """
    problems = []
    cells = notebook["cells"]
    seen = set()
    for index, cell in enumerate(cells):
        meta = _nbgrader(cell)
        if not meta:
            continue
        where = f"{name}, cell {index}"
        grade_id = meta.get("grade_id")
        if not grade_id:
            problems.append(f"{where}: nbgrader cell without grade_id")
            continue
        if grade_id in seen:
            problems.append(f"{where}: duplicate grade_id {grade_id!r}")
        seen.add(grade_id)
        match = _ROLE_SUFFIX.match(grade_id)
        if not match:
            problems.append(
                f"{where}: grade_id {grade_id!r} does not end in -given, "
                "-solution, -written or -check"
            )
            continue
        role = match["role"]
        label = "solution" if role == "solution" else role
        wrong = {
            key: meta.get(key) for key, value in ROLES[role].items() if meta.get(key) is not value
        }
        if wrong:
            wanted = ", ".join(f'"{k}": {str(ROLES[role][k]).lower()}' for k in wrong)
            problems.append(f"{where}: {label} cell {grade_id!r} needs {wanted}")
        if meta.get("schema_version") != 3:
            problems.append(f'{where}: {grade_id!r} needs "schema_version": 3')
        if cell["cell_type"] != CELL_TYPES[role]:
            problems.append(f"{where}: {label} cell {grade_id!r} must be a {CELL_TYPES[role]} cell")
        if ROLES[role]["grade"] and not meta.get("points"):
            problems.append(f"{where}: graded cell {grade_id!r} has no points")
        if ROLES[role]["solution"] and not _SOLUTION_BLOCK.search(_source(cell)):
            problems.append(
                f"{where}: {label} cell without {BEGIN_SOLUTION!r} ... {END_SOLUTION!r}"
            )

    for index, cell in enumerate(cells):
        grade_id = str(_nbgrader(cell).get("grade_id", ""))
        if cell["cell_type"] == "code" and grade_id.endswith("-solution"):
            outside = _assigned_outside_solution(_source(cell))
            if outside:
                problems.append(
                    f"{name}, cell {index}: solution cell {grade_id!r} creates "
                    f"{', '.join(outside)} outside the solution markers, where a "
                    "student can change it; create it in the given cell"
                )

    exercises = find_exercises(notebook)
    helpers = _exercise_helper_names()
    solution_names = {}
    for exercise in exercises:
        if exercise.solution is not None:
            try:
                tree = _parse(_source(cells[exercise.solution]))
                solution_names[exercise.id] = _top_level_assigned(tree)
            except SyntaxError as error:
                problems.append(
                    f"{name}, cell {exercise.solution}: solution cell is not "
                    f"valid Python ({error.msg}, line {error.lineno})"
                )
    shared = set()
    for cell in cells:
        role = _ROLE_SUFFIX.match(str(_nbgrader(cell).get("grade_id", "")))
        if cell["cell_type"] == "code" and (not role or role["role"] == "given"):
            try:
                shared |= _top_level_assigned(_parse(_source(cell)))
            except SyntaxError:
                pass
    for exercise in exercises:
        where = f"{name}, exercise {exercise.id!r}"
        for role in ("given", "solution", "check"):
            if getattr(exercise, role) is None:
                problems.append(f"{where}: no {role} cell (grade_id '{exercise.id}-{role}')")
        asks = sorted(set(_WORDED_QUESTION.findall(_statement(cells, exercise.cells[0]))))
        if asks and not exercise.written:
            problems.append(
                f"{where}: the statement asks for an answer in words "
                f"({', '.join(asks)}); add a written-answer cell "
                f"'{exercise.id}-written' with points and a model answer"
            )
        order = [i for i in (exercise.given, exercise.solution, exercise.check) if i is not None]
        if order != sorted(order):
            problems.append(f"{where}: cells must come in the order given, solution, check")
        if exercise.check is None:
            continue
        own = solution_names.get(exercise.id, set()) - shared
        foreign = (
            set().union(
                *[names for other, names in solution_names.items() if other != exercise.id]
                or [set()]
            )
            - shared
            - own
        )
        problems += _check_cell_problems(
            f"{name}, cell {exercise.check}", _source(cells[exercise.check]), helpers, foreign, own
        )
    return problems


def _replace_solution(text, stub):
    def substitute(match):
        indent = match.group("indent")
        ending = match.group("ending")
        return "\n".join(indent + line for line in stub) + ending

    return _SOLUTION_BLOCK.sub(substitute, text)


def make_student_notebook(notebook):
    r"""Return a copy of ``notebook`` with solutions removed and outputs cleared.

    Solution code becomes ``# YOUR CODE HERE`` / ``raise NotImplementedError()``,
    a written answer's model answer becomes ``YOUR ANSWER HERE`` (the text
    around the markers stays), hidden tests leave the check cells, and every
    other cell is kept as it is, outputs cleared.

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
    >>> cell = {"cell_type": "code", "source": "### BEGIN SOLUTION\nx = 1\n### END SOLUTION",
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
            text = strip_hidden_tests(text)
        cell["source"] = text
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return student


def _notebook_paths(source_dir):
    paths = sorted(Path(source_dir).glob("*.ipynb"))
    if not paths:
        raise ValueError(f"no notebooks (*.ipynb) found in {source_dir}")
    return paths


def write_student_edition(source_dir, out_dir):
    """Write the student edition of every notebook in ``source_dir``.

    Returns the list of written paths. Raises ``ValueError`` if a notebook
    breaks the exercise convention, so a broken edition is never handed out.
    """
    out_dir = Path(out_dir)
    paths = _notebook_paths(source_dir)
    notebooks = {}
    problems = []
    for path in paths:
        notebooks[path] = json.loads(path.read_text(encoding="utf-8"))
        problems += check_convention(notebooks[path], path.name)
    if problems:
        raise ValueError("exercise convention broken:\n" + "\n".join(problems))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path, notebook in notebooks.items():
        target = out_dir / path.name
        target.write_text(
            json.dumps(make_student_notebook(notebook), indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        written.append(target)
    return written


def _statement(cells, before):
    """The exercise statement (an ``{exercise}`` block) above cell ``before``, or ""."""
    for index in range(before - 1, -1, -1):
        text = _source(cells[index])
        if cells[index]["cell_type"] == "markdown" and "{exercise}" in text:
            return text
    return ""


def _statement_label(cells, before):
    # The {exercise} statement above the exercise's first cell names it.
    label = re.search(r"^:label:\s*(\S+)", _statement(cells, before), flags=re.MULTILINE)
    return label[1] if label else None


def read_mutations(path):
    """The ``MUTATIONS`` dict of a tests/exercise_mutations file, read without running it.

    The file must assign a literal (strings, lists, tuples, dicts) to
    ``MUTATIONS``; returns ``{}`` when the file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        return {}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "MUTATIONS" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise ValueError(f"{path} does not assign MUTATIONS")


def answer_key(paths, mutations_dir=None):
    """The graders' key (Markdown) for the notebooks at ``paths``.

    A summary table (chapter, exercise, points, the wrong answers its check
    rejects, read from ``mutations_dir/<chapter>.py`` when given), then per
    chapter and exercise: its label, its points (check cell and written
    answers, as in the nbgrader metadata), the reference solution and the
    model answer of each written question. Keep it with the instructor's
    copy; it holds every solution.
    """
    lines = [
        "# Answer key",
        "",
        "Generated by `python -m fairtutor.classroom answer-key` from the instructor",
        "notebooks. It contains every solution: do not publish it.",
        "",
        "| chapter | exercise | points | wrong answers the check rejects |",
        "|---|---|---|---|",
    ]
    details = []
    for path in paths:
        notebook = json.loads(Path(path).read_text(encoding="utf-8"))
        cells = notebook["cells"]
        exercises = find_exercises(notebook)
        wrong = (
            read_mutations(Path(mutations_dir) / f"{Path(path).stem}.py") if mutations_dir else {}
        )
        total = sum(e.points for e in exercises)
        details += [f"## {Path(path).stem} ({total:g} points)", ""]
        for exercise in exercises:
            label = _statement_label(cells, exercise.cells[0]) or exercise.id
            rejected = "; ".join(why for why, _ in wrong.get(exercise.id, []))
            lines.append(
                f"| {Path(path).stem} | {label} | {exercise.points:g} | {rejected or '-'} |"
            )
            details += _exercise_key(cells, exercise, label)
    return "\n".join(lines + [""] + details)


def _exercise_key(cells, exercise, label):
    lines = [f"### {label} ({exercise.points:g} points)", ""]
    if exercise.check is not None:
        points = _nbgrader(cells[exercise.check]).get("points", 0)
        lines += [
            f"Check cell `{exercise.id}-check`: {points:g} points, "
            "graded automatically (visible and hidden tests).",
            "",
        ]
    if exercise.solution is not None:
        try:
            code = solution_code(_source(cells[exercise.solution]))
        except ValueError:
            code = _source(cells[exercise.solution])
        lines += ["Reference solution:", "", "```python", code.rstrip(), "```", ""]
    for index in exercise.written:
        meta = _nbgrader(cells[index])
        try:
            answer = solution_code(_source(cells[index])).strip()
        except ValueError:
            answer = _source(cells[index]).strip()
        lines += [
            f"Written answer `{meta.get('grade_id')}`: "
            f"{meta.get('points', 0):g} points, graded by hand. Model answer:",
            "",
        ] + [f"> {line}" if line else ">" for line in answer.splitlines()]
        lines.append("")
    return lines


def main(argv=None):
    """Command-line entry point: ``python -m fairtutor.classroom``."""
    parser = argparse.ArgumentParser(
        prog="python -m fairtutor.classroom", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    student = commands.add_parser("student", help="write the student edition")
    student.add_argument("source", help="folder with the instructor notebooks")
    student.add_argument("--out", required=True, help="folder to write into")
    check = commands.add_parser("check", help="verify the exercise convention")
    check.add_argument("source", help="folder with the notebooks")
    key = commands.add_parser("answer-key", help="write the graders' answer key (Markdown)")
    key.add_argument("source", help="folder with the instructor notebooks")
    key.add_argument("--out", required=True, help="Markdown file to write")
    key.add_argument(
        "--mutations",
        default=None,
        help="folder of <chapter>.py wrong-answer lists (tests/exercise_mutations)",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "student":
            for path in write_student_edition(args.source, args.out):
                print(f"wrote {path}")
        elif args.command == "answer-key":
            key_text = answer_key(_notebook_paths(args.source), args.mutations)
            Path(args.out).write_text(key_text + "\n", encoding="utf-8")
            print(f"wrote {args.out}")
        else:
            problems = []
            for path in _notebook_paths(args.source):
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
