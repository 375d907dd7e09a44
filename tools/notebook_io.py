"""Read and write chapter notebooks byte for byte as Jupyter does.

Jupyter (nbformat) writes JSON with one space of indentation, sorted keys,
UTF-8 characters unescaped and a final newline; the maintenance scripts in
this folder write the same way, so a notebook they leave unchanged keeps
identical bytes and one they change has a diff of only the changed cells.
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def read(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def dumps(notebook):
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write(path, notebook):
    """Write ``notebook`` to ``path``; return whether the bytes changed."""
    path = Path(path)
    text = dumps(notebook)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def source(cell):
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def set_source(cell, text):
    """Store ``text`` as Jupyter does.

    A list of lines, each but the last ending with a newline.
    """
    cell["source"] = text.splitlines(keepends=True)


def chapter_paths(arguments):
    """The notebooks named on the command line, or every chapter."""
    if arguments:
        return [Path(a) for a in arguments]
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def update_notebooks(paths, edit, *, check, script, done):
    """Apply ``edit(path, notebook)`` to each notebook; write the ones it changed.

    The shared loop of the idempotent notebook scripts. With ``check``, write
    nothing and return 1 when a notebook would change (naming ``script``, the
    command that brings it up to date); otherwise print ``"<path>: <done>"``
    for each notebook written and return 0.
    """
    stale = []
    for path in paths:
        notebook = read(path)
        before = dumps(notebook)
        edit(path, notebook)
        if dumps(notebook) == before:
            continue
        stale.append(path)
        if not check:
            write(path, notebook)
            print(f"{path}: {done}")
    if check and stale:
        print(f"out of date (run python {script}):", *[str(p) for p in stale], sep="\n  ")
        return 1
    return 0
