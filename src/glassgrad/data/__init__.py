"""Data for glassgrad: datasets, the DataLoader, splits, toy/file datasets and preprocessing.

    from glassgrad.data import DataLoader, TensorDataset, make_moons, train_test_split
    X, y = make_moons(500, noise=0.1, seed=0)            # NumPy (500, 2) float32, (500,) int64
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y, seed=0)
    loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=32, shuffle=True, seed=0)
    for xb, yb in loader: ...                             # Tensors (32, 2) float32, (32,) int64
"""

from . import transforms
from .bptt import BPTTLoader, detach_state
from .bucketing import BucketBatchSampler, BucketLoader, pad_batch
from .dataloader import DataLoader, default_collate
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .digits import Digits, load_digits
from .download import DownloadError, check_file, download_file, file_digest
from .features import KBinsDiscretizer, PolynomialFeatures
from .idx import IDXFormatError, read_idx, write_idx
from .mnist import MNIST, FashionMNIST, load_mnist
from .preprocessing import MinMaxScaler, NotFittedError, OneHotEncoder, StandardScaler
from .sequences import make_adding_problem, make_copy_task, make_memory_task, make_sine_windows
from .split import (
    kfold_indices,
    split_indices,
    stratified_kfold_indices,
    train_test_split,
    train_val_test_split,
)
from .synthetic import (
    GATES,
    logic_gate,
    make_blobs,
    make_circles,
    make_moons,
    make_sine,
    make_spirals,
    make_xor,
)
from .tabular import load_csv
from .text import CharVocab, load_text

__all__ = [
    "DataLoader", "default_collate", "Dataset", "TensorDataset", "Subset", "ConcatDataset",
    "random_split", "train_test_split", "train_val_test_split", "split_indices",
    "kfold_indices", "stratified_kfold_indices",
    "make_moons", "make_circles", "make_blobs", "make_spirals", "make_xor", "logic_gate", "GATES",
    "make_sine", "make_sine_windows", "make_adding_problem", "make_copy_task",
    "make_memory_task",
    "MNIST", "FashionMNIST", "load_mnist", "read_idx", "write_idx", "IDXFormatError",
    "download_file", "check_file", "file_digest", "DownloadError", "load_csv",
    "MinMaxScaler", "StandardScaler", "OneHotEncoder", "KBinsDiscretizer", "PolynomialFeatures",
    "NotFittedError", "BPTTLoader", "detach_state", "BucketBatchSampler", "BucketLoader",
    "pad_batch", "CharVocab", "load_text", "Digits", "load_digits", "transforms",
]
