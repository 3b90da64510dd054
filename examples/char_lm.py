"""Character-level language model on a bundled public-domain text (Shakespeare, Coriolanus).

nn.Embedding → 2-layer nn.LSTM → Linear over the vocabulary, trained with truncated BPTT (the
state is carried across chunks and detached), per-step cross-entropy averaged over time, and
gradient clipping; then samples text. Run:  PYTHONPATH=src python examples/char_lm.py
"""

import math

import numpy as np

import glassgrad as gg
from glassgrad import data, nn, optim
from glassgrad.nn.functional import cross_entropy
from glassgrad.nn.rnn_utils import sequence_loss


class CharLM(nn.Module):
    def __init__(self, vocab_size, embed=32, hidden=128, layers=2, dropout=0.1):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, dropout=dropout)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, ids, state=None):  # ids (T, B) → logits (T, B, V)
        out, state = self.lstm(self.embed(ids), state)
        return self.head(out), state


def sample(model, vocab, start="MENENIUS:\n", length=200, temperature=0.8, seed=0):
    rng = np.random.default_rng(seed)
    model.eval()
    ids, state, text = vocab.encode(start), None, start
    with gg.no_grad():
        logits, state = model(gg.tensor(ids[:, None]), state)
        for _ in range(length):
            p = gg.tensor(logits.numpy()[-1, 0] / temperature).softmax(-1).numpy().astype(float)
            nxt = int(rng.choice(len(p), p=p / p.sum()))
            text += vocab.chars[nxt]
            logits, state = model(gg.tensor(np.array([[nxt]])), state)
    model.train()
    return text


def main(epochs=15, seed=0):
    gg.manual_seed(seed)
    text = data.load_text()
    vocab = data.CharVocab(text)
    ids = vocab.encode(text)
    loader = data.BPTTLoader(ids, batch_size=32, bptt_len=64)
    model = CharLM(len(vocab))
    opt = optim.Adam(model.parameters(), lr=5e-3)
    print(f"{len(text)} characters, {len(vocab)} distinct; {loader}")
    for epoch in range(epochs):
        state, total = None, 0.0
        for x, y in loader:
            state = data.detach_state(state)
            logits, state = model(x, state)
            loss = sequence_loss(cross_entropy, logits, y)
            opt.zero_grad()
            loss.backward()
            optim.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += loss.item()
        mean = total / len(loader)
        print(f"epoch {epoch + 1}  loss {mean:.3f}  perplexity {math.exp(mean):.1f} "
              f"(uniform guessing: {len(vocab)})")
    print(sample(model, vocab))
    return mean


if __name__ == "__main__":
    main()
