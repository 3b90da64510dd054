"""
2. Networks as matrix operations
================================

A layer of neurons is many weighted sums at once: with the weights of all ``m`` neurons stacked
as the rows of a matrix W (m × n), the layer computes z = Wx + b. For a batch of
``N`` examples stacked as the rows of X (N × n) it is one matrix product,
Z = XWᵀ + b (N × m). This chapter checks that the matrix form is exactly the
neuron-by-neuron loop, then runs a batch through a small network and reads its shapes.
"""

# %%
# One layer, neuron by neuron and as one product
# ----------------------------------------------
import numpy as np

import glassgrad as gg
from glassgrad import nn

gg.set_default_dtype(gg.float64)
gg.manual_seed(0)
layer = nn.Linear(3, 4)                      # W: (4, 3), b: (4,)
X = np.array([[1.0, 2.0, 3.0],
              [0.5, -1.0, 0.0]])              # a batch of N = 2 examples, n = 3 inputs
W, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()

loop = np.zeros((2, 4))
for i in range(2):                            # example
    for j in range(4):                        # neuron
        loop[i, j] = sum(W[j, k] * X[i, k] for k in range(3)) + b[j]

Z = layer(gg.tensor(X)).detach().numpy()               # X @ W.T + b, the bias broadcast over rows
print("neuron by neuron:\n", loop.round(6))
print("as one product:\n", Z.round(6))
assert np.allclose(loop, Z, rtol=0, atol=1e-12)

# %%
# The same computation written with tensor operations: ``@`` is the matrix product and the
# bias row is added to every example by broadcasting.
Zt = gg.tensor(X) @ layer.weight.T + layer.bias
print(Zt)
assert np.allclose(Zt.detach().numpy(), Z)

# %%
# A network is a chain of such products
# -------------------------------------
# A 3-4-4-2 network: each Linear is one matrix product, each activation acts elementwise. The
# summary shows the shape of every intermediate result for a batch of N examples and the number
# of parameters: a Linear(n, m) has n·m weights and m biases.
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 2))
model.summary((3,))
print("parameters by hand:", (3 * 4 + 4) + (4 * 4 + 4) + (4 * 2 + 2))

# %%
# A forward pass of a batch of 5 examples gives a (5, 2) output, one row per example, and the
# rows do not influence each other: example 0 alone gives the same row.
batch = gg.randn(5, 3)
out = model(batch)
print(out.shape, out[0].detach().numpy(), model(batch[:1]).detach().numpy()[0])
assert np.allclose(out[0].detach().numpy(), model(batch[:1]).detach().numpy()[0])

# %%
# In a notebook, the model and the tensors display as tables (the last expression of a cell):
model
