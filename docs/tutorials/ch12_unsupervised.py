"""
12. Unsupervised learning: autoencoders and GANs
================================================

Without labels a network can still learn the structure of its data. An autoencoder squeezes
each input through a narrow code and learns to rebuild it: the code becomes a compressed
description. A generative adversarial network (GAN) learns to make new samples: a generator
turns noise into samples, a discriminator tries to tell them from real ones, and each learns
from the other. This chapter trains both with the plain glassgrad API and shows the ways a GAN
fails.
"""

# %%
# An autoencoder on the digits
# ----------------------------
# 64 pixels → 32 → 2 numbers → 32 → 64 pixels, trained to output its own input (mean squared
# error). The labels are never used; they only colour the plot of the codes.
import math
import os

import numpy as np
from matplotlib.figure import Figure

import glassgrad as gg
import glassgrad.nn.functional as F
from glassgrad import data, nn, optim

QUICK = os.environ.get("GLASSGRAD_DOCS_QUICK", "") not in ("", "0")

X, labels = data.load_digits(images=False)
gg.manual_seed(0)
encoder = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 2))
decoder = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 64), nn.Sigmoid())
autoencoder = nn.Sequential(encoder, decoder)
opt = optim.Adam(autoencoder.parameters(), lr=1e-2)
loader = data.DataLoader(data.TensorDataset(X, X), batch_size=64, shuffle=True, seed=0)
for _ in range(15 if QUICK else 60):
    for xb, target in loader:
        loss = F.mse_loss(autoencoder(xb), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
with gg.no_grad():
    codes = encoder(gg.tensor(X)).numpy()
    rebuilt = decoder(gg.tensor(codes)).numpy()
print(f"reconstruction MSE {((rebuilt - X) ** 2).mean():.4f}; "
      f"predicting the mean image: {((X - X.mean(0)) ** 2).mean():.4f}")

# %%
# Every digit's 2-D code, and originals above their reconstructions from just two numbers.
# Digits of the same class land together although no label was seen.
fig = Figure(figsize=(10, 4), layout="constrained")
left, right = fig.subfigures(1, 2, width_ratios=[1, 1.2])
ax = left.subplots()
points = ax.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=5)
left.colorbar(points, ax=ax, label="digit")
ax.set(title="2-D codes", xlabel="code 1", ylabel="code 2")
grid = right.subplots(2, 5)
for i in range(5):
    k = int(np.flatnonzero(labels == i)[0])
    for row, img in enumerate((X[k], rebuilt[k])):
        grid[row, i].imshow(img.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        grid[row, i].axis("off")
right.suptitle("originals (top), reconstructions (bottom)")
fig  # noqa: B018  (the figure, shown by sphinx-gallery)

# %%
# A GAN on a ring of Gaussians
# ----------------------------
# Real data: 8 tight Gaussian blobs on a circle. Each training step has two halves:
#
# 1. the discriminator D learns to output "real" (1) for real samples and "fake" (0) for the
#    generator's, with the generator's output detached so only D learns;
# 2. the generator G learns to make D say "real": the non-saturating loss BCE(D(G(z)), 1).
#
# Success is visible: how many of the 8 modes the samples cover.
MODES = np.array([(2 * math.cos(a), 2 * math.sin(a)) for a in np.arange(8) * math.pi / 4])
rng = np.random.default_rng(1)


def real(n):
    return (MODES[rng.integers(0, 8, n)] + 0.05 * rng.standard_normal((n, 2))).astype("f4")


def mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
    return nn.Sequential(*layers[:-1])


def train_gan(steps, lr_g=1e-3, lr_d=1e-3, d_steps=1, saturating=False, seed=0):
    gg.manual_seed(seed)
    G, D = mlp([2, 64, 64, 2]), mlp([2, 64, 64, 1])
    opt_g = optim.Adam(G.parameters(), lr=lr_g, betas=(0.5, 0.999))
    opt_d = optim.Adam(D.parameters(), lr=lr_d, betas=(0.5, 0.999))
    noise = np.random.default_rng(seed)
    ones, zeros, g_grads = gg.ones(128, 1), gg.zeros(128, 1), []
    for _ in range(steps):
        for _ in range(d_steps):
            fake = G(gg.tensor(noise.standard_normal((128, 2)).astype("f4"))).detach()
            loss_d = (F.binary_cross_entropy_with_logits(D(gg.tensor(real(128))), ones)
                      + F.binary_cross_entropy_with_logits(D(fake), zeros))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
        logits = D(G(gg.tensor(noise.standard_normal((128, 2)).astype("f4"))))
        loss_g = (-F.binary_cross_entropy_with_logits(logits, zeros) if saturating
                  else F.binary_cross_entropy_with_logits(logits, ones))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        g_grads.append(math.sqrt(sum(float((p.grad.numpy() ** 2).sum())
                                     for p in G.parameters())))
    with gg.no_grad():
        samples = G(gg.tensor(noise.standard_normal((512, 2)).astype("f4"))).numpy()
    return samples, g_grads


def modes_covered(samples):
    d = np.linalg.norm(samples[:, None] - MODES[None], axis=2)
    near = d.min(1) < 0.15
    return int((np.bincount(d.argmin(1)[near], minlength=8) >= 10).sum())


steps = 1200 if QUICK else 2000
healthy, healthy_grads = train_gan(steps)
print(f"healthy GAN: {modes_covered(healthy)}/8 modes covered")

# %%
# Two failures
# ------------
# **A discriminator that wins.** Give D a 50× larger learning rate and 5 steps per G step:
# it rejects every fake at once, D(G(z)) ≈ 0. The original minimax loss for G,
# log(1 − D(G(z))), is flat there — its gradient vanishes and G stops learning. The
# non-saturating loss −log D(G(z)) has a large gradient exactly there; that is why it is the
# standard. **Mode collapse.** A generator that learns 100× faster than D chases whatever D
# currently believes, and all its samples pile onto one spot.
short = 150 if QUICK else 400
_, saturating_grads = train_gan(short, lr_g=1e-4, lr_d=5e-3, d_steps=5, saturating=True)
_, nonsat_grads = train_gan(short, lr_g=1e-4, lr_d=5e-3, d_steps=5)
collapsed, _ = train_gan(steps // 2, lr_g=1e-2, lr_d=1e-4)
print(f"G's gradient norm over the first 50 steps against a winning D: saturating loss "
      f"{np.mean(saturating_grads[:50]):.1e}, non-saturating {np.mean(nonsat_grads[:50]):.1e}")
print(f"fast G, slow D: {modes_covered(collapsed)}/8 modes covered")

fig = Figure(figsize=(11, 3.3), layout="constrained")
axes = fig.subplots(1, 3)
for ax, (title, pts) in zip(axes[:2], [("healthy", healthy), ("mode collapse", collapsed)]):
    ax.scatter(MODES[:, 0], MODES[:, 1], s=80, c="lightgray")
    ax.scatter(pts[:, 0], pts[:, 1], s=2)
    ax.set(title=f"{title}: {modes_covered(pts)}/8 modes", xlim=(-3, 3), ylim=(-3, 3),
           aspect="equal")
axes[2].plot(saturating_grads, label="saturating log(1 − D(G(z)))")
axes[2].plot(nonsat_grads, label="non-saturating −log D(G(z))")
axes[2].set(title="G's gradient norm vs a winning D", xlabel="step", yscale="log")
axes[2].legend(fontsize=7)
fig  # noqa: B018  (the figure, shown by sphinx-gallery)

# %%
# The full example (``examples/gan.py``) also trains a GAN on the 8×8 digits and draws sample
# grids over training; ``examples/autoencoder_digits.py`` is the autoencoder above as a script.
