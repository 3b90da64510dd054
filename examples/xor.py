"""XOR: the smallest problem a single neuron cannot solve, and a 2-2-1 network that can.

Run: PYTHONPATH=src python examples/xor.py

The textbook setup: sigmoid units, the halved sum of squared errors E = ½ Σ (t − a)² (SSELoss),
full-batch gradient descent on the four rows of the truth table, and a convergence criterion
("stop when E < 0.005") instead of a fixed number of epochs.
"""

import numpy as np

import glassgrad as gg
from glassgrad import data, nn, optim, train

# 1. The truth table: X (4, 2), targets (4, 1) as floats for the sigmoid output.
X, y = data.logic_gate("XOR")
t = y.astype(np.float32)[:, None]

# 2. A 2-2-1 sigmoid network. A fixed seed makes the run repeatable.
gg.manual_seed(1)
model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())

# 3. Train: one batch of 4 rows per epoch (batch_size=4), plain SGD, stop on E < 0.005.
history = train.fit(model, nn.SSELoss(), optim.SGD(model.parameters(), lr=2.0, momentum=0.9),
                    (X, t), epochs=5000, batch_size=4, shuffle=False,
                    stop_when="loss < 0.005", verbose=0)
print(f"stopped after {len(history.epoch)} epochs: {history.stop_reason}")

# 4. The network's answers next to the truth table.
out = train.predict(model, X)
for (a, b), target, o in zip(X, y, out[:, 0]):
    print(f"{int(a)} XOR {int(b)} = {target}   network: {o:.3f}")
assert ((out[:, 0] > 0.5) == y).all(), "the network should reproduce XOR"

# 5. For contrast: one neuron (logistic regression) cannot, whatever it is trained with.
gg.manual_seed(1)
single = train.LogisticRegression(2)
train.fit(single, nn.SSELoss(), optim.SGD(single.parameters(), lr=2.0), (X, t), epochs=2000,
          batch_size=4, verbose=0)
acc = train.metrics.accuracy(y, train.predict(single, X))
print(f"a single neuron gets {acc:.0%} of XOR right (at most 75% is possible with a line)")
