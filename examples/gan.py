"""Generative adversarial networks: a generator G turns noise into samples, a discriminator D
scores samples as real or fake, and the two are trained in turn (Goodfellow et al., 2014).

    PYTHONPATH=src python examples/gan.py --out gan_plots

Part 1 learns a 2-D mixture of 8 Gaussians on a ring, where success and failure can be seen:
how many of the 8 modes the samples cover. Part 2 shows the two failures a course discusses on
the same data: a discriminator that wins (with the original "saturating" generator loss its
gradient vanishes: G stops learning) and mode collapse (G puts everything on a few modes).
Part 3 learns the shipped 8×8 digits and shows sample grids over training.

Losses, with D(x) = σ(logit) and BCE the binary cross-entropy:
    D step:  BCE(D(x_real), 1) + BCE(D(G(z)), 0)          (G(z) detached: only D learns)
    G step:  BCE(D(G(z)), 1)   "non-saturating"            (only G's optimizer steps)
             −BCE(D(G(z)), 0) = log(1 − D(G(z)))  "saturating", the minimax original
"""

import argparse
import math
import os

import numpy as np

import glassgrad as gg
import glassgrad.nn.functional as F
from glassgrad import data, nn, optim


def mlp(sizes, act=nn.LeakyReLU, out=None):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(act(0.2) if act is nn.LeakyReLU else act())
    return nn.Sequential(*layers, *([out()] if out else []))


def grad_norm(module) -> float:
    return math.sqrt(sum(float((p.grad.numpy() ** 2).sum()) for p in module.parameters()
                         if p.grad is not None))


def train(real, G, D, z_dim, steps, batch=128, lr_g=1e-3, lr_d=1e-3, d_steps=1,
          g_loss="non_saturating", snapshots=(), seed=0):
    """The alternating loop. ``real(n)`` draws n real samples. Returns the history (per step:
    losses, mean D on real and fake samples, G's gradient norm) and G's samples at the steps
    listed in ``snapshots``."""
    rng = np.random.default_rng(seed)
    opt_g = optim.Adam(G.parameters(), lr=lr_g, betas=(0.5, 0.999))
    opt_d = optim.Adam(D.parameters(), lr=lr_d, betas=(0.5, 0.999))
    ones, zeros = gg.ones(batch, 1), gg.zeros(batch, 1)
    fixed_z = gg.tensor(rng.standard_normal((512, z_dim)).astype(np.float32))
    hist = {k: [] for k in ("loss_d", "loss_g", "d_real", "d_fake", "g_grad")}
    samples = {}
    for step in range(1, steps + 1):
        # 1. the discriminator learns to tell real (1) from fake (0)
        for _ in range(d_steps):
            x = gg.tensor(real(batch))
            fake = G(gg.tensor(rng.standard_normal((batch, z_dim)).astype(np.float32)))
            real_logits, fake_logits = D(x), D(fake.detach())
            loss_d = (F.binary_cross_entropy_with_logits(real_logits, ones)
                      + F.binary_cross_entropy_with_logits(fake_logits, zeros))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
        # 2. the generator learns to make D say "real" (D's parameters get gradients too, but
        # only G's optimizer steps; D's are cleared before its next step)
        fake_logits = D(G(gg.tensor(rng.standard_normal((batch, z_dim)).astype(np.float32))))
        if g_loss == "non_saturating":
            loss_g = F.binary_cross_entropy_with_logits(fake_logits, ones)
        else:
            loss_g = -F.binary_cross_entropy_with_logits(fake_logits, zeros)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        for key, value in (("loss_d", loss_d.item()), ("loss_g", loss_g.item()),
                           ("d_real", float(F.sigmoid(real_logits).mean().item())),
                           ("d_fake", float(F.sigmoid(fake_logits).mean().item())),
                           ("g_grad", grad_norm(G))):
            hist[key].append(value)
        if step in snapshots:
            with gg.no_grad():
                samples[step] = G(fixed_z).numpy()
    return hist, samples


# ---------------------------------------------------------------- the 2-D mixture
MODES = np.array([(2 * math.cos(a), 2 * math.sin(a)) for a in np.arange(8) * math.pi / 4])
STD = 0.05


def ring(seed=1):
    rng = np.random.default_rng(seed)
    return lambda n: (MODES[rng.integers(0, 8, n)] + STD * rng.standard_normal((n, 2))).astype(
        np.float32)


def coverage(samples) -> tuple[int, float]:
    """(modes with ≥ 2 % of the samples within 3σ, share of samples within 3σ of a mode)."""
    d = np.linalg.norm(samples[:, None, :] - MODES[None], axis=2)
    near = d.min(1) < 3 * STD
    counts = np.bincount(d.argmin(1)[near], minlength=8)
    return int((counts >= 0.02 * len(samples)).sum()), float(near.mean())


def mixture(steps=3000, seed=0, **kw):
    gg.manual_seed(seed)
    G, D = mlp([2, 64, 64, 2]), mlp([2, 64, 64, 1])
    snaps = sorted({steps // 6, steps // 3, steps // 2, steps})
    hist, samples = train(ring(), G, D, 2, steps, snapshots=snaps, seed=seed, **kw)
    return hist, samples


def show_mixture(runs, out, name):
    """Sample clouds over training (one row per run) beside the real modes."""
    from matplotlib.figure import Figure

    cols = max(len(s) for _, (_, s) in runs)
    fig = Figure(figsize=(2.6 * cols, 2.6 * len(runs)), layout="constrained")
    axes = fig.subplots(len(runs), cols, squeeze=False)
    for r, (title, (_, samples)) in enumerate(runs):
        for c, (step, pts) in enumerate(sorted(samples.items())):
            ax = axes[r][c]
            ax.scatter(MODES[:, 0], MODES[:, 1], s=60, c="lightgray", marker="o")
            ax.scatter(pts[:, 0], pts[:, 1], s=2, alpha=0.5)
            modes, share = coverage(pts)
            ax.set_title(f"{title}\nstep {step}: {modes}/8 modes, {share:.0%} on a mode",
                         fontsize=8)
            ax.set(xlim=(-3, 3), ylim=(-3, 3), xticks=[], yticks=[], aspect="equal")
    fig.savefig(os.path.join(out, name), dpi=90)


def show_curves(runs, out, name):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 3.2), layout="constrained")
    axes = fig.subplots(1, 3)
    for title, (hist, _) in runs:
        axes[0].plot(hist["loss_d"], label=title, lw=0.7)
        axes[1].plot(hist["d_fake"], label=title, lw=0.7)
        axes[2].plot(hist["g_grad"], label=title, lw=0.7)
    axes[0].set(title="discriminator loss", xlabel="step")
    axes[1].set(title="mean D(G(z)): D's belief that fakes are real", xlabel="step")
    axes[2].set(title="norm of G's gradient", xlabel="step", yscale="log")
    axes[1].set(ylim=(0, 1))
    axes[0].legend(fontsize=7)
    fig.savefig(os.path.join(out, name), dpi=90)


# ---------------------------------------------------------------- the 8×8 digits
def digits(steps=4000, seed=0, z_dim=16):
    gg.manual_seed(seed)
    X, labels = data.load_digits(images=False)
    rng = np.random.default_rng(seed + 1)
    G = mlp([z_dim, 128, 128, 64], out=nn.Sigmoid)
    D = mlp([64, 128, 64, 1])
    snaps = sorted({steps // 8, steps // 2, steps})
    hist, samples = train(lambda n: X[rng.integers(0, len(X), n)], G, D, z_dim, steps,
                          lr_g=2e-3, lr_d=1e-3, snapshots=snaps, seed=seed)
    return hist, samples, X, labels


def nearest_real(samples, X, labels):
    """Distance from each sample to its nearest real digit, and that digit's label."""
    d = ((samples[:, None, :] - X[None]) ** 2).sum(2)
    return np.sqrt(d.min(1)), labels[d.argmin(1)]


def show_digits(samples, X, labels, out):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.2 * len(samples), 3.6), layout="constrained")
    axes = fig.subplots(1, len(samples), squeeze=False)[0]
    for ax, (step, s) in zip(axes, sorted(samples.items())):
        cells = np.pad(s[:36].reshape(6, 6, 8, 8), ((0, 0), (0, 0), (0, 1), (0, 1)))
        grid = cells.transpose(0, 2, 1, 3).reshape(54, 54)  # 6×6 digits, 1-pixel gaps
        ax.imshow(grid, cmap="gray_r", vmin=0, vmax=1)
        dist, near = nearest_real(s, X, labels)
        ax.set_title(f"step {step}: {len(set(near))} digit classes,\nmean distance to the "
                     f"nearest real digit {dist.mean():.2f}", fontsize=8)
        ax.axis("off")
    fig.savefig(os.path.join(out, "digits_samples.png"), dpi=90)


def main(steps=2000, digit_steps=3000, out=None, verbose=True):
    say = print if verbose else (lambda *a: None)
    if out:
        os.makedirs(out, exist_ok=True)

    # Part 1: a healthy run on the ring of 8 Gaussians.
    healthy = mixture(steps)
    modes, share = coverage(healthy[1][steps])
    say(f"healthy GAN: {modes}/8 modes covered, {share:.0%} of samples on a mode; "
        f"final D loss {healthy[0]['loss_d'][-1]:.3f} (≈ 2 log 2 = 1.386 at equilibrium)")

    # Part 2: the failures. A discriminator that learns 50x faster and takes 5 steps per G
    # step wins: it rejects the fakes (D(G(z)) → 0). With the original saturating loss
    # log(1 − D(G(z))) the generator's gradient then vanishes (G sits still for hundreds of
    # steps); the non-saturating loss keeps it alive, but against so strong a D, G collapses
    # onto one mode.
    strong_d = dict(lr_d=5e-3, d_steps=5, lr_g=1e-4)
    winning = mixture(steps, g_loss="saturating", **strong_d)
    fixed = mixture(steps, **strong_d)
    say(f"winning D: mean D(G(z)) {np.mean(winning[0]['d_fake'][-100:]):.3f}; G's gradient "
        f"norm over the first 50 steps {np.mean(winning[0]['g_grad'][:50]):.2e} with the "
        f"saturating loss, {np.mean(fixed[0]['g_grad'][:50]):.2e} with the non-saturating one")
    # A generator stepping 100x faster than D chases D's current weak spot: mode collapse.
    collapsed = mixture(steps, lr_g=1e-2, lr_d=1e-4)
    say(f"fast G, slow D: {coverage(collapsed[1][steps])[0]}/8 modes covered")
    runs = [("healthy", healthy), ("winning D, saturating loss", winning),
            ("winning D, non-saturating", fixed), ("fast G, slow D", collapsed)]
    if out:
        show_mixture(runs, out, "mixture_samples.png")
        show_curves(runs, out, "mixture_curves.png")

    # Part 3: the digits.
    hist, samples, X, labels = digits(digit_steps)
    dist, near = nearest_real(samples[digit_steps], X, labels)
    say(f"digits: samples' mean distance to the nearest real digit {dist.mean():.2f}, "
        f"{len(set(near))} of 10 classes among their nearest neighbours")
    if out:
        show_digits(samples, X, labels, out)
    return {"healthy": healthy, "winning": winning, "fixed": fixed, "collapsed": collapsed,
            "digits": (hist, samples, X, labels)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--digit-steps", type=int, default=3000)
    parser.add_argument("--out", default="gan_plots", help="folder for the plots")
    args = parser.parse_args()
    main(args.steps, args.digit_steps, args.out)
