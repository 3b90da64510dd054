"""A Linear's ``in`` may be omitted in a run config: it is the width of the layer before (or the
data's features for the first Linear), fixed when the model is built from the config."""

import pytest

from glassgrad.train.config import ConfigError, load_config
from glassgrad.train.run import build_run, prepare_data

CONFIG = """
[data]
kind = "blobs"
n_samples = 60
n_features = 5
centers = 3
[model]
layers = [{type = "Linear", out = 7}, {type = "ReLU"}, {type = "Linear", out = 4},
          {type = "Tanh"}, {type = "Linear", out = 3}]
[train]
loss = "CrossEntropyLoss"
epochs = 1
batch_size = 16
"""


def test_omitted_in_is_taken_from_the_layer_before():
    config = load_config(text=CONFIG)
    loss, _, parts = prepare_data(config)
    model, _, _ = build_run(config, parts, loss)
    shapes = [tuple(p.shape) for name, p in model.named_parameters() if name.endswith("weight")]
    assert shapes == [(7, 5), (4, 7), (3, 4)]  # (out, in): 5 data features, then 7, then 4


def test_a_given_in_that_does_not_fit_is_refused_with_both_numbers():
    config = load_config(text=CONFIG.replace('{type = "Linear", out = 4}',
                                             '{type = "Linear", in = 6, out = 4}'))
    # the whole config is validated when it is read (train.prepare), before any training
    with pytest.raises(ConfigError, match=r"model.layers\[2\].in = 6 but the previous Linear "
                                          r"gives 7 features"):
        prepare_data(config)
