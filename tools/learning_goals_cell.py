"""Put the "Learning goals" cell at the top of each chapter notebook.

The cell lists what a student can do after the chapter, each goal with the
exercises that assess it, and the chapter's prerequisites. It is rendered from
``book/course.yml`` (the single source, also read by the instructor guide and
the syllabus page) by ``book/_ext/fairtutor_course.py``; rerun this script
after editing that file.

Usage (from the repository root)::

    python tools/learning_goals_cell.py                 # every notebooks/*.ipynb
    python tools/learning_goals_cell.py path/to/a.ipynb ...
    python tools/learning_goals_cell.py --check         # exit 1 if a notebook is not up to date

Idempotent, and in a fixed place whatever the order in which it and
``tools/colab_setup_cell.py`` run: the cell (found by its
``learning-goals`` tag) is removed and put back right after the title cell,
or after the Colab setup cell when that one directly follows the title. Both
scripts insert right after the title, so either order gives: title, Colab
setup cell, learning goals. A markdown cell has no execution count, so the
stored outputs of the notebook stay valid.
"""

import argparse
import sys
from pathlib import Path

import notebook_io

sys.path.insert(0, str(notebook_io.ROOT / "book" / "_ext"))
import fairtutor_course  # noqa: E402

TAG = "learning-goals"
CELL_ID = "learning-goals"
COLAB_TAG = "colab-setup"  # tools/colab_setup_cell.py


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def make_cell(text):
    cell = {"cell_type": "markdown", "id": CELL_ID, "metadata": {"tags": [TAG]}}
    notebook_io.set_source(cell, text)
    return cell


def place_goals_cell(notebook, text):
    """Insert or refresh the goals cell of ``notebook`` (in place)."""
    cells = notebook["cells"]
    existing = [c for c in cells if TAG in _tags(c)]
    if len(existing) > 1:
        raise ValueError(f"{len(existing)} cells carry the {TAG!r} tag; keep one")
    if existing:
        cell = existing[0]
        cells.remove(cell)
        notebook_io.set_source(cell, text)
        cell["metadata"].setdefault("tags", [TAG])
    else:
        if any(c.get("id") == CELL_ID for c in cells):
            raise ValueError(f"another cell already has the id {CELL_ID!r}")
        cell = make_cell(text)
    has_title = (
        bool(cells)
        and cells[0]["cell_type"] == "markdown"
        and notebook_io.source(cells[0]).startswith("# ")
    )
    position = 1 if has_title else 0
    if position < len(cells) and COLAB_TAG in _tags(cells[position]):
        position += 1
    cells.insert(position, cell)
    return notebook


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/*.ipynb")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a notebook needs the script"
    )
    args = parser.parse_args(argv)
    course = fairtutor_course.load_course()
    chapters = {c["notebook"]: c for c in course["chapters"]}
    paths = notebook_io.chapter_paths(args.notebooks)
    for path in paths:
        if Path(path).stem not in chapters:
            print(f"{path}: no entry in book/course.yml", file=sys.stderr)
            return 2
    return notebook_io.update_notebooks(
        paths,
        lambda path, notebook: place_goals_cell(
            notebook, fairtutor_course.goals_cell_markdown(chapters[Path(path).stem])
        ),
        check=args.check,
        script="tools/learning_goals_cell.py",
        done="learning goals written",
    )


if __name__ == "__main__":
    sys.exit(main())
