"""W4, LSTM sequence classification: the rnn branch's bench/lstm.py, through the adapter."""

from adapters import adapt


def build(quick: bool, frameworks: set[str]):
    return adapt("lstm", "W4 LSTM classifier", "training step", quick, frameworks, owner="rnn")
