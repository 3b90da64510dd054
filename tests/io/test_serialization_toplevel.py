"""glassgrad.save / glassgrad.load: the top-level names users reach first."""

import numpy as np

import glassgrad as gg


def test_top_level_save_load_round_trips_a_state_dict(tmp_path):
    model = gg.nn.Linear(3, 2)
    path = tmp_path / "model.npz"
    gg.save(model.state_dict(), path)
    fresh = gg.nn.Linear(3, 2)
    fresh.load_state_dict(gg.load(path))
    np.testing.assert_array_equal(fresh.weight.detach().numpy(), model.weight.detach().numpy())
    np.testing.assert_array_equal(fresh.bias.detach().numpy(), model.bias.detach().numpy())
