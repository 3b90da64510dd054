"""MPI tests: ``@pytest.mark.mpi`` tests run only under ``mpiexec -n 2`` (or more).

``tests/distributed/test_cli_mpiexec.py`` starts them that way from the normal test run
(``mpiexec -n 2 python -m pytest -m mpi tests/distributed``); run alone, they skip.
"""

import pytest

from glassgrad.distributed import launched_size


@pytest.fixture(autouse=True)
def _mpi_only(request):
    if request.node.get_closest_marker("mpi") is not None and launched_size() < 2:
        pytest.skip("MPI test: runs under `mpiexec -n 2 python -m pytest -m mpi` "
                    "(test_cli_mpiexec.py does that)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed MPI test aborts every rank at once: the other ranks may be waiting in a
    collective the failed rank will never join, and waiting would end only at the timeout."""
    report = yield
    if report.failed and item.get_closest_marker("mpi") is not None and launched_size() > 1:
        import sys

        import glassgrad.distributed as dist

        comm = dist.init(abort_on_exception=False)
        sys.stderr.write(f"\nrank {comm.rank}: FAILED {item.nodeid}\n{report.longreprtext}\n"
                         "aborting every rank (MPI_Abort)\n")
        comm.abort(1)
    return report
