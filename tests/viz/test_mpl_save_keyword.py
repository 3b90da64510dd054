"""One keyword writes a figure to a file everywhere: ``save=`` (``path=`` deprecated alias)."""

import inspect
import warnings

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from glassgrad import train, viz  # noqa: E402

PUBLIC = [getattr(viz, n) for n in dir(viz) if n.startswith(("plot_", "draw_"))]


def _history():
    h = train.History()
    for e in range(3):
        h.on_epoch_end(e, {"loss": 1.0 / (e + 1), "val_loss": 1.5 / (e + 1)})
    return h


def test_every_plot_function_takes_save_and_the_deprecated_path():
    assert len(PUBLIC) >= 8
    for fn in [*PUBLIC, train.History.plot]:
        params = inspect.signature(fn).parameters
        assert "save" in params, fn.__name__
        assert params["path"].kind is inspect.Parameter.KEYWORD_ONLY, fn.__name__


def test_history_plot_save_writes_the_file(tmp_path):
    target = tmp_path / "curves.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # the new keyword warns about nothing
        _history().plot(save=target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_path_still_works_with_a_deprecation_warning(tmp_path):
    with pytest.warns(DeprecationWarning, match=r"History.plot\(path=...\) is deprecated"):
        _history().plot(path=tmp_path / "old.svg")
    assert (tmp_path / "old.svg").read_text().lstrip().startswith("<?xml")
    with pytest.warns(DeprecationWarning, match="plot_activation_functions"):
        viz.plot_activation_functions(("tanh",), path=tmp_path / "act.png")
    assert (tmp_path / "act.png").exists()


def test_both_keywords_at_once_is_an_error(tmp_path):
    with pytest.raises(TypeError, match="given twice"):
        viz.plot_history(_history(), save=tmp_path / "a.png", path=tmp_path / "b.png")
    assert not (tmp_path / "a.png").exists() and not (tmp_path / "b.png").exists()


def test_the_warning_points_at_the_callers_line(tmp_path):
    with pytest.warns(DeprecationWarning) as record:
        viz.plot_history({"loss": list(np.linspace(1, 0.1, 4))}, path=tmp_path / "x.png")
    assert record[0].filename == __file__
