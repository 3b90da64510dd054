"""glassgrad.io.save / load: round trips in both formats, metadata, and refusals of unsafe or
wrong files (pickles, torch.save files, object arrays) with no side effects."""

import json
import os
import pickle
import sys
import zipfile

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import io as gio
from glassgrad.io import SerializationError
from tests._torch import import_torch

FORMATS = ["npz", "safetensors"]


def _model_and_opt():
    model = gg.nn.Sequential(gg.nn.Linear(3, 4), gg.nn.BatchNorm1d(4), gg.nn.ReLU(),
                             gg.nn.Linear(4, 2))
    opt = gg.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))
    model(gg.randn(6, 3)).sum().backward()
    opt.step()
    return model, opt


def _same(a, b):
    a = a.data if isinstance(a, gg.Tensor) else np.asarray(a)
    b = b.data if isinstance(b, gg.Tensor) else np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_of_every_kind_of_leaf(tmp_path, fmt):
    state = {
        "f64": gg.tensor(np.arange(6.0).reshape(2, 3), dtype=np.float64, requires_grad=True),
        "i64": np.arange(5, dtype=np.int64), "u8": np.array([0, 255], np.uint8),
        "bool": np.array([True, False]), "zero_d": np.array(2.5, np.float32),
        "empty": np.zeros((0, 3), np.float32), "np_scalar": np.float32(1.25),
        "int": 3, "big": 2**80, "float": 0.1, "nan": float("nan"), "inf": float("-inf"),
        "str": "héllo", "none": None, "list": [1, "a", [2.0]], "tuple": (1, (2, 3)),
        "int_keys": {0: "a", 1: {"x": 2}}, "$weird": 1, 7: "seven",
        "noncontig": np.arange(12.0).reshape(3, 4).T,
    }
    path = tmp_path / f"s.{fmt}"
    gio.save(state, path)
    out = gio.load(path)
    assert set(out) == set(state)
    assert isinstance(out["f64"], gg.Tensor) and out["f64"].requires_grad
    for k in ("f64", "i64", "u8", "bool", "zero_d", "empty"):
        assert _same(out[k], state[k]), k
    assert np.array_equal(out["noncontig"], state["noncontig"])
    assert type(out["np_scalar"]) is np.float32 and out["np_scalar"] == np.float32(1.25)
    assert out["int"] == 3 and out["big"] == 2**80 and out["float"] == 0.1
    assert np.isnan(out["nan"]) and out["inf"] == -np.inf
    assert out["str"] == "héllo" and out["none"] is None
    assert out["list"] == [1, "a", [2.0]] and out["tuple"] == (1, (2, 3))
    assert out["int_keys"] == {0: "a", 1: {"x": 2}} and out["$weird"] == 1
    assert out[7] == "seven"


@pytest.mark.parametrize("fmt", FORMATS)
def test_model_and_optimizer_state_round_trip_into_fresh_objects(tmp_path, fmt):
    model, opt = _model_and_opt()
    path = tmp_path / f"ckpt.{fmt}"
    gio.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, path)
    gg.manual_seed(123)
    model2, _ = _model_and_opt()
    opt2 = gg.optim.Adam(model2.parameters(), lr=0.5)
    state = gg.io.load(path)
    model2.load_state_dict(state["model"])
    opt2.load_state_dict(state["optimizer"])
    for (k, a), b in zip(model.state_dict().items(), model2.state_dict().values()):
        assert _same(a, b), k
    assert opt2.param_groups[0]["lr"] == 0.01 and opt2.param_groups[0]["betas"] == (0.8, 0.99)
    for p, q in zip(model.parameters(), model2.parameters()):
        for key in ("exp_avg", "exp_avg_sq"):
            assert _same(opt.state[p][key], opt2.state[q][key])


@pytest.mark.parametrize("fmt", FORMATS)
def test_metadata_names_version_format_and_config(tmp_path, fmt):
    path = tmp_path / f"m.{fmt}"
    gio.save({"w": np.ones(2)}, path, config={"layers": [2, 16, 1]})
    state, meta = gio.load_with_metadata(path)
    assert meta["format"] == "glassgrad" and meta["format_version"] == gio.FORMAT_VERSION
    assert meta["glassgrad_version"] == gg.__version__
    assert meta["config"] == {"layers": [2, 16, 1]}
    if fmt == "safetensors":  # readable by the reference implementation, metadata as JSON
        pytest.importorskip("safetensors")
        from safetensors import safe_open

        with safe_open(str(path), framework="np") as f:
            assert json.loads(f.metadata()["glassgrad"])["format"] == "glassgrad"
            assert np.array_equal(f.get_tensor("w"), np.ones(2))
    else:
        with np.load(path, allow_pickle=False) as f:
            assert np.array_equal(f["w"], np.ones(2))


def test_files_from_other_tools_load_as_flat_dicts(tmp_path):
    torch = import_torch()
    pytest.importorskip("safetensors")
    from safetensors.torch import save_file

    save_file({"fc.weight": torch.ones(2, 3)}, str(tmp_path / "hf.safetensors"))
    np.savez(tmp_path / "plain.npz", a=np.arange(3))
    assert np.array_equal(gio.load(tmp_path / "hf.safetensors")["fc.weight"], np.ones((2, 3)))
    assert np.array_equal(gio.load(tmp_path / "plain.npz")["a"], np.arange(3))


@pytest.mark.parametrize("name", ["model.pt", "model.pth", "model.pkl", "model", "m.json"])
def test_other_extensions_are_refused_clearly(tmp_path, name):
    with pytest.raises(SerializationError, match="'.safetensors' and '.npz'"):
        gio.save({"a": np.ones(1)}, tmp_path / name)
    assert not (tmp_path / name).exists()
    (tmp_path / name).write_bytes(b"x")
    with pytest.raises(SerializationError, match="extension"):
        gio.load(tmp_path / name)


def test_unsaveable_values_are_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "s.npz"
    gio.save({"a": np.ones(1)}, path)
    before = path.read_bytes()
    for bad in ({"f": lambda x: x}, {"o": object()}, {"s": {1, 2}},
                {"arr": np.array(["a", "b"])}, {"obj": np.array([None], dtype=object)}):
        with pytest.raises(SerializationError, match="cannot save"):
            gio.save(bad, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["s.npz"]  # no temporary files left behind


class _Evil:
    """Unpickling this would create the marker file (code execution)."""

    marker = ""

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _evil_files(tmp_path, marker):
    _Evil.marker = str(marker)
    payload = pickle.dumps(_Evil())
    files = {}
    files["pickle_as.npz"] = payload
    files["pickle_as.safetensors"] = payload
    # an .npz whose member is an object array (NumPy stores it with pickle)
    np.savez(tmp_path / "objarray.npz", x=np.array([_Evil()], dtype=object))
    files["objarray.npz"] = (tmp_path / "objarray.npz").read_bytes()
    # a torch.save-style zip (a data.pkl inside) renamed to .npz
    with zipfile.ZipFile(tmp_path / "torchlike.npz", "w") as z:
        z.writestr("archive/data.pkl", payload)
    files["torchlike.npz"] = (tmp_path / "torchlike.npz").read_bytes()
    # a .npz that smuggles a pickle member next to a valid array
    with zipfile.ZipFile(tmp_path / "mixed.npz", "w") as z:
        z.writestr("a.npy", payload)
    files["mixed.npz"] = (tmp_path / "mixed.npz").read_bytes()
    return files


def test_malicious_files_are_refused_without_running_code(tmp_path):
    marker = tmp_path / "PWNED"
    files = _evil_files(tmp_path, marker)
    model, opt = _model_and_opt()
    weights = {k: v.data.copy() for k, v in model.state_dict().items()}
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(SerializationError) as info:
            gio.load(path)
        assert name in str(info.value)
        assert any(w in str(info.value) for w in ("pickle", "dtype object", "not a valid"))
        with pytest.raises(SerializationError):
            gio.load_checkpoint(path, model, opt)
        assert not marker.exists(), f"loading {name} executed code"
    for k, v in model.state_dict().items():  # the failed loads changed nothing
        assert np.array_equal(v.data, weights[k])
    # sanity: the payload really is live (so the test above can fail)
    pickle.loads(files["pickle_as.npz"]).close()
    assert marker.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_truncated_and_corrupted_files_give_clear_errors(tmp_path, fmt):
    path = tmp_path / f"s.{fmt}"
    gio.save({"w": np.arange(100.0), "meta": {"a": 1}}, path)
    data = path.read_bytes()
    for cut in (0, 4, 8, 20, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:cut])
        with pytest.raises(SerializationError, match=str(path.name)):
            gio.load(path)
    path.write_bytes(b"hello world, not a model at all" * 3)
    with pytest.raises(SerializationError):
        gio.load(path)
    with pytest.raises(FileNotFoundError, match="no such file"):
        gio.load(tmp_path / f"missing.{fmt}")


def test_newer_format_version_is_refused(tmp_path):
    from glassgrad.io import formats

    meta = json.dumps({"format": "glassgrad", "format_version": 99, "glassgrad_version": "9.0",
                       "tree": {}})
    (tmp_path / "new.npz").write_bytes(formats.write(".npz", {}, meta))
    with pytest.raises(SerializationError, match="format version 99"):
        gio.load(tmp_path / "new.npz")


def test_missing_safetensors_package_gives_install_hint(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r"pip install 'glassgrad\[io\]'"):
        gio.save({"a": np.ones(1)}, tmp_path / "a.safetensors")
    gio.save({"a": np.ones(1)}, tmp_path / "a.npz")  # .npz needs nothing extra
