"""What a search writes: ``trials.csv``, ``best.toml``, plots, and the console progress."""

from __future__ import annotations

import csv
import io
import math
import os
import sys

from ..io.atomic import atomic_write_bytes


def _state(t) -> tuple[str, str]:
    """``(state, reason)`` of a frozen trial as trials.csv and the console show them."""
    name = t.state.name.lower()
    if name == "fail":
        return "failed", t.user_attrs.get("fail_reason", "")
    if name == "pruned":
        return "pruned", t.user_attrs.get("prune_reason", "by the pruner").removeprefix("pruned ")
    return name, ""


def trial_rows(trials, spec) -> list[dict]:
    """One dict per trial: number, state, reason, each parameter, the metric, duration..."""
    retried = {t.user_attrs["retry_of"]: t.number for t in trials if "retry_of" in t.user_attrs}
    rows = []
    for t in trials:
        state, reason = _state(t)
        if t.number in retried:
            reason += f"; re-queued as trial {retried[t.number]}"
        row = {"number": t.number, "state": state, "reason": reason}
        row.update({d.path: t.params.get(d.path, "") for d in spec.dims})
        row[spec.metric] = "" if t.value is None else t.value
        row["duration_s"] = "" if t.duration is None else round(t.duration.total_seconds(), 3)
        row["epochs"] = t.user_attrs.get("epochs", "")
        row["worker"] = t.user_attrs.get("worker", "")
        rows.append(row)
    return rows


def write_trials_csv(path: str, trials, spec) -> None:
    rows = trial_rows(trials, spec)
    buf = io.StringIO()
    fields = ["number", "state", "reason", *[d.path for d in spec.dims], spec.metric,
              "duration_s", "epochs", "worker"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_bytes(path, buf.getvalue().encode())


def write_best_toml(path: str, config: dict, trial, spec, study_name: str) -> None:
    from ..train.config import dump_toml
    from .space import apply

    best = apply(config, trial.params)
    best["name"] = f"{config.get('name') or study_name}-best"
    head = (f"# The best configuration of the glassgrad tune study {study_name!r}: trial "
            f"{trial.number}, {spec.metric} = {trial.value:.6g} ({spec.direction}).\n"
            f"# Searched: {', '.join(f'{k} = {v!r}' for k, v in trial.params.items())}.\n"
            "# Train it with: glassgrad train best.toml\n")
    atomic_write_bytes(path, (head + dump_toml(best)).encode())


def _save(fig, path: str) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    atomic_write_bytes(path, buf.getvalue())


def write_plots(out_dir: str, study, spec, echo=print) -> list[str]:
    """Optimization history, parallel coordinates (slices for one parameter) and, when
    intermediate values were reported, their curves; via ``optuna.visualization.matplotlib``.
    Returns the file names written."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        echo("plots skipped: matplotlib is not installed (pip install 'glassgrad[viz]').")
        return []
    import warnings

    from optuna.trial import TrialState
    from optuna.visualization import matplotlib as ovm

    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not done:
        return []
    plots = [("optimization_history.png", ovm.plot_optimization_history)]
    if len(spec.dims) > 1 and len(done) > 1:
        plots.append(("parallel_coordinate.png", ovm.plot_parallel_coordinate))
    plots.append(("slice.png", ovm.plot_slice))
    if any(t.intermediate_values for t in study.get_trials(deepcopy=False)):
        plots.append(("intermediate_values.png", ovm.plot_intermediate_values))
    written = []
    for name, fn in plots:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # optuna's ExperimentalWarning for these plots
            ax = fn(study, target_name=spec.metric) if name != "intermediate_values.png" \
                else fn(study)
        fig = (ax.flat[0] if hasattr(ax, "flat") else ax).figure
        _save(fig, os.path.join(out_dir, name))
        plt.close(fig)
        written.append(name)
    return written


class Progress:
    """A tqdm bar over the total (on a terminal) and one line per finished trial."""

    def __init__(self, total: int, spec, echo=None):
        from tqdm.auto import tqdm

        self.spec, self.total, self.seen = spec, total, set()
        self.bar = tqdm(total=total, unit="trial", desc="tune", disable=None, file=sys.stderr,
                        leave=False)
        self.echo = echo or (lambda line: tqdm.write(line, file=sys.stdout))

    def skip_finished(self, study) -> int:
        """Mark the trials finished before this run as seen; returns how many count."""
        from .study import counted

        for t in study.get_trials(deepcopy=False):
            if t.state.is_finished():
                self.seen.add(t.number)
        n = counted(t for t in study.get_trials(deepcopy=False) if t.state.is_finished())
        self.bar.update(n)
        return n

    def update(self, study) -> None:
        trials = study.get_trials(deepcopy=False)
        best = None
        for t in sorted(trials, key=lambda t: t.number):
            if t.state.name == "COMPLETE" and (best is None or self._better(t.value, best.value)):
                best = t
            if not t.state.is_finished() or t.number in self.seen:
                continue
            self.seen.add(t.number)
            state, reason = _state(t)
            shown = "  ".join(f"{k}={_fmt(v)}" for k, v in t.params.items())
            value = f"{self.spec.metric} {t.value:.4f}" if state == "complete" else ""
            secs = f"{t.duration.total_seconds():.1f}s" if t.duration else ""
            best_s = f"(best #{best.number} {best.value:.4f})" if best is not None else ""
            why = (f" {reason}" if state == "pruned" else f": {reason}") if reason else ""
            self.echo(f"trial {t.number:>3} {state}{why}  {value}  {best_s}  {shown}  {secs}"
                      .replace("    ", "  ").rstrip())
            if not (state == "failed" and t.user_attrs.get("interrupted")):
                self.bar.update(1)

    def _better(self, a, b) -> bool:
        return a < b if self.spec.direction == "minimize" else a > b

    def close(self) -> None:
        self.bar.close()


def _fmt(v) -> str:
    if isinstance(v, float) and math.isfinite(v) and v != 0 and not 1e-3 <= abs(v) < 1e4:
        return f"{v:.3g}"
    return f"{v:.4g}" if isinstance(v, float) else str(v)
