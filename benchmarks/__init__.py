"""Speed benchmarks: each ``bench_*.py`` module prints ratios measured in one run."""
