"""Take a trained CNN out to onnxruntime, and bring it back into the glass box.

    PYTHONPATH=src python examples/onnx_deploy.py     # needs onnx and onnxruntime

Read top to bottom: train the LeNet-style digits CNN briefly, export it to ONNX, run the file in
onnxruntime (the same predictions), load the file back into glassgrad layers and look inside.
"""

import os
import tempfile

import numpy as np

import glassgrad as gg
import glassgrad.onnx
from glassgrad import data
from glassgrad.explain import layer_stats


def main(epochs=3, verbose=True):
    # 1. A trained model: the digits CNN of examples/lenet_digits.py, a few epochs.
    from lenet_digits import main as train_lenet

    model, accuracy = train_lenet(epochs=epochs, verbose=False)
    X, y = data.load_digits()
    X, y = X[:200], y[:200]

    # 2. Export: one example batch fixes the layout; the batch dim stays symbolic.
    path = os.path.join(tempfile.mkdtemp(), "lenet_digits.onnx")
    glassgrad.onnx.export(model, X[:1], path)

    # 3. Run the file in onnxruntime: the same scores as glassgrad (float32 rounding apart).
    import onnxruntime as ort

    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    scores = session.run(None, {"input": X.astype(np.float32)})[0]
    model.eval()
    with gg.no_grad():
        ours = model(gg.tensor(X)).numpy()
    agree = float((scores.argmax(1) == ours.argmax(1)).mean())

    # 4. Load it back: the same layers (Conv2d, ReLU, MaxPool2d, ...), ready for the glass box.
    loaded = glassgrad.onnx.load(path)
    stats = layer_stats(loaded, X[:64], y[:64], loss="cross_entropy")
    if verbose:
        print(f"test accuracy after {epochs} epochs: {accuracy:.3f}")
        print(f"onnxruntime vs glassgrad: max |score difference| "
              f"{np.abs(scores - ours).max():.2e}, predictions agree on {agree:.0%}")
        print(loaded)
        print(stats)
    return scores, ours, loaded


if __name__ == "__main__":
    main()
