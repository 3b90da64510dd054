"""The Transformer examples learn: the character-level language model's loss falls well below
uniform guessing, and the sequence classifier solves the memory task by attending to step 0."""

import importlib.util
import math
import pathlib

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_char_transformer_learns_the_text():
    example = _load("char_transformer")
    loss, model, vocab = example.main(epochs=3, verbose=False)
    assert loss < 2.75 < math.log(len(vocab)) - 1.2, loss  # uniform guessing: log 58 = 4.06
    text = example.sample(model, vocab, length=40)
    assert len(text) == len("MENENIUS:\n") + 40 and set(text) <= set(vocab.chars)


def test_sequence_classifier_attends_to_the_first_step():
    example = _load("sequence_classification")
    loss, accuracy, on_first, maps = example.main(epochs=5, verbose=False)
    assert loss < 0.05 and accuracy > 0.95, (loss, accuracy)
    # uniform attention would give step 0 about 1/16 of each query's weight
    assert on_first > 0.3, on_first
    # the recorded batch (the first 64 test sequences) is padded: no weight on a padding key
    pad = example.make_data(500, seed=10)[2][:64]
    assert pad.any() and (maps[0] * pad[:, None, None, :]).max() == 0.0
