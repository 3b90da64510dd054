"""Examples tried per fuzz/property target, printed at the end of the run (see conftest)."""

from collections import Counter

COUNTS: Counter = Counter()


def count(target: str) -> None:
    COUNTS[target] += 1
