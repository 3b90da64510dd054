"""
3. Backpropagation, by hand and in the glass box
================================================

Backpropagation computes ∂E/∂w for every weight with the chain rule,
from the output back. This chapter takes the worked example most courses use (Matt Mazur's
"A Step by Step Backpropagation Example": a 2-2-2 sigmoid network, one training example, the
halved squared error, learning rate 0.5), computes it by hand in NumPy, and checks every number
against what glassgrad's real backward pass computed — read with ``explain.trace``. Then it
shows the computation graph with ``explain.graph`` and checks the gradients numerically.
"""

# %%
# The network and the example
# ---------------------------
import numpy as np

import glassgrad as gg
from glassgrad import explain, nn

gg.set_default_dtype(gg.float64)
x, target = np.array([0.05, 0.10]), np.array([0.01, 0.99])
W1, b1 = np.array([[0.15, 0.20], [0.25, 0.30]]), 0.35       # inputs -> hidden h1, h2
W2, b2 = np.array([[0.40, 0.45], [0.50, 0.55]]), 0.60       # hidden -> outputs o1, o2

# %%
# By hand
# -------
# Forward: z = Wa + b, a = σ(z); error E = ½ Σ (t − a)².
# Backward: the output δ is (a − t)·σ′(z), a hidden δ is the weighted sum of the δ it feeds
# times its own σ′(z), and ∂E/∂w_jk = δ_j·a_k.
sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
h = sigmoid(W1 @ x + b1)
o = sigmoid(W2 @ h + b2)
E = 0.5 * np.sum((target - o) ** 2)
delta_o = (o - target) * o * (1 - o)
delta_h = (W2.T @ delta_o) * h * (1 - h)
dE_dW2, dE_dW1 = np.outer(delta_o, h), np.outer(delta_h, x)
w5_new = W2[0, 0] - 0.5 * dE_dW2[0, 0]
print(f"E_total = {E:.9f}")                 # Mazur: 0.298371109
print(f"dE/dw5  = {dE_dW2[0, 0]:.9f}")      # Mazur: 0.082167041
print(f"w5+     = {w5_new:.8f}")            # Mazur: 0.35891648
print(f"dE/dw1  = {dE_dW1[0, 0]:.9f}")      # Mazur: 0.000438568

# %%
# The glass box: the real backward pass, neuron by neuron
# -------------------------------------------------------
# ``explain.trace`` runs glassgrad's forward and backward pass and records what they computed
# (forward hooks and the gradients the engine produced — nothing is recomputed a second way).
net = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 2), nn.Sigmoid())
with gg.no_grad():
    net[0].weight.data[...] = W1
    net[0].bias.data[...] = b1
    net[2].weight.data[...] = W2
    net[2].bias.data[...] = b2
trace = explain.trace(net, gg.tensor([x]), gg.tensor([target]), loss="sse", lr=0.5, precision=9)
trace

# %%
# Every number agrees with the hand calculation. In Mazur's naming, w5 is the weight from h1
# (neuron 3) into o1 (neuron 5), written ``w_{5,3}`` here:
w5 = next(r for r in trace.weight_records() if r["weight"] == "w_{5,3}")
print(f"E = {trace.loss:.9f}  dE/dw5 = {w5['dw']:.9f}  w5+ = {w5['w_new']:.8f}")
assert f"{trace.loss:.9f}" == "0.298371109"
assert f"{w5['dw']:.9f}" == "0.082167041" and f"{w5['w_new']:.8f}" == "0.35891648"
assert np.allclose(trace.layers[1].grad_weight, dE_dW2, rtol=0, atol=1e-15)
assert np.allclose(trace.layers[0].grad_weight, dE_dW1, rtol=0, atol=1e-15)
assert np.allclose(trace.layers[0].delta[0], delta_h, rtol=0, atol=1e-15)

# %%
# The computation graph
# ---------------------
# Backpropagation is reverse-mode automatic differentiation on this graph: every node is one
# operation; its gradient is the sum, over the nodes that consume it, of their gradient times
# the local derivative. ``explain.graph`` lists every node with its value, local derivatives and
# gradient (text here, a table in a notebook, DOT for Graphviz with ``.to_dot()``).
xt, tt = gg.tensor([x]), gg.tensor([target])
loss = 0.5 * ((tt - net(xt)) ** 2).sum()
explain.graph(loss, names={"x": xt, "t": tt}, model=net)

# %%
# Gradient checking
# -----------------
# A backward pass can be checked without any algebra: nudge each weight by ±ε and compare the
# change of E with the analytic gradient (central differences, float64). ``gg.gradcheck`` does
# this for every input of a function and raises, naming the worst entry, when they disagree.
W1t = gg.tensor(W1, requires_grad=True)
W2t = gg.tensor(W2, requires_grad=True)


def error(W1, W2):
    hidden = gg.sigmoid(xt @ W1.T + b1)
    out = gg.sigmoid(hidden @ W2.T + b2)
    return 0.5 * ((tt - out) ** 2).sum()


print("gradcheck:", gg.gradcheck(error, {"W1": W1t, "W2": W2t}))

eps = 1e-6
bumped = W2.copy()
bumped[0, 0] += eps
up = error(gg.tensor(W1), gg.tensor(bumped)).item()
bumped[0, 0] -= 2 * eps
down = error(gg.tensor(W1), gg.tensor(bumped)).item()
print(f"(E(w5 + ε) − E(w5 − ε)) / 2ε = {(up - down) / (2 * eps):.9f}")
