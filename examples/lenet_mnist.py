"""LeNet-5 on MNIST, read from the IDX files in a folder you name (nothing is downloaded).

    PYTHONPATH=src python examples/lenet_mnist.py ~/data/mnist [--epochs 3] [--limit 20000]

The folder must hold train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
and t10k-labels-idx1-ubyte (optionally .gz), e.g. from http://yann.lecun.com/exdb/mnist/.
Expect about 98-99% test accuracy after 2-3 epochs.
"""

import argparse
import sys
import time

import glassgrad as gg
import glassgrad.nn.functional as F
from glassgrad import data, nn
from glassgrad.data import MNIST, DataLoader


def lenet5():
    """LeCun et al. (1998), with ReLU and max-pooling. Shapes for one 1×28×28 image."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2),    # 6×28×28
        nn.ReLU(),
        nn.MaxPool2d(2),                              # 6×14×14
        nn.Conv2d(6, 16, kernel_size=5),              # 16×10×10
        nn.ReLU(),
        nn.MaxPool2d(2),                              # 16×5×5
        nn.Flatten(),                                 # 400
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def evaluate(model, dataset, normalize, batch_size=1000):
    model.eval()
    correct = 0
    with gg.no_grad():
        for xb, yb in DataLoader(dataset, batch_size=batch_size):
            correct += int((model(normalize(xb)).argmax(dim=1).numpy() == yb.numpy()).sum())
    model.train()
    return correct / len(dataset)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", help="folder with the MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N images")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    # 1. Data: (N, 1, 28, 28) float32 in [0, 1], labels 0..9.
    try:
        train, test = MNIST(args.folder, train=True), MNIST(args.folder, train=False)
    except FileNotFoundError as err:
        print(f"lenet_mnist: cannot read MNIST from {args.folder!r}.\n{err}", file=sys.stderr)
        return 2
    if args.limit:
        train = gg.data.Subset(train, range(min(args.limit, len(train))))
    gg.manual_seed(args.seed)
    loader = DataLoader(train, batch_size=64, shuffle=True, seed=args.seed)
    normalize = data.transforms.Normalize(mean=0.1307, std=0.3081)  # MNIST's pixel mean and std

    # 2. Model and optimizer (the classic SGD with momentum).
    model = lenet5()
    optimizer = gg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    # 3. Training loop.
    for epoch in range(args.epochs):
        start, total, seen = time.perf_counter(), 0.0, 0
        for xb, yb in loader:
            loss = F.cross_entropy(model(normalize(xb)), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, seen = total + loss.item() * len(yb), seen + len(yb)
        print(f"epoch {epoch + 1}: loss {total / seen:.4f}, "
              f"{time.perf_counter() - start:.1f} s, "
              f"test accuracy {evaluate(model, test, normalize):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
