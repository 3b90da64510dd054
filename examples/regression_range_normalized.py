"""Regression with range-normalized inputs, on data shaped like the power-plant (CCPP) table.

Run: PYTHONPATH=src python examples/regression_range_normalized.py

The Combined Cycle Power Plant table (UCI) has 4 inputs, ambient temperature AT (°C), exhaust
vacuum V (cm Hg), ambient pressure AP (mbar) and relative humidity RH (%), and 1 output, the
net electrical energy output PE (MW). The real file is not available offline, so this example
GENERATES a table with the same columns, ranges and a similar (mostly linear, slightly curved)
relation; swap in ``glassgrad.data.load_csv("CCPP.csv", target="PE")`` for the real one.

Range normalization maps every column to [0, 1] with min and max of the TRAINING part, so the
four very different units get the same scale, and predictions are mapped back to MW.
"""

import numpy as np

import glassgrad as gg
from glassgrad import data, nn, optim, train

# 1. A CCPP-shaped table: 4 inputs in the real columns' ranges -> PE in MW.
rng = np.random.default_rng(0)
n = 2000
AT = rng.uniform(1.81, 37.11, n)
V = np.clip(25.0 + 1.3 * AT + rng.normal(0, 6, n), 25.36, 81.56)   # V rises with AT
AP = rng.uniform(992.89, 1033.30, n)
RH = rng.uniform(25.56, 100.16, n)
PE = (454.6 - 1.98 * AT - 0.23 * V + 0.06 * AP - 0.16 * RH + 0.012 * (AT - 20) ** 2
      + rng.normal(0, 3.0, n))
X = np.stack([AT, V, AP, RH], 1).astype(np.float32)
y = PE.astype(np.float32)[:, None]

# 2. Train/validation/test split, then range-normalize inputs AND target on the training part.
Xtr, Xva, Xte, ytr, yva, yte = data.train_val_test_split(X, y, val_size=0.15, test_size=0.15,
                                                         seed=0)
xs, ys = data.MinMaxScaler().fit(Xtr), data.MinMaxScaler().fit(ytr)
Xtr, Xva, Xte = (np.asarray(xs.transform(a), np.float32) for a in (Xtr, Xva, Xte))
ttr, tva = (np.asarray(ys.transform(a), np.float32) for a in (ytr, yva))

# 3. A 4-8-1 tanh network trained with MSE and Adam, early stopping on the validation loss.
gg.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
history = train.fit(model, nn.MSELoss(), optim.Adam(model.parameters(), lr=0.01), (Xtr, ttr),
                    val=(Xva, tva), epochs=200, batch_size=32, metrics=["r2"], seed=0,
                    callbacks=[train.EarlyStopping(patience=15)], verbose=0)
print(f"trained {len(history.epoch)} epochs; best epoch {history.restored_epoch}")

# 4. Test metrics in the original unit (MW): map the predictions back with the target scaler.
pred = np.asarray(ys.inverse_transform(train.predict(model, Xte)))
print(f"test MAE  {train.metrics.mean_absolute_error(yte, pred):.2f} MW")
print(f"test RMSE {np.sqrt(train.metrics.mean_squared_error(yte, pred)):.2f} MW "
      "(the generated noise has a std of 3 MW)")
print(f"test R²   {train.metrics.r2_score(yte, pred):.4f}")
