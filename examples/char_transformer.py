"""Character-level Transformer language model on the bundled text (Shakespeare, Coriolanus):
the attention counterpart of ``char_lm.py`` (the LSTM), with the same data, batches and epochs.

nn.Embedding + sinusoidal positions → 2 causal nn.TransformerEncoderLayers → Linear over the
vocabulary. Each 64-character chunk is read on its own: a causal mask lets position t attend
to positions ≤ t only, so every position predicts the next character in one pass (no state is
carried between chunks, unlike the LSTM). Then samples text and plots what the heads attend to.

    PYTHONPATH=src python examples/char_transformer.py
"""

import math

import numpy as np

import glassgrad as gg
from glassgrad import data, explain, nn, optim
from glassgrad.nn.functional import cross_entropy
from glassgrad.nn.rnn_utils import sequence_loss


class CharTransformer(nn.Module):
    def __init__(self, vocab_size, d_model=128, nhead=4, layers=2, dim_feedforward=256,
                 dropout=0.0, context=64):
        super().__init__()
        self.context = context
        self.embed = nn.Embedding(vocab_size, d_model)
        self.position = nn.PositionalEncoding(d_model, dropout, max_len=context)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.head = nn.Linear(d_model, vocab_size)
        self.scale = math.sqrt(d_model)

    def forward(self, ids):  # ids (T, B) → logits (T, B, V); T ≤ context
        T = ids.shape[0]
        x = self.position(self.embed(ids) * self.scale)  # (T, B, d_model)
        causal = nn.Transformer.generate_square_subsequent_mask(T)
        return self.head(self.encoder(x, mask=causal, is_causal=True))


def sample(model, vocab, start="MENENIUS:\n", length=200, temperature=0.8, seed=0):
    """Generate one character at a time from the last ``context`` characters."""
    rng = np.random.default_rng(seed)
    model.eval()
    ids = list(vocab.encode(start))
    with gg.no_grad():
        for _ in range(length):
            window = np.array(ids[-model.context:])[:, None]  # (T, 1)
            logits = model(gg.tensor(window)).numpy()[-1, 0] / temperature
            p = np.exp(logits - logits.max())
            ids.append(int(rng.choice(len(p), p=p / p.sum())))
    model.train()
    return start + "".join(vocab.chars[i] for i in ids[len(vocab.encode(start)):])


def main(epochs=15, lr=3e-3, seed=0, verbose=True):
    gg.manual_seed(seed)
    text = data.load_text()
    vocab = data.CharVocab(text)
    loader = data.BPTTLoader(vocab.encode(text), batch_size=32, bptt_len=64)  # as char_lm.py
    model = CharTransformer(len(vocab))
    opt = optim.Adam(model.parameters(), lr=lr)
    if verbose:
        print(f"{len(text)} characters, {len(vocab)} distinct; {loader}; "
              f"{model.num_parameters()} parameters")
    for epoch in range(epochs):
        total = 0.0
        for x, y in loader:
            loss = sequence_loss(cross_entropy, model(x), y)
            opt.zero_grad()
            loss.backward()
            optim.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += loss.item()
        mean = total / len(loader)
        if verbose:
            print(f"epoch {epoch + 1}  loss {mean:.3f}  perplexity {math.exp(mean):.1f} "
                  f"(uniform guessing: {len(vocab)})")
    if verbose:
        print(sample(model, vocab))
    return mean, model, vocab


def show_attention(model, vocab, text="MENENIUS:\nWhat work's, my countrymen, in hand?",
                   save="char_attention.png"):
    """What each head of the last layer attends to, character by character."""
    from glassgrad import viz

    model.eval()
    maps = explain.attention_maps(model, gg.tensor(vocab.encode(text)[:, None]))
    print(maps)
    return viz.plot_attention(maps, layer=-1, tokens=list(text), save=save)


if __name__ == "__main__":
    _, trained, chars = main()
    show_attention(trained, chars)
