"""pdfsign's benchmark suite: the figures of the "Speed" issue, measured on this machine.

Run ``make bench`` (``python -m benchmarks.run``); it prints every figure as median, min and
max over its repeats, the ratios against the pyHanko CLI measured in the same run, and writes
``benchmarks/results.json``.  Benchmarks are not tests: nothing here asserts on time.
"""

__all__: list[str] = []
