"""
7. Convolutional networks
=========================

A convolution slides a small filter over an image and takes a weighted sum at every position:
the same few weights are reused everywhere, so the layer finds a pattern wherever it appears.
This chapter checks the output-size formula and one convolution by hand, pools, trains a
LeNet-style network on the 8×8 digits that ship with glassgrad, looks at its filters and feature
maps, and reuses its trained features for a new task (transfer learning).
"""

# %%
# Output size
# -----------
# For input size n, kernel k, padding p, stride s and dilation d the output size is
# ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1. The layer must agree.
import os

import numpy as np

import glassgrad as gg
from glassgrad import data, nn, optim, train, viz

QUICK = bool(os.environ.get("GLASSGRAD_DOCS_QUICK"))


def out_size(n, k, p=0, s=1, d=1):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


for n, k, p, s, d in [(28, 5, 0, 1, 1), (28, 5, 2, 1, 1), (32, 3, 1, 2, 1), (8, 3, 0, 1, 2)]:
    conv = nn.Conv2d(1, 1, kernel_size=k, padding=p, stride=s, dilation=d)
    shape = conv(gg.zeros(1, 1, n, n)).shape
    print(f"n={n:2d} k={k} p={p} s={s} d={d}: formula {out_size(n, k, p, s, d):2d}, "
          f"layer {shape[2]}")
    assert shape[2] == out_size(n, k, p, s, d)

# %%
# One convolution, by hand
# ------------------------
# A vertical-edge filter on a 5×5 image that is dark on the left and bright on the right.
# (Deep-learning "convolution" is cross-correlation: the filter is not flipped.)
image = np.array([[0, 0, 1, 1, 1]] * 5, dtype=np.float32)
kernel = np.array([[-1, 0, 1]] * 3, dtype=np.float32)
by_hand = np.array([[np.sum(image[i:i + 3, j:j + 3] * kernel) for j in range(3)]
                    for i in range(3)])
edge = nn.Conv2d(1, 1, kernel_size=3, bias=False)
with gg.no_grad():
    edge.weight.data[...] = kernel
out = edge(gg.tensor(image[None, None])).detach().numpy()[0, 0]
print("by hand:\n", by_hand, "\nConv2d:\n", out)
assert np.array_equal(by_hand, out)

# %%
# Pooling keeps the strongest response in each window and halves the size:
pooled = nn.MaxPool2d(2)(gg.tensor(np.arange(16.0, dtype=np.float32).reshape(1, 1, 4, 4)))
print(pooled.detach().numpy()[0, 0])        # [[5, 7], [13, 15]]

# %%
# LeNet on the 8×8 digits
# -----------------------
# 1797 images of handwritten digits (shipped, no download). Two convolution + pooling stages
# extract features; a small classifier reads them.
X, y = data.load_digits()
if QUICK:
    X, y = X[:900], y[:900]
X_tr, X_te, y_tr, y_te = data.train_test_split(X, y, test_size=0.25, stratify=y, seed=0)
gg.manual_seed(0)
features = nn.Sequential(
    nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 16×4×4
    nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32×2×2
    nn.Flatten())
model = nn.Sequential(features, nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
model.summary((1, 8, 8))
history = train.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=5e-3),
                    (X_tr, y_tr), val=(X_te, y_te), epochs=6 if QUICK else 15, batch_size=64,
                    metrics=["accuracy"], seed=0, verbose=0)
print(f"accuracy on the held-out digits: {history['val_accuracy'][-1]:.3f}")
fig = history.plot()
fig

# %%
# What the network learned to look for
# ------------------------------------
# The first layer's 16 filters, and the maps they produce on one test digit: each map is
# bright where its filter's pattern appears.
fig = viz.plot_filters(features[0])
fig

# %%
fig = viz.plot_feature_maps(model, X_te[:1], layer="0.0", max_maps=16)
fig

# %%
# Transfer learning
# -----------------
# Features learned on one task often serve another. Freeze everything the digit network learned
# except its last layer — the convolutions and the 64-unit hidden layer — and train only a new
# output layer for a different question, "is the digit even?", from few examples.
body = nn.Sequential(features, model[1], model[2])           # up to the 64 hidden units
for p in body.parameters():
    p.requires_grad = False
gg.manual_seed(1)
head = nn.Linear(64, 2)
even = nn.Sequential(body, head)
few = 40
train.fit(even, nn.CrossEntropyLoss(), optim.Adam(head.parameters(), lr=1e-2),
          (X_tr[:few], y_tr[:few] % 2), epochs=60, batch_size=20, seed=0, verbose=0)
acc = train.metrics.accuracy(y_te % 2, train.predict(even, X_te))
print(f"even/odd from {few} examples with frozen features: test accuracy {acc:.3f}")

# %%
# The fair comparison is the same network trained from scratch on the same examples. On the
# 8×8 digits the two land close together: this task is easy enough that 40 examples suffice
# to learn it from scratch. Transfer pays when the new task has far fewer examples than the
# features need, or when the features come from a much larger data set (an ImageNet network
# reused for X-rays) — measure it, as here, rather than assume it.
gg.manual_seed(1)
scratch = nn.Sequential(
    nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(128, 2))
train.fit(scratch, nn.CrossEntropyLoss(), optim.Adam(scratch.parameters(), lr=1e-2),
          (X_tr[:few], y_tr[:few] % 2), epochs=60, batch_size=20, seed=0, verbose=0)
acc_scratch = train.metrics.accuracy(y_te % 2, train.predict(scratch, X_te))
print(f"even/odd from {few} examples, from scratch: test accuracy {acc_scratch:.3f}")
