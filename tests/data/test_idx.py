"""IDX reading/writing, MNIST loading and checksummed downloads from a local HTTP server."""

import gzip
import hashlib
import http.server
import os
import socket
import threading
import time

import numpy as np
import pytest

from glassgrad.data import (
    MNIST,
    DownloadError,
    FashionMNIST,
    IDXFormatError,
    download_file,
    load_mnist,
    read_idx,
    write_idx,
)

NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def _fake_mnist(folder, gz=True, n_train=12, n_test=5):
    """Small IDX files with MNIST's names; returns the arrays written."""
    rng = np.random.default_rng(0)
    arrays = {
        NAMES[0]: rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        NAMES[1]: rng.integers(0, 10, n_train).astype(np.uint8),
        NAMES[2]: rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        NAMES[3]: rng.integers(0, 10, n_test).astype(np.uint8),
    }
    os.makedirs(folder, exist_ok=True)
    for name, arr in arrays.items():
        write_idx(os.path.join(folder, name + (".gz" if gz else "")), arr)
    return arrays


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path, dtype, suffix):
    arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = tmp_path / f"a.idx{suffix}"
    write_idx(path, arr)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.shape == (2, 3, 4)
    np.testing.assert_array_equal(back, arr)


def test_idx_header_bytes_follow_the_spec(tmp_path):
    write_idx(tmp_path / "l", np.array([7, 2, 1], dtype=np.uint8))
    raw = (tmp_path / "l").read_bytes()
    assert raw == bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 2, 1])  # magic 2049, n=3, data


def test_idx_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no file"):
        read_idx(tmp_path / "missing")
    bad = tmp_path / "bad"
    bad.write_bytes(b"PK\x03\x04" + b"\0" * 20)
    with pytest.raises(IDXFormatError, match="magic number 0x504b0304"):
        read_idx(bad)
    good = tmp_path / "good"
    write_idx(good, np.zeros((10, 28, 28), np.uint8))
    truncated = tmp_path / "trunc"
    truncated.write_bytes(good.read_bytes()[:-100])
    with pytest.raises(IDXFormatError, match=r"truncated: dims \(10, 28, 28\).*7840.*7740"):
        read_idx(truncated)
    longer = tmp_path / "long"
    longer.write_bytes(good.read_bytes() + b"xx")
    with pytest.raises(IDXFormatError, match="longer than its header"):
        read_idx(longer)
    short_header = tmp_path / "hdr"
    short_header.write_bytes(bytes([0, 0, 8, 3, 0, 0]))
    with pytest.raises(IDXFormatError, match="truncated inside its header"):
        read_idx(short_header)
    gz = tmp_path / "x.gz"
    write_idx(gz, np.zeros((100, 100), np.uint8) + np.arange(100, dtype=np.uint8))
    (tmp_path / "cut.gz").write_bytes(gz.read_bytes()[:30])
    with pytest.raises(IDXFormatError, match="corrupt or truncated gzip"):
        read_idx(tmp_path / "cut.gz")
    with pytest.raises(TypeError, match="no IDX code"):
        write_idx(tmp_path / "c", np.zeros(3, np.complex64))


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_from_folder(tmp_path, gz):
    arrays = _fake_mnist(tmp_path, gz=gz)
    X, y = load_mnist(tmp_path, kind="mnist", train=True)
    assert X.shape == (12, 28, 28) and X.dtype == np.uint8 and y.dtype == np.int64
    np.testing.assert_array_equal(X, arrays[NAMES[0]])
    Xt, yt = load_mnist(tmp_path, kind="fashion", train=False)
    np.testing.assert_array_equal(yt, arrays[NAMES[3]])


def test_mnist_dataset_shapes(tmp_path):
    arrays = _fake_mnist(tmp_path)
    ds = MNIST(tmp_path, train=False)
    x, y = ds.tensors
    assert x.shape == (5, 1, 28, 28) and x.dtype == np.float32 and len(ds) == 5
    np.testing.assert_allclose(x[:, 0], arrays[NAMES[2]] / 255.0, rtol=1e-6)
    flat = FashionMNIST(tmp_path, train=True, flatten=True)
    assert flat.tensors[0].shape == (12, 784) and flat.classes[9] == "Ankle boot"


def test_load_mnist_missing_folder_and_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist.*train-images-idx3-ubyte\[\.gz\]"
                                                r".*train-labels-idx1-ubyte.*download=True"):
        load_mnist(tmp_path / "nowhere")
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(FileNotFoundError, match="lacks train-labels-idx1-ubyte"):
        load_mnist(tmp_path)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(IDXFormatError, match="2 images .* but 3 labels"):
        load_mnist(tmp_path)
    with pytest.raises(ValueError, match="kind must be 'mnist' or 'fashion'"):
        load_mnist(tmp_path, kind="cifar")


# ---------------------------------------------------------------- downloads (local server only)

@pytest.fixture
def server(tmp_path):
    """Serve ``tmp_path/"srv"`` over HTTP on 127.0.0.1 (a free port) in a thread."""
    root = tmp_path / "srv"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(root), **k)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def _md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_download_mnist_from_local_mirror_with_checksums(server, tmp_path):
    root, url = server
    arrays = _fake_mnist(root, gz=True)
    sums = {n + ".gz": "md5:" + _md5(root / (n + ".gz")) for n in NAMES}
    sums[NAMES[1] + ".gz"] = "sha256:" + hashlib.sha256(
        (root / (NAMES[1] + ".gz")).read_bytes()).hexdigest()
    dest = tmp_path / "data"
    ds = MNIST(dest, train=True, download=True, mirrors=["http://127.0.0.1:9/dead/", url],
               checksums=sums, timeout=2)
    assert sorted(os.listdir(dest)) == sorted([NAMES[0] + ".gz", NAMES[1] + ".gz"])
    np.testing.assert_array_equal(ds.tensors[1], arrays[NAMES[1]])
    # the downloaded bytes are the served bytes (and gzip-valid)
    served = gzip.decompress((root / (NAMES[0] + ".gz")).read_bytes())
    assert gzip.decompress((dest / (NAMES[0] + ".gz")).read_bytes()) == served


def test_checksum_mismatch_leaves_no_file(server, tmp_path):
    root, url = server
    (root / "f.bin").write_bytes(b"hello")
    dest = tmp_path / "d"
    with pytest.raises(DownloadError, match="checksum mismatch.*expected md5 0{32}"):
        download_file("f.bin", dest, [url], checksum="0" * 32, timeout=2)
    assert os.listdir(dest) == []  # no partial or temporary file
    good = hashlib.sha256(b"hello").hexdigest()
    path = download_file("f.bin", dest, [url], checksum=good, timeout=2)
    assert open(path, "rb").read() == b"hello" and os.listdir(dest) == ["f.bin"]
    (root / "f.bin").unlink()  # a verified local copy is kept without asking the server
    assert download_file("f.bin", dest, [url], checksum="sha256:" + good) == path


def test_http_404_is_reported_per_mirror(server, tmp_path):
    _, url = server
    with pytest.raises(DownloadError, match=r"HTTP 404"):
        download_file("nope.gz", tmp_path, [url], timeout=2)


def test_unreachable_server_gives_offline_error_fast(tmp_path):
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.perf_counter()
    with pytest.raises(DownloadError, match="are you offline"):
        load_mnist(tmp_path / "m", download=True, mirrors=[f"http://127.0.0.1:{port}/"],
                   timeout=1)
    assert time.perf_counter() - start < 5
    assert [p for p in os.listdir(tmp_path / "m")] == []


def test_silent_server_times_out(tmp_path):
    with socket.socket() as s:  # accepts connections (backlog) but never answers
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        start = time.perf_counter()
        with pytest.raises(DownloadError, match="are you offline"):
            download_file("x.gz", tmp_path, [f"http://127.0.0.1:{s.getsockname()[1]}/"],
                          timeout=0.5)
        assert time.perf_counter() - start < 5
