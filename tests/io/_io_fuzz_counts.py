"""Examples tried per fuzz/property target, printed at the end of the run (see conftest)."""

from collections import Counter

COUNTS: Counter = Counter()


def count(target: str) -> None:
    COUNTS[target] += 1

NOTES: list = []  # one-line results (e.g. the kill test's count) for the end-of-run summary


def note(line: str) -> None:
    NOTES.append(line)
