"""A dense autoencoder on the shipped 8×8 digits: squeeze 64 pixels through a 2-number code and
rebuild the image from it. No labels are used for training; they only colour the code plot.

    PYTHONPATH=src python examples/autoencoder_digits.py --out ae_plots

Read top to bottom: data, model (encoder and decoder), the training loop, then the two plots
(originals above their reconstructions, and every digit's 2-D code).
"""

import argparse
import os

import numpy as np

import glassgrad as gg
from glassgrad import data, nn, optim


def build(code_size=2):
    """64 → 32 → code → 32 → 64; the decoder ends in a sigmoid since pixels lie in [0, 1]."""
    encoder = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, code_size))
    decoder = nn.Sequential(nn.Linear(code_size, 32), nn.Tanh(), nn.Linear(32, 64), nn.Sigmoid())
    return encoder, decoder


def main(epochs=60, batch_size=64, lr=1e-2, code_size=2, seed=0, out=None, verbose=True):
    gg.manual_seed(seed)

    # 1. Data: 1797 flattened digits (64 pixels in [0, 1]); the labels are kept for plotting.
    X, labels = data.load_digits(images=False)
    loader = data.DataLoader(data.TensorDataset(X, X), batch_size=batch_size, shuffle=True,
                             seed=seed)

    # 2. Model and optimizer: the autoencoder is the decoder after the encoder.
    encoder, decoder = build(code_size)
    model = nn.Sequential(encoder, decoder)
    opt = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()

    # 3. Training: the target is the input itself.
    history = []
    for epoch in range(epochs):
        total = 0.0
        for xb, target in loader:
            loss = loss_fn(model(xb), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        history.append(total / len(X))
        if verbose and (epoch + 1) % 10 == 0:
            print(f"epoch {epoch + 1:3d}  reconstruction MSE {history[-1]:.4f}")

    # 4. The code of every digit, and every reconstruction.
    with gg.no_grad():
        codes = encoder(gg.tensor(X)).numpy()
        rebuilt = decoder(gg.tensor(codes)).numpy()
    mse = float(((rebuilt - X) ** 2).mean())
    if verbose:
        print(f"final reconstruction MSE {mse:.4f} (predicting the mean image: "
              f"{float(((X - X.mean(0)) ** 2).mean()):.4f})")
    if out:
        plot(X, rebuilt, codes, labels, history, out)
    return mse, codes


def plot(X, rebuilt, codes, labels, history, out):
    """Originals over reconstructions, the 2-D code coloured by digit, and the loss curve."""
    from matplotlib.figure import Figure

    os.makedirs(out, exist_ok=True)
    fig = Figure(figsize=(10, 2.6), layout="constrained")
    axes = fig.subplots(2, 10)
    for i in range(10):
        k = int(np.flatnonzero(labels == i)[0])
        for row, img in enumerate((X[k], rebuilt[k])):
            axes[row, i].imshow(img.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            axes[row, i].axis("off")
    fig.suptitle("originals (top) and their reconstructions from 2 numbers (bottom)")
    fig.savefig(os.path.join(out, "reconstructions.png"), dpi=100)

    fig = Figure(figsize=(9, 4), layout="constrained")
    ax_code, ax_loss = fig.subplots(1, 2)
    points = ax_code.scatter(codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=6)
    fig.colorbar(points, ax=ax_code, label="digit (not used in training)")
    ax_code.set(title="the 2-D code of every digit", xlabel="code 1", ylabel="code 2")
    ax_loss.plot(range(1, len(history) + 1), history)
    ax_loss.set(title="reconstruction loss", xlabel="epoch", ylabel="MSE", yscale="log")
    fig.savefig(os.path.join(out, "code.png"), dpi=100)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--out", default="autoencoder_plots", help="folder for the plots")
    args = parser.parse_args()
    main(epochs=args.epochs, out=args.out)
