"""The LeNet-style example reaches ≥ 97% test accuracy on the shipped 8×8 digits, quickly."""

import importlib.util
import pathlib
import time

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "lenet_digits.py"


def test_lenet_reaches_97_percent_on_digits_within_a_minute():
    spec = importlib.util.spec_from_file_location("lenet_digits", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    start = time.perf_counter()
    _, accuracy = module.main(verbose=False)  # 15 epochs, seconds on an idle machine
    seconds = time.perf_counter() - start
    assert accuracy >= 0.97, f"test accuracy {accuracy:.3f}"
    assert seconds < 60, f"training took {seconds:.1f} s"
