"""The GAN example learns (the ring of 8 Gaussians, the digits) and shows its failure modes:
a winning discriminator whose saturating loss starves the generator, and mode collapse."""

import importlib.util
import pathlib

import numpy as np
import pytest

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "gan.py"


@pytest.fixture(scope="module")
def gan():
    spec = importlib.util.spec_from_file_location("gan_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_healthy_gan_covers_all_eight_modes(gan):
    hist, samples = gan.mixture(1500)
    modes, share = gan.coverage(samples[1500])
    assert modes == 8 and share > 0.4, (modes, share)
    assert gan.coverage(samples[250])[1] < 0.1  # it learned: at first nothing is on a mode
    assert 0.9 < np.mean(hist["loss_d"][-200:]) < 1.5  # near 2 log 2: D cannot tell


def test_winning_discriminator_starves_the_saturating_generator(gan):
    strong_d = dict(lr_d=5e-3, d_steps=5, lr_g=1e-4)
    saturating, _ = gan.mixture(60, g_loss="saturating", **strong_d)
    non_saturating, _ = gan.mixture(60, **strong_d)
    assert np.mean(saturating["d_fake"][-20:]) < 0.01  # D rejects every fake
    assert np.mean(saturating["g_grad"][:50]) < 0.05
    assert np.mean(non_saturating["g_grad"][:50]) > 1.0  # the same D, a living gradient


def test_fast_generator_slow_discriminator_collapses(gan):
    _, samples = gan.mixture(600, lr_g=1e-2, lr_d=1e-4)
    real = gan.ring()(512)
    for step in (300, 600):
        assert gan.coverage(samples[step])[0] <= 1
        # every sample in one small clump, while real samples spread over the ring
        assert np.linalg.norm(samples[step].std(0)) < 0.3 < 1.5 < np.linalg.norm(real.std(0))


def test_digit_gan_samples_approach_real_digits(gan):
    hist, samples, X, labels = gan.digits(800)
    first, last = min(samples), max(samples)
    d_first = gan.nearest_real(samples[first], X, labels)[0].mean()
    d_last, near = gan.nearest_real(samples[last], X, labels)
    assert d_last.mean() < 1.8 and d_last.mean() < d_first - 0.4, (d_first, d_last.mean())
    assert len(set(near)) >= 8  # varied digits, no collapse onto a few
