"""MNIST and Fashion-MNIST from the standard IDX files in a folder the user names.

    X, y = load_mnist("~/data/mnist", kind="mnist", train=True)   # (60000, 28, 28) uint8, (60000,)
    train = MNIST("~/data/mnist", train=True, download=True)       # a TensorDataset, float32 [0, 1]

Files are looked up as ``<root>/<name>`` or ``<root>/<name>.gz``; ``download=True`` fetches the
missing ones from the mirrors and verifies their MD5 against the official checksums.
"""

from __future__ import annotations

import os

import numpy as np

from .dataset import TensorDataset
from .download import download_file as _download
from .idx import IDXFormatError, read_idx

FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

# The official files' MD5 checksums (as published by the datasets' authors and in torchvision).
CHECKSUMS = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "md5:d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "md5:9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "md5:ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion": {
        "train-images-idx3-ubyte.gz": "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "md5:25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "md5:bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "md5:bb300cfdad3c16e7a12a480ee83cd310",
    },
}

MIRRORS = {
    "mnist": (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    "fashion": (
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ),
}

CLASSES = {
    "mnist": [str(d) for d in range(10)],
    "fashion": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                "Sneaker", "Bag", "Ankle boot"],
}


def _kind(kind: str) -> str:
    key = {"mnist": "mnist", "fashion": "fashion", "fashion-mnist": "fashion",
           "fashion_mnist": "fashion", "fashionmnist": "fashion"}.get(str(kind).lower())
    if key is None:
        raise ValueError(f"load_mnist: kind must be 'mnist' or 'fashion', got {kind!r}.")
    return key


def _find(root: str, name: str) -> str | None:
    for candidate in (name, name + ".gz"):
        path = os.path.join(root, candidate)
        if os.path.isfile(path):
            return path
    return None


def load_mnist(root, kind="mnist", train=True, download=False, mirrors=None,
               checksums=None, timeout=30.0):
    """Load (Fashion-)MNIST images and labels from IDX files.

    Args:
        root: folder holding the files ``train-images-idx3-ubyte[.gz]``,
            ``train-labels-idx1-ubyte[.gz]``, ``t10k-images-idx3-ubyte[.gz]`` and
            ``t10k-labels-idx1-ubyte[.gz]`` (Fashion-MNIST uses the same names).
        kind: "mnist" or "fashion".
        train: the 60000-image training set (True) or the 10000-image test set (False).
        download: fetch missing files (gzipped) from ``mirrors`` into ``root``.
        mirrors: base URLs to try in order (default: ``MIRRORS[kind]``).
        checksums: ``{filename.gz: "md5:..."|"sha256:..."}`` (default: ``CHECKSUMS[kind]``, the
            official files'); a file missing from the dict is not verified.
        timeout: seconds per server before the next mirror.

    Returns:
        images (N, 28, 28) uint8 and labels (N,) int64.
    """
    kind = _kind(kind)
    root = os.path.expanduser(os.fspath(root))
    names = FILES[bool(train)]
    if download:
        table = CHECKSUMS[kind] if checksums is None else checksums
        for name in names:
            if _find(root, name) is None:
                _download(name + ".gz", root, mirrors or MIRRORS[kind], table.get(name + ".gz"),
                         timeout=timeout)
    paths = [_find(root, name) for name in names]
    if None in paths:
        missing = [n for n, p in zip(names, paths) if p is None]
        where = (f"folder {root!r} does not exist" if not os.path.isdir(root)
                 else f"folder {root!r} lacks {', '.join(missing)}")
        raise FileNotFoundError(
            f"load_mnist({kind!r}, train={bool(train)}): {where}. Expected the files "
            f"{names[0]}[.gz] and {names[1]}[.gz] there. Pass download=True to fetch them, or "
            "download them by hand into that folder.")
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or labels.ndim != 1:
        raise IDXFormatError(f"load_mnist: expected images (N, 28, 28) and labels (N,), got "
                             f"{images.shape} from {paths[0]!r} and {labels.shape} from "
                             f"{paths[1]!r}; are the two files swapped?")
    if len(images) != len(labels):
        raise IDXFormatError(f"load_mnist: {len(images)} images in {paths[0]!r} but "
                             f"{len(labels)} labels in {paths[1]!r}; the files do not belong "
                             "together.")
    return images, labels.astype(np.int64)


class MNIST(TensorDataset):
    """MNIST as a ``TensorDataset``: ``ds[i] == (image, label)``.

    Args:
        root: folder with the IDX files (see ``load_mnist``).
        train: training (60000) or test (10000) set.
        download: fetch missing files from the mirrors with checksum verification.
        flatten: images as (N, 784) rows for an MLP instead of (N, 1, 28, 28) for a CNN.
        normalize: scale pixels to float32 in [0, 1] (else keep uint8 0..255).
        mirrors, checksums, timeout: see ``load_mnist``.

    Attributes:
        tensors: ``(images, labels)``: images float32 (N, 1, 28, 28) or (N, 784), labels int64
            (N,). ``classes`` names the 10 labels.
    """

    kind = "mnist"

    def __init__(self, root, train=True, download=False, flatten=False, normalize=True,
                 mirrors=None, checksums=None, timeout=30.0):
        images, labels = load_mnist(root, self.kind, train, download, mirrors, checksums, timeout)
        n = len(images)
        x = images.reshape(n, -1) if flatten else images.reshape(n, 1, *images.shape[1:])
        if normalize:
            x = x.astype(np.float32) / np.float32(255.0)
        super().__init__(x, labels)
        self.root, self.train, self.classes = root, bool(train), CLASSES[self.kind]


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando): same files and shapes as ``MNIST``, ten clothing classes."""

    kind = "fashion"
