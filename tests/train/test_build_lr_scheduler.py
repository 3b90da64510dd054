"""[callbacks.lr_scheduler] of ``glassgrad train``: the new schedulers by name, per-batch
stepping for OneCycleLR/CyclicLR, and OneCycleLR's total steps filled in from the run."""

import json

import pytest

import glassgrad as gg
from glassgrad import cli, optim
from glassgrad.train.build import build_callbacks
from glassgrad.train.config import ConfigError
from tests._torch import torch


def _opt():
    return optim.SGD([gg.tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)


def _sched(table, **kw):
    (cb,) = build_callbacks({"lr_scheduler": dict(table)}, _opt(), False, **kw)
    return cb


@pytest.mark.parametrize("table,cls,per_batch", [
    ({"name": "LinearLR", "start_factor": 0.1, "total_iters": 3}, "LinearLR", False),
    ({"name": "ConstantLR"}, "ConstantLR", False),
    ({"name": "PolynomialLR", "total_iters": 10, "power": 2.0}, "PolynomialLR", False),
    ({"name": "CosineAnnealingWarmRestarts", "T_0": 5}, "CosineAnnealingWarmRestarts", False),
    ({"name": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}, "CyclicLR", True),
    ({"name": "OneCycleLR", "max_lr": 0.1, "total_steps": 9}, "OneCycleLR", True),
    ({"name": "CyclicLR", "base_lr": 0.01, "max_lr": 0.1, "per_batch": False}, "CyclicLR",
     False),
])
def test_new_schedulers_by_name(table, cls, per_batch):
    cb = _sched(table, epochs=3, steps_per_epoch=4)
    assert type(cb.scheduler).__name__ == cls and cb.per_batch is per_batch


def test_one_cycle_total_steps_from_the_run():
    assert _sched({"name": "OneCycleLR", "max_lr": 0.1}, epochs=3, steps_per_epoch=4
                  ).scheduler.total_steps == 12
    assert _sched({"name": "OneCycleLR", "max_lr": 0.1, "per_batch": False}, epochs=3,
                  steps_per_epoch=4).scheduler.total_steps == 3  # one step per epoch
    assert _sched({"name": "OneCycleLR", "max_lr": 0.1, "total_steps": 50}, epochs=3,
                  steps_per_epoch=4).scheduler.total_steps == 50  # given: kept


@pytest.mark.parametrize("table,match", [
    ({"name": "SequentialLR"}, "choose one of StepLR, .*OneCycleLR"),
    ({"name": "MultiplicativeLR"}, "choose one of"),
    ({"name": "OneCycleLR"}, r"\[callbacks.lr_scheduler\] OneCycleLR: .*max_lr"),
    ({"name": "OneCycleLR", "max_lr": 0.1}, "give total_steps, or both epochs"),
    ({"name": "CyclicLR", "base_lr": 0.1, "max_lr": 1.0, "per_batch": "yes"}, "per_batch"),
    ({"name": "LinearLR", "start_factor": 2.0}, "LinearLR: start_factor must be in"),
])
def test_config_errors(table, match):
    with pytest.raises(ConfigError, match=match):
        _sched(table)


def test_cli_run_with_one_cycle(tmp_path):
    """A whole run: OneCycleLR is stepped once per batch, exactly epochs × batches times."""
    cfg = tmp_path / "c.toml"
    cfg.write_text('[data]\nn_samples = 50\ntest_size = 0.2\nvalidation_split = 0.0\n'
                   '[train]\nepochs = 3\nbatch_size = 16\nverbose = 0\n'
                   '[optimizer]\nname = "SGD"\nlr = 0.1\n[callbacks.lr_scheduler]\n'
                   'name = "OneCycleLR"\nmax_lr = 0.5\n')
    code = cli.main(["train", str(cfg), "--out", str(tmp_path / "o"), "--no-plots"])
    assert code == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["epochs_completed"] == 3
    rows = (tmp_path / "o" / "history.csv").read_text().splitlines()
    assert rows[0].split(",")[-1] == "lr"
    logged = [float(r.split(",")[-1]) for r in rows[1:]]  # the lr each epoch trained with
    # 40 training samples / 16 = 3 batches an epoch: 9 steps in all, epochs start at 0, 3, 6
    t_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    ref = torch.optim.lr_scheduler.OneCycleLR(t_opt, max_lr=0.5, total_steps=9)
    expected = []
    for step in range(9):
        if step % 3 == 0:
            expected.append(ref.get_last_lr()[0])
        t_opt.step()
        ref.step()
    assert logged == pytest.approx(expected, rel=1e-12)
