"""Every plot function runs headless and writes a non-empty image file."""

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, viz
from glassgrad.explain import graph, layer_stats

pytest.importorskip("matplotlib")


def written(fig, path):
    assert fig is not None and path.exists() and path.stat().st_size > 1000
    return True


def mlp():
    gg.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))


def test_history_and_boundary(tmp_path):
    h = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.6, 0.5], "accuracy": [0.5, 0.7, 0.9]}
    assert written(viz.plot_history(h, save=tmp_path / "c.png"), tmp_path / "c.png")
    X = np.random.default_rng(0).standard_normal((40, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    fig = viz.plot_decision_boundary(mlp(), X, y, resolution=40, save=tmp_path / "b.svg")
    assert written(fig, tmp_path / "b.svg")
    with pytest.raises(ValueError, match="empty"):
        viz.plot_history({})


def test_dynamics_activations_and_maps(tmp_path):
    x = np.random.default_rng(0).standard_normal((32, 2))
    s1 = layer_stats(mlp(), x, np.zeros((32, 1)))
    s2 = layer_stats(mlp(), 3 * x, np.zeros((32, 1)))
    fig = viz.plot_layer_dynamics({"x": s1, "3x": s2}, save=tmp_path / "d.png")
    assert written(fig, tmp_path / "d.png")
    assert written(viz.plot_activation_functions(("sigmoid", "relu"), save=tmp_path / "a.png"),
                   tmp_path / "a.png")
    assert written(viz.plot_activation_map(s1, layer=0, save=tmp_path / "m.png"),
                   tmp_path / "m.png")
    assert written(viz.plot_activation_map(mlp(), x, save=tmp_path / "m2.png"),
                   tmp_path / "m2.png")


def test_conv_filters_and_feature_maps(tmp_path):
    from glassgrad.nn.conv import Conv2d

    gg.manual_seed(0)
    model = nn.Sequential(Conv2d(3, 6, 3), nn.ReLU())
    assert written(viz.plot_filters(model[0], save=tmp_path / "f.png"), tmp_path / "f.png")
    x = np.random.default_rng(0).standard_normal((2, 3, 10, 10))
    fig = viz.plot_feature_maps(model, x, model[1], save=tmp_path / "fm.png")
    assert written(fig, tmp_path / "fm.png")


def test_graph_drawing(tmp_path):
    x = gg.tensor(1.5, dtype=gg.float64, requires_grad=True)
    u = x**2
    J = (u.sin() + 3 * u).cos()
    assert written(viz.draw_graph(graph(J, names={"x": x}), save=tmp_path / "g.png"),
                   tmp_path / "g.png")


def test_init_experiment_example_writes_its_plot(tmp_path, capsys):
    import runpy
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "init_experiment.py"
    main = runpy.run_path(str(path))["main"]
    main(str(tmp_path / "init.png"))
    assert (tmp_path / "init.png").stat().st_size > 10_000
    assert "He, ReLU" in capsys.readouterr().out


def test_history_plot_is_viz_plot_history(tmp_path):
    from glassgrad.train import History

    h = History()
    for e, (loss, val) in enumerate([(1.0, 1.2), (0.5, 0.7), (0.25, 0.6)]):
        h.on_epoch_end(e + 2, {"loss": loss, "val_loss": val, "val_acc": 0.5 + e / 10, "lr": 0.1})
    fig = h.plot(save=tmp_path / "h.png")
    assert written(fig, tmp_path / "h.png")
    # loss (train + validation) and acc, known only on validation data; lr is left out
    assert [a.get_title() for a in fig.axes] == ["loss", "acc"]
    lines = fig.axes[0].get_lines()
    assert [ln.get_label() for ln in lines] == ["train loss", "validation loss"]
    assert list(lines[0].get_xdata()) == [3, 4, 5]  # History's own epoch numbers, 1-based
    assert list(lines[1].get_ydata()) == [1.2, 0.7, 0.6]
    same = viz.plot_history(h)
    assert [a.get_title() for a in same.axes] == ["loss", "acc"]


def test_layer_dynamics_of_a_recurrent_layer(tmp_path):
    from glassgrad.nn.recurrent import GRU

    gg.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((4, 6, 3))
    s = layer_stats(GRU(3, 5, batch_first=True), x, np.zeros((4, 6, 5)))
    fig = viz.plot_layer_dynamics(s, save=tmp_path / "r.png")
    assert written(fig, tmp_path / "r.png")
    z_panel = fig.axes[1]  # h is already activated: the z panel says so instead of repeating a
    assert "h is shown under a" in z_panel.texts[0].get_text() and not z_panel.patches
    assert fig.axes[2].patches  # the a (h) histogram is drawn
