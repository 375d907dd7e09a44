"""Run chapter notebooks away from the repository and say how long each took.

They run in the environment of this interpreter.

``make test-notebooks-extra`` installs ``.[notebooks]`` (what Colab, Binder,
JupyterHub and a grader install) into a scratch virtual environment and runs
this script with that environment's Python on one PyTorch chapter and one
fairlearn chapter. The notebooks are copied to a temporary folder and run
there, with a kernel of this interpreter and no ``PYTHONPATH``, so they import
the installed fairtutor and nothing from the clone; a last cell checks that.
Any error in a cell fails the run.

Usage::

    python tools/run_chapters.py notebooks/05_mmd_sinkhorn.ipynb notebooks/07_three_families.ipynb
"""

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CHECK_SOURCE = """\
import sys
from pathlib import Path

import fairtutor

where = Path(fairtutor.__file__).resolve()
assert where.is_relative_to(Path(sys.prefix).resolve()), f"fairtutor comes from {where}"
print("fairtutor", fairtutor.__version__, "from", where.parent)"""


def kernel_spec_dir(folder):
    """Write a ``python3`` kernel spec for this interpreter.

    So no other kernel installed on the machine (or in the user's Jupyter
    folders) is used.
    """
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (scratch)",
                "language": "python",
            }
        )
    )
    return folder


def run(paths, timeout=900):
    os.environ.pop("PYTHONPATH", None)
    total = 0.0
    with tempfile.TemporaryDirectory(prefix="fairtutor-chapters-") as scratch:
        scratch = Path(scratch)
        os.environ["JUPYTER_PATH"] = str(kernel_spec_dir(scratch / "jupyter"))
        for path in paths:
            copy = scratch / Path(path).name
            shutil.copy(path, copy)
            notebook = nbformat.read(copy, as_version=4)
            notebook.cells.append(nbformat.v4.new_code_cell(CHECK_SOURCE))
            start = time.perf_counter()
            NotebookClient(
                notebook,
                timeout=timeout,
                kernel_name="python3",
                resources={"metadata": {"path": str(scratch)}},
            ).execute()
            seconds = time.perf_counter() - start
            total += seconds
            origin = "".join(o.get("text", "") for o in notebook.cells[-1].outputs).strip()
            print(f"{Path(path).name}: ran in {seconds:.0f} s ({origin})", flush=True)
    print(f"{len(paths)} chapters ran in {total:.0f} s")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    run(sys.argv[1:])
