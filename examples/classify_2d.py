"""Logistic/softmax regression vs a small MLP on three 2-D problems.

Run: PYTHONPATH=src python examples/classify_2d.py [--plots DIR]

For each problem the same ``fit`` trains a linear baseline (one Linear layer: a straight
decision boundary) and a tanh network (curved boundaries). The gap between the two test
accuracies is what the hidden layers buy. With ``--plots DIR`` (needs matplotlib) the decision
boundaries are saved as PNG files.
"""

import argparse
import os

import glassgrad as gg
from glassgrad import data, nn, optim, train


def mlp(sizes, out_activation=None):
    """Linear layers with tanh between them, e.g. sizes = [2, 4, 2, 1]."""
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.Tanh())
    if out_activation is not None:
        layers.append(out_activation)
    return nn.Sequential(*layers)


# name -> (data, loss, linear baseline, network, epochs of the network)
PROBLEMS = {
    "moons": (lambda: data.make_moons(1000, noise=0.1, seed=0), nn.BCELoss,
              lambda: train.LogisticRegression(2), lambda: mlp([2, 4, 2, 1], nn.Sigmoid()), 60),
    "circles": (lambda: data.make_circles(500, noise=0.05, factor=0.5, seed=0), nn.BCELoss,
                lambda: train.LogisticRegression(2), lambda: mlp([2, 4, 2, 1], nn.Sigmoid()),
                60),
    "spirals (3 classes)": (lambda: data.make_spirals(600, n_classes=3, noise=0.1, seed=0),
                            nn.CrossEntropyLoss, lambda: train.SoftmaxRegression(2, 3),
                            lambda: mlp([2, 64, 32, 16, 3]), 100),
}


def run(make_model, loss, parts, lr, epochs):
    gg.manual_seed(0)
    model = make_model()
    (Xtr, ytr), (Xte, yte) = parts
    train.fit(model, loss, optim.Adam(model.parameters(), lr=lr), (Xtr, ytr), epochs=epochs,
              batch_size=25, seed=0, verbose=0)
    return model, train.evaluate(model, loss, (Xte, yte), metrics=["accuracy"])["accuracy"]


def main(plots=None):
    print(f"{'problem':<22}{'linear':>8}{'MLP':>8}")
    for name, (make_data, loss_cls, baseline, network, epochs) in PROBLEMS.items():
        X, y = make_data()
        Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=0.3, stratify=y, seed=0)
        parts = ((Xtr, ytr), (Xte, yte))
        lin, lin_acc = run(baseline, loss_cls(), parts, lr=0.1, epochs=30)
        net, net_acc = run(network, loss_cls(), parts, lr=0.05 if epochs == 60 else 0.01,
                           epochs=epochs)
        print(f"{name:<22}{lin_acc:>8.1%}{net_acc:>8.1%}")
        if plots:
            from glassgrad.viz import plot_decision_boundary

            os.makedirs(plots, exist_ok=True)
            stem = name.split()[0]
            for tag, model in (("linear", lin), ("mlp", net)):
                plot_decision_boundary(model, X, y, title=f"{name}: {tag}",
                                       save=os.path.join(plots, f"{stem}_{tag}.png"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", metavar="DIR", help="save decision-boundary PNGs here")
    main(parser.parse_args().plots)
