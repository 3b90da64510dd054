"""
11. Attention and Transformers
==============================

Attention lets every position of a sequence look at every other position and take what it
needs: each query scores all keys, a softmax turns the scores into weights, and the output is
the weighted average of the values — softmax(QKᵀ/√d)V. This chapter computes one attention
head by hand and checks it against glassgrad's graph, adds heads and masks, builds a
Transformer encoder, trains it on a sequence task and looks inside: which position does each
head attend to?
"""

# %%
# One attention head, by hand
# ---------------------------
# Two queries, three keys and values, d = 2 features. Scores are dot products scaled by 1/√d;
# each row of weights is a softmax, so it sums to 1.
import math
import os

import numpy as np

import glassgrad as gg
import glassgrad.nn.functional as F
from glassgrad import data, explain, nn, optim, viz

QUICK = os.environ.get("GLASSGRAD_DOCS_QUICK", "") not in ("", "0")
gg.set_default_dtype(gg.float64)

Q = np.array([[1.0, 0.0], [0.0, 1.0]])
K = np.array([[1.0, 1.0], [0.0, 2.0], [-1.0, 0.0]])
V = np.array([[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
scores = Q @ K.T / math.sqrt(2)
weights = np.exp(scores) / np.exp(scores).sum(1, keepdims=True)
print("scores QKᵀ/√d:\n", scores.round(4), "\nweights:\n", weights.round(4),
      "\noutput = weights · V:\n", (weights @ V).round(4))

# %%
# The same with glassgrad. ``explain.graph`` lists every node the computation made: Kᵀ
# (Permute), QKᵀ (MatMul), the scaling by 1/√2 = 0.7071 (Mul), the softmax as exp of the
# log-softmax, and the product with V — the formula, node by node, with each gradient.
q, k, v = (gg.tensor(a, requires_grad=True) for a in (Q, K, V))
out = F.scaled_dot_product_attention(q, k, v)
assert np.allclose(out.detach().numpy(), weights @ V)
print(explain.graph(out, names={"Q": q, "K": k, "V": v}))

# %%
# Masks. A causal mask hides the future: query i may only look at keys j ≤ i (language
# models). ``attn_mask`` of scaled_dot_product_attention is True where a key TAKES PART;
# ``nn.MultiheadAttention`` and the Transformer layers take True (or −∞) where a key is LEFT
# OUT, as in PyTorch.
x = gg.tensor(np.random.default_rng(0).standard_normal((4, 2)))
causal = F.scaled_dot_product_attention(x, x, x, is_causal=True)
print(nn.Transformer.generate_square_subsequent_mask(4))
assert np.allclose(causal.detach().numpy()[0], x.detach().numpy()[0])  # row 0 sees only itself

# %%
# Many heads
# ----------
# ``nn.MultiheadAttention(embed_dim, num_heads)`` projects queries, keys and values with one
# (3E × E) matrix ``in_proj_weight``, splits them into heads of E/heads features, attends in each
# head and projects the joined heads back with ``out_proj``. The parameter names are
# PyTorch's, so a PyTorch state dict loads unchanged. ``average_attn_weights=False`` returns
# every head's weights.
gg.manual_seed(0)
mha = nn.MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True)
seq = gg.randn(1, 5, 8)
out, w = mha(seq, seq, seq, average_attn_weights=False)
print(out.shape, w.shape, [name for name, _ in mha.named_parameters()])
print("row sums:", w.detach().numpy().sum(-1).round(6))

# %%
# Positions
# ---------
# Attention alone ignores order (shuffle the keys and values together and nothing changes), so
# the Transformer adds a position code to each input: sines and cosines of geometrically
# spaced frequencies, PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(...).
pe = F.sinusoidal_positional_encoding(64, 32).numpy()
from matplotlib.figure import Figure  # noqa: E402

fig = Figure(figsize=(6, 2.6), layout="constrained")
ax = fig.subplots()
image = ax.imshow(pe.T, aspect="auto", cmap="RdBu")
ax.set(xlabel="position", ylabel="feature", title="sinusoidal positional encoding")
fig.colorbar(image, ax=ax)
fig  # noqa: B018  (the figure, shown by sphinx-gallery)

# %%
# The Transformer encoder layer
# -----------------------------
# Self-attention, then a position-wise feed-forward network (Linear → ReLU → Linear), each
# inside a residual connection with a LayerNorm: x = norm(x + block(x)) as in the original
# paper (PyTorch's default), or x = x + block(norm(x)) with ``norm_first=True`` ("pre-norm",
# easier to train deep). ``nn.TransformerEncoder(layer, num_layers)`` stacks copies. From here
# on the chapter trains, in float32 (the default; the hand checks above ran in float64).
gg.set_default_dtype(gg.float32)
layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, dropout=0.0,
                                   batch_first=True)
print(layer)

# %%
# Learning to look back
# ---------------------
# The memory task: the class is shown (one-hot) at the FIRST step of a sequence; every later
# step is noise of the same size. To answer, the model must find step 0 — with positions it
# can. Sequences have different lengths, padded with zeros; the ``src_key_padding_mask``
# keeps attention off the padding.
n, T = (800, 16) if QUICK else (1500, 24)
X, y = data.make_memory_task(n + 300, T, n_classes=4, noise=1.0, seed=0)
lengths = np.random.default_rng(1).integers(T // 3, T + 1, len(X))
pad = np.arange(T)[None] >= lengths[:, None]
X[pad] = 0.0


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(4, 32)
        self.position = nn.PositionalEncoding(32, dropout=0.0, max_len=T, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=1)
        self.head = nn.Linear(32, 4)

    def forward(self, x, pad=None):
        if pad is None:  # padding steps are exactly zero (noise never is)
            pad = (x.data == 0).all(-1)
        h = self.encoder(self.position(self.embed(x)), src_key_padding_mask=pad)
        keep = gg.tensor((~pad)[..., None].astype(np.float32))
        return self.head((h * keep).sum(dim=1) / keep.sum(dim=1))  # mean of the real steps


gg.manual_seed(0)
model = Classifier()
opt, loss_fn = optim.Adam(model.parameters(), lr=3e-3), nn.CrossEntropyLoss()
for epoch in range(8 if QUICK else 10):
    for i in range(0, n, 64):
        loss = loss_fn(model(gg.tensor(X[i:i + 64]), pad[i:i + 64]), gg.tensor(y[i:i + 64]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(f"epoch {epoch + 1}: loss {loss.item():.4f}")
model.eval()
with gg.no_grad():
    accuracy = (model(gg.tensor(X[n:]), pad[n:]).argmax(dim=1).numpy() == y[n:]).mean()
print(f"held-out accuracy {accuracy:.3f} (chance 0.25)")

# %%
# The glass box on attention
# --------------------------
# ``explain.attention_maps`` runs the model once and records the weights of every head of every
# attention module (forward hooks; the model itself is unchanged). The learned heads put their
# weight on step 0 — the only step that carries the answer — and none on the padding.
maps = explain.attention_maps(model, gg.tensor(X[n:n + 32]), pad[n:n + 32])
print(maps)
print(f"average weight on step 0: {maps[0][..., 0].mean():.2f} "
      f"(uniform would give {np.mean(1 / (~pad[n:n + 32]).sum(1)):.2f})")
viz.plot_attention(maps, layer=0, sample=0)

# %%
# The layer statistics and the diagnosis read Transformer layers like any other: the attention
# module (its in-projection), each LayerNorm and the feed-forward Linear/ReLU pair.
stats = explain.layer_stats(model, gg.tensor(X[:64]), y[:64], loss="cross_entropy")
print([(r.name, r.type) for r in stats.layers])
print(explain.diagnose(model, (gg.tensor(X[:64]), y[:64]), loss="cross_entropy"))
