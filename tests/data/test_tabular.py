"""load_csv: parsing, target selection and clear errors."""

import numpy as np
import pytest

from glassgrad.data import load_csv


def _write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_header_target_by_name_and_index(tmp_path):
    path = _write(tmp_path, "a,b,label\n1,2.5,0\n3,-4e1,1\n\n5,6,1\n")
    X, y, info = load_csv(path, target="label", return_info=True)
    np.testing.assert_array_equal(X, np.array([[1, 2.5], [3, -40], [5, 6]], dtype=np.float32))
    assert X.dtype == np.float32 and y.dtype == np.int64 and y.tolist() == [0, 1, 1]
    assert info == {"feature_names": ["a", "b"], "target_name": "label", "classes": None}
    X0, y0 = load_csv(path, target=0)
    np.testing.assert_array_equal(y0, [1, 3, 5])
    np.testing.assert_array_equal(X0[:, 1], [0, 1, 1])


def test_regression_target_text_classes_and_missing(tmp_path):
    path = _write(tmp_path, "x;price;kind\n1;2.5;cat\n;3.0;dog\nNA;1;cat\n", "s.csv")
    X, y, info = load_csv(path, target="kind", delimiter=";", return_info=True)
    assert info["classes"] == ["cat", "dog"] and y.tolist() == [0, 1, 0]
    assert np.isnan(X[1, 0]) and np.isnan(X[2, 0]) and X[0, 0] == 1
    _, price = load_csv(_write(tmp_path, "p\n2.5\n3\n"), target="p")
    assert price.dtype == np.float32 and price.tolist() == [2.5, 3.0]


def test_no_header_and_no_target(tmp_path):
    path = _write(tmp_path, "1,2\n3,4\n")
    X, y, info = load_csv(path, header=False, target=None, dtype=np.float64, return_info=True)
    assert y is None and X.dtype == np.float64 and X.tolist() == [[1, 2], [3, 4]]
    assert info["feature_names"] == ["col0", "col1"]


def test_csv_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no file .*missing.csv"):
        load_csv(tmp_path / "missing.csv")
    ragged = _write(tmp_path, "a,b,c\n1,2,3\n4,5\n")
    with pytest.raises(ValueError, match="row 3 has 2 cells, expected 3 like the header"):
        load_csv(ragged)
    text = _write(tmp_path, "a,b,y\n1,2,0\n1,oops,1\n")
    with pytest.raises(ValueError, match=r"row 3, column 'b' \(index 1\): cannot parse 'oops'"):
        load_csv(text, target="y")
    with pytest.raises(KeyError, match=r"no column named 'z'.*\['a', 'b', 'y'\]"):
        load_csv(text, target="z")
    with pytest.raises(IndexError, match="target index 5 out of range for 3 columns"):
        load_csv(text, target=5)
    with pytest.raises(ValueError, match="no data rows"):
        load_csv(_write(tmp_path, "a,b\n", "h.csv"))
