"""Print the number of examples each property/fuzz target tried, at the end of the run."""

from _io_fuzz_counts import COUNTS


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not COUNTS:
        return
    tr = terminalreporter
    tr.section("glassgrad fuzz/property examples tried per target")
    width = max(len(k) for k in COUNTS)
    for target, n in sorted(COUNTS.items()):
        tr.write_line(f"  {target:<{width}}  {n:5d}")
    tr.write_line(f"  {'TOTAL':<{width}}  {sum(COUNTS.values()):5d} examples over "
                  f"{len(COUNTS)} targets")
