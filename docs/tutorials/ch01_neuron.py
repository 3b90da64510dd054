"""
1. The artificial neuron
========================

A neuron computes a weighted sum of its inputs plus a bias, *z* = Σᵢ wᵢxᵢ + b,
and passes it through an activation, *a* = f(z). This chapter computes both by hand, then
lets glassgrad compute them, and ends with the classic result: one neuron cannot compute XOR.
"""

# %%
# The weighted sum, by hand and by glassgrad
# ------------------------------------------
# Three inputs, three weights, one bias. By hand: 0.5·0.2 + (−1.0)·0.4 + 2.0·(−0.1) + 0.3.
import numpy as np

import glassgrad as gg
from glassgrad import data, nn, optim, train, viz

x = [0.5, -1.0, 2.0]
w = [0.2, 0.4, -0.1]
b = 0.3
z_by_hand = sum(wi * xi for wi, xi in zip(w, x)) + b
print(f"z by hand  = {z_by_hand:.4f}")

gg.set_default_dtype(gg.float64)          # hand calculations: float64, so every digit agrees
neuron = nn.Linear(3, 1)
with gg.no_grad():
    neuron.weight.data[...] = [w]
    neuron.bias.data[...] = b
z = neuron(gg.tensor([x]))
print(f"z by glassgrad = {z.item():.4f}")
assert abs(z.item() - z_by_hand) < 1e-12

# %%
# Activations and their derivatives
# ---------------------------------
# The textbook activations with their closed-form derivatives. glassgrad's derivative comes
# from its own backward pass (the gradient of Σ f(z) is f′(z) elementwise), and
# it must agree with the formula. Step and sign have derivative 0 wherever it exists: no
# gradient can flow through them, and glassgrad says so rather than return zeros (the perceptron
# rule, not gradient descent, trains them).
zs = np.array([-2.0, -0.5, 0.5, 2.0])
sig = 1 / (1 + np.exp(-zs))
closed_form = {
    "sigmoid": (sig, sig * (1 - sig)),
    "tanh": (np.tanh(zs), 1 - np.tanh(zs) ** 2),
    "ReLU": (np.maximum(zs, 0), (zs > 0).astype(float)),
    "PReLU (α=0.25)": (np.where(zs > 0, zs, 0.25 * zs), np.where(zs > 0, 1.0, 0.25)),
}
modules = {"sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(), "ReLU": nn.ReLU(),
           "PReLU (α=0.25)": nn.PReLU(init=0.25)}
print(f"{'f':16s} {'z':>6s} {'f(z)':>8s} {'formula':>8s} {'dfdz':>8s} {'formula':>8s}")
for name, module in modules.items():
    t = gg.tensor(zs, requires_grad=True)
    a = module(t)
    a.sum().backward()
    grad = t.grad.numpy()
    f_ref, d_ref = closed_form[name]
    for zi, ai, fi, gi, di in zip(zs, a.detach().numpy(), f_ref, grad, d_ref):
        print(f"{name:16s} {zi:6.2f} {ai:8.4f} {fi:8.4f} {gi:8.4f} {di:8.4f}")
    assert np.allclose(a.detach().numpy(), f_ref) and np.allclose(grad, d_ref)

print("step:", nn.Step()(gg.tensor(zs)).numpy(), " sign:", nn.Sign()(gg.tensor(zs)).numpy())
try:
    nn.Step()(gg.tensor(zs, requires_grad=True)).sum().backward()
except gg.NotDifferentiableError as err:
    print("backward through step:", err)

# %%
# The same curves, plotted with the derivatives glassgrad computes:
fig = viz.plot_activation_functions(("sigmoid", "tanh", "relu", "leaky_relu"))
fig

# %%
# XOR: why one neuron cannot
# --------------------------
# A single neuron separates its inputs with one straight line, w₁x₁ + w₂x₂ + b = 0.
# XOR's ones, (0, 1) and (1, 0), sit on opposite corners of the square from its zeros: no line
# puts both ones on one side and both zeros on the other. Whatever it is trained with, a single
# neuron gets at most 3 of the 4 rows right.
gg.set_default_dtype(gg.float32)
X, y = data.logic_gate("XOR")
t = y.astype(np.float32)[:, None]
gg.manual_seed(1)
single = train.LogisticRegression(2)
train.fit(single, nn.SSELoss(), optim.SGD(single.parameters(), lr=2.0), (X, t), epochs=2000,
          batch_size=4, verbose=0)
print("one neuron, accuracy on XOR:", train.metrics.accuracy(y, train.predict(single, X)))

# %%
# A hidden layer of two neurons bends the boundary: a 2-2-1 sigmoid network learns XOR.
gg.manual_seed(1)
net = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
history = train.fit(net, nn.SSELoss(), optim.SGD(net.parameters(), lr=2.0, momentum=0.9),
                    (X, t), epochs=5000, batch_size=4, shuffle=False,
                    stop_when="loss < 0.005", verbose=0)
print(f"2-2-1 network: {history.stop_reason}")
print("its answers:", np.round(train.predict(net, X)[:, 0], 3), "targets:", y)
fig = viz.plot_decision_boundary(net, X, y, resolution=80)
fig
