"""Put a Colab setup cell at the top of each chapter notebook.

The cell installs ``fairtutor[notebooks]`` (the library and every package a
chapter imports) from the project's repository when the notebook runs in
Google Colab, and does nothing anywhere else: it prints nothing, so nbval,
``make book`` and a grader see an empty cell. The repository URL and branch
are read from ``_config.yml`` (``repository.url``, ``repository.branch``),
the one place they are written; rerun this script after changing them.

Usage (from the repository root)::

    python tools/colab_setup_cell.py                 # every notebooks/*.ipynb
    python tools/colab_setup_cell.py path/to/a.ipynb ...
    python tools/colab_setup_cell.py --check         # exit 1 if a notebook is not up to date

Idempotent: a notebook that already has the cell (found by its ``colab-setup``
tag) gets its source and tags refreshed in place; otherwise the cell is
inserted right after the title cell. The cell takes one execution count, as
running the notebook would, so the stored counts of the cells after it are
shifted by one and the notebook still reads as executed top to bottom.
Re-executing the notebooks afterwards (``make notebooks``) gives the same
counts.
"""

import argparse
import sys

import yaml

import notebook_io

TAG = "colab-setup"
CELL_ID = "colab-setup"
# nbval runs the cell (so a test sees it is harmless) but compares nothing;
# the book hides it (it concerns Colab readers only); nbgrader and the
# student edition keep it, since it is neither a solution nor a check.
TAGS = [TAG, "nbval-ignore-output", "remove-cell"]

TEMPLATE = """\
# Colab only: install fairtutor and every package the chapters import.
# Anywhere else (a laptop, Binder, JupyterHub) this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import subprocess

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "fairtutor[notebooks] @ git+{url}@{branch}"], check=True)"""


def repository(config_path=notebook_io.ROOT / "_config.yml"):
    """The repository URL (without a trailing ``.git`` or slash) and branch."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    url = url[:-4] if url.endswith(".git") else url
    return url, config["repository"].get("branch", "main")


def setup_source(config_path=notebook_io.ROOT / "_config.yml"):
    url, branch = repository(config_path)
    return TEMPLATE.format(url=url, branch=branch)


def make_cell(source):
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": CELL_ID,
        "metadata": {"tags": list(TAGS)},
        "outputs": [],
    }
    notebook_io.set_source(cell, source)
    return cell


def setup_cells(notebook):
    return [
        c
        for c in notebook["cells"]
        if c["cell_type"] == "code" and TAG in c.get("metadata", {}).get("tags", [])
    ]


def _shift_execution_counts(cells, by):
    for cell in cells:
        if cell["cell_type"] != "code" or cell.get("execution_count") is None:
            continue
        cell["execution_count"] += by
        for output in cell.get("outputs", []):
            if output.get("execution_count") is not None:
                output["execution_count"] += by


def add_setup_cell(notebook, source):
    """Insert or refresh the setup cell of ``notebook`` (in place)."""
    existing = setup_cells(notebook)
    if len(existing) > 1:
        raise ValueError(f"{len(existing)} cells carry the {TAG!r} tag; keep one")
    if existing:
        cell = existing[0]
        notebook_io.set_source(cell, source)
        tags = cell["metadata"].setdefault("tags", [])
        tags.extend(t for t in TAGS if t not in tags)
        return notebook
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    executed = bool(code) and all(c.get("execution_count") is not None for c in code)
    cell = make_cell(source)
    if executed:
        _shift_execution_counts(code, 1)
        cell["execution_count"] = 1
    if any(c.get("id") == CELL_ID for c in notebook["cells"]):
        raise ValueError(f"another cell already has the id {CELL_ID!r}")
    first = notebook["cells"][0] if notebook["cells"] else None
    has_title = (
        first is not None
        and first["cell_type"] == "markdown"
        and notebook_io.source(first).startswith("# ")
    )
    notebook["cells"].insert(1 if has_title else 0, cell)
    return notebook


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/*.ipynb")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a notebook needs the script"
    )
    args = parser.parse_args(argv)
    source = setup_source()
    return notebook_io.update_notebooks(
        notebook_io.chapter_paths(args.notebooks),
        lambda path, notebook: add_setup_cell(notebook, source),
        check=args.check,
        script="tools/colab_setup_cell.py",
        done="setup cell written",
    )


if __name__ == "__main__":
    sys.exit(main())
