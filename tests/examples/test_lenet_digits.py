"""The LeNet-style example reaches ≥ 97% test accuracy on the shipped 8×8 digits.

(No time limit here: speed is measured in bench/, never by timed unit tests; on a loaded
machine a two-thread BLAS made this 15-epoch run take minutes instead of seconds.)"""

import importlib.util
import pathlib

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "lenet_digits.py"


def test_lenet_reaches_97_percent_on_digits():
    spec = importlib.util.spec_from_file_location("lenet_digits", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _, accuracy = module.main(verbose=False)  # 15 epochs
    assert accuracy >= 0.97, f"test accuracy {accuracy:.3f}"
