"""Examples tried per fuzz/property target, printed at the end of the run (see conftest)."""

from collections import Counter

COUNTS: Counter = Counter()


def count(target: str) -> None:
    COUNTS[target] += 1


# Outcomes of the judged targets (tests/test_tensor_fuzz.py): every example ends as "matched" (a
# value equal to the reference's), "clear error", "raw error" or "silent wrong result"; the
# last two fail the test, and the end-of-run summary prints all four (they must read 0).
OUTCOMES: Counter = Counter()
OUTCOME_KINDS = ("examples tried", "matched the reference", "clear errors", "raw errors",
                 "silent wrong results")


def outcome(kind: str) -> None:
    assert kind in OUTCOME_KINDS, kind
    OUTCOMES[kind] += 1

NOTES: list = []  # one-line results (e.g. the kill test's count) for the end-of-run summary


def note(line: str) -> None:
    NOTES.append(line)
