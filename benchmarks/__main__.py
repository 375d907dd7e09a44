"""Run every benchmark module: ``python -m benchmarks [name ...]``.

Each ``benchmarks/bench_<topic>.py`` has a ``main()`` that times fairtutor
against a reference measured in the same run and prints the ratios, so the
numbers mean the same thing on a classroom laptop and on CI. Every ratio is
also stored, with its target and verdict, in ``benchmarks/results/results.json``
(see ``benchmarks/_timing.py``); the run ends with the list of all of them.
"""

import importlib
import pkgutil
import sys
from pathlib import Path

from benchmarks._timing import RESULTS_FILE, summary


def main(argv=None):
    wanted = set(sys.argv[1:] if argv is None else argv)
    folder = Path(__file__).parent
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(folder)]) if m.name.startswith("bench_")
    )
    for name in names:
        if wanted and name not in wanted and name.removeprefix("bench_") not in wanted:
            continue
        print(f"== {name}", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()
    lines = summary()
    if lines:
        print(f"== all ratios (stored in {RESULTS_FILE})")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
