"""A plain RNN fails where an LSTM succeeds: remember the first step of a long sequence.

Each sequence starts with a one-hot class and continues with T-1 steps of noise; the label is
the class of step 0 (sequence classification, many-to-one: the final hidden state → Linear →
softmax cross-entropy). The gradient that must travel back T steps vanishes through the tanh
RNN's recurrence, but flows along the LSTM's cell state. Run:
    PYTHONPATH=src python examples/rnn_vs_lstm.py
"""


import glassgrad as gg
from glassgrad import nn, optim
from glassgrad.data import DataLoader, TensorDataset, make_memory_task
from glassgrad.nn.functional import cross_entropy
from glassgrad.nn.recurrent import LSTM, RNN


class Classifier(nn.Module):
    def __init__(self, rnn, hidden, classes):
        super().__init__()
        self.rnn, self.head = rnn, nn.Linear(hidden, classes)

    def forward(self, x):  # x (B, T, classes), batch_first
        _, h = self.rnn(x)
        h = h[0] if isinstance(h, tuple) else h  # LSTM returns (h_n, c_n)
        return self.head(h[-1])  # the last layer's final hidden state


def accuracy(model, X, y):
    with gg.no_grad():
        return float((model(gg.tensor(X)).numpy().argmax(1) == y).mean())


def train(kind, T=40, classes=4, hidden=32, epochs=8, seed=0):
    gg.manual_seed(seed)
    X, y = make_memory_task(2000, seq_len=T, n_classes=classes, noise=1.0, seed=seed)
    X_te, y_te = make_memory_task(500, seq_len=T, n_classes=classes, noise=1.0, seed=seed + 1)
    cls = {"RNN": RNN, "LSTM": LSTM}[kind]
    model = Classifier(cls(classes, hidden, batch_first=True), hidden, classes)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True, seed=seed)
    for epoch in range(epochs):
        for xb, yb in loader:
            loss = cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            optim.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        print(f"{kind:4s} epoch {epoch + 1}  loss {loss.item():.3f}  "
              f"test accuracy {accuracy(model, X_te, y_te):.2f}")
    return accuracy(model, X_te, y_te)


def main():
    results = {kind: train(kind) for kind in ("RNN", "LSTM")}
    print(f"\nchance 0.25 | RNN {results['RNN']:.2f} | LSTM {results['LSTM']:.2f}")
    return results


if __name__ == "__main__":
    main()
