"""Wall-clock timing shared by the benchmarks: best of a few repeats."""

import time


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
