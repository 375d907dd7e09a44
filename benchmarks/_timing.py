"""Timing and results shared by the benchmarks.

Timing: the best of a few repeats, contestants run in turn (``best_times``);
for short calls, the median of several such rounds' ratios (``median_ratio``).

Results: every ratio a benchmark measures goes through :func:`record_ratio`,
which prints it with its target and verdict and stores it in a small JSON file,
``benchmarks/results/results.json`` (the folder is not versioned; set
``FAIRTUTOR_BENCH_RESULTS`` to write elsewhere), so that a reader can keep the
file of one run and compare it with the next. The file holds::

    {"format": 1,
     "ratios": [{"benchmark": "divergences",        # the bench_<name> module
                 "name": "sinkhorn n=1024 r=3e-3 accuracy=1e-2",
                 "value": 0.62,                     # measured ratio
                 "target": 1.0,                     # required bound
                 "comparison": "<=",                # value <= target passes
                 "pass": true,
                 "details": {...},                  # what was compared (free form)
                 "time": "2026-11-29T23:10:00+00:00",
                 "machine": {...}},                 # CPU, threads, versions
                ...]}

An entry with the same ``benchmark`` and ``name`` replaces the older one, so
running one benchmark (``python -m benchmarks barycenter``) updates its own
rows and keeps the others. A benchmark module only calls, for instance::

    from benchmarks._timing import record_ratio
    record_ratio("barycenter", "fit+transform / np.sort, n=1e6, 3 groups",
                 t_ours / t_sort, target=3.0, details={"ours_s": t_ours})
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import statistics
import time
from pathlib import Path

RESULTS_FILE = Path(
    os.environ.get(
        "FAIRTUTOR_BENCH_RESULTS", Path(__file__).resolve().parent / "results" / "results.json"
    )
)


def median_ratio(ours, reference, repeats, rounds):
    """Median over ``rounds`` of the ratio of the two best times of a round.

    Each round is ``best_times([ours, reference], repeats)``. On a shared
    machine the speed of both contestants drifts over seconds (on the 2-core
    VM of these benchmarks, the same call took 14 ms or 22 ms from one second
    to the next); a ratio taken within one round compares them under the same
    conditions, and the median of the rounds leaves out a round that a burst
    of load skewed. Returns ``(ratio, best time of ours, best time of the
    reference, the rounds' ratios)``, the best times over all rounds.
    """
    ratios, best_ours, best_reference = [], math.inf, math.inf
    for _ in range(rounds):
        t_ours, t_reference = best_times([ours, reference], repeats)
        ratios.append(t_ours / t_reference)
        best_ours, best_reference = min(best_ours, t_ours), min(best_reference, t_reference)
    return statistics.median(ratios), best_ours, best_reference, ratios


def best_time(fn, repeats):
    """Shortest of ``repeats`` wall-clock runs of ``fn()``, in seconds."""
    return best_times([fn], repeats)[0]


def best_times(fns, repeats):
    """Shortest run of each function, the functions run in turn ``repeats`` times.

    Alternating keeps a burst of load from other processes from landing on
    only one side of a ratio.
    """
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - start)
    return best


def machine():
    """What the numbers were measured on (a ratio is only comparable with care)."""
    info = {
        "platform": platform.platform(),
        "processor": platform.processor(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:  # the barycenter benchmark needs no torch
        pass
    return info


def load_results(path=None):
    """The stored results (an empty list of ratios when there is no file yet)."""
    path = Path(path or RESULTS_FILE)
    if not path.exists():
        return {"format": 1, "ratios": []}
    with open(path) as fh:
        return json.load(fh)


def record_ratio(
    benchmark, name, value, target, *, comparison="<=", details=None, path=None, echo=True
):
    """Print a ratio with its target and store it in the results file.

    Parameters
    ----------
    benchmark : str
        The module's topic (``"divergences"``, ``"barycenter"``, ...).
    name : str
        What was measured, unique within the benchmark.
    value : float or None
        The measured ratio; ``None`` when it could not be measured (say why
        in ``details``), which counts as a failure.
    target : float
        The bound the ratio must meet.
    comparison : {"<=", ">="}, default="<="
    details : dict or None
        JSON-serializable facts behind the ratio (times, settings, errors).

    Returns
    -------
    bool
        Whether the target is met.
    """
    if comparison not in ("<=", ">="):
        raise ValueError(f"comparison must be '<=' or '>=', got {comparison!r}")
    ok = (
        value is not None
        and math.isfinite(value)
        and (value <= target if comparison == "<=" else value >= target)
    )
    if echo:
        shown = "n/a" if value is None else f"{value:.3g}"
        print(
            f"  RATIO [{benchmark}] {name}: {shown} (target {comparison} {target:g}) "
            f"{'PASS' if ok else 'FAIL'}",
            flush=True,
        )
    entry = {
        "benchmark": benchmark,
        "name": name,
        "value": None if value is None else float(value),
        "target": float(target),
        "comparison": comparison,
        "pass": bool(ok),
        "details": details or {},
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    path = Path(path or RESULTS_FILE)
    results = load_results(path)
    results["ratios"] = [
        r for r in results["ratios"] if (r["benchmark"], r["name"]) != (benchmark, name)
    ] + [entry]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as fh:
        json.dump(results, fh, indent=1)
    tmp.replace(path)
    return ok


def summary(path=None):
    """One line per stored ratio, for the end of ``python -m benchmarks``."""
    lines = []
    for r in load_results(path)["ratios"]:
        shown = "n/a" if r["value"] is None else f"{r['value']:.3g}"
        lines.append(
            f"{'PASS' if r['pass'] else 'FAIL'}  [{r['benchmark']}] {r['name']}: "
            f"{shown} (target {r['comparison']} {r['target']:g})"
        )
    return lines
