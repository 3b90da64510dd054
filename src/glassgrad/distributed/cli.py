"""``mpiexec -n N glassgrad train CONFIG``: the same run as alone, data parallel, one run folder.

Every rank loads the config and the data and builds the model the same way (the seed makes them
equal; the start-up check proves it); ``fit(..., distributed=...)`` then trains each rank on
its share of every global batch. Rank 0 alone prints, makes the run folder and writes into it.

Ranks > 0 run the very same ``run_config`` code, into a private scratch folder that is deleted
when they finish: every rank then takes the same path through the run (the same callbacks at
the same epochs, so the same collectives), and whatever files a run writes exist once, in rank
0's folder.

Failures are bounded: a bad ``--out`` is refused on every rank (exit 2); any error during the
run makes the failing rank print it and ``MPI_Abort`` the job (the launcher exits non-zero at
once, instead of the other ranks waiting in a collective forever). After Ctrl-C, rank 0 first
makes the run folder consistent (``INTERRUPTED``, history of the finished epochs), then aborts.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time

from ..errors import GlassgradError
from .comm import init
from .fit import DataParallel

__all__ = ["train_distributed"]

GRACE_S = 10.0  # how long ranks > 0 leave rank 0 to write INTERRUPTED before aborting
ABORT_GRACE_S = 0.5  # how long a failing rank waits before MPI_Abort (see _abort)


def train_distributed(prepared, args, reporter) -> int:
    """Run ``config`` data-parallel over ``init()``'s ranks (the CLI's ``_train`` under MPI).

    Args:
        prepared: the validated run (``train.prepare``); args: the parsed ``glassgrad train``
        arguments; reporter: ``reporter(out, args, prepared)`` -> the report hook for
        ``run_config`` (rank 0).

    Returns:
        0 on success (on every rank); errors exit through ``MPI_Abort``.
    """
    from ..train.config import ConfigError
    from ..train.run import make_run_dir, run_config

    config = prepared.config
    comm = init()
    out = error = None
    if comm.rank == 0:
        try:
            out = make_run_dir(config, args.out, overwrite=args.overwrite)
        except (ConfigError, OSError) as exc:
            error = str(exc)
    out, error = comm.bcast((out, error))
    if error is not None:  # every rank exits 2 (rank 0 says why), nobody is left waiting
        if comm.rank:
            raise SystemExit(2)
        raise ConfigError(error)

    scratch = None
    if comm.rank == 0:
        target, kwargs = out, {"plots": not args.no_plots, "report": reporter(out, args, prepared)}
        print(f"glassgrad train: data parallel on {comm.size} MPI ranks (global batch_size "
              f"{config['train']['batch_size']})")
    else:
        scratch = target = tempfile.mkdtemp(prefix=f"glassgrad-rank{comm.rank}-")
        kwargs = {"plots": False, "report": None, "echo": lambda *a, **k: None}
    try:
        run_config(prepared, target, distributed=DataParallel(comm), **kwargs)
    except BaseException as exc:  # NOTE: never return normally while others may wait
        _remove(scratch)  # before the abort, which ends this process
        _abort(comm, exc, getattr(args, "debug", False))
    _remove(scratch)
    if comm.rank == 0:
        print(f"run folder: {out}")
    return 0


def _remove(scratch) -> None:
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


def _abort(comm, exc: BaseException, debug: bool) -> None:
    where = "" if comm.rank == 0 else f" (rank {comm.rank})"
    if isinstance(exc, KeyboardInterrupt):
        code = 130
        if comm.rank == 0:
            print("\nglassgrad train: interrupted; the run folder holds the finished epochs.",
                  file=sys.stderr)
        else:
            time.sleep(GRACE_S)  # rank 0 is writing INTERRUPTED; it aborts everyone when done
    else:
        code = 2 if isinstance(exc, (GlassgradError, ValueError, OSError, KeyError)) else 1
        if debug or code == 1:
            import traceback

            traceback.print_exception(exc)
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"glassgrad train{where}: error: {msg}".splitlines()[0], file=sys.stderr)
    # NOTE: flush, then give ranks failing at the same point a moment to say so too: the first
    # MPI_Abort ends every process, and the launcher drops what they had not yet written.
    sys.stderr.flush()
    time.sleep(ABORT_GRACE_S)
    comm.abort(code)
