"""Shapes and distribution parameters of the VAE networks."""

import math

import pytest
import torch

from sklatent.modules import Decoder, VAEModule, make_mlp


def test_make_mlp_layers_and_activation():
    mlp = make_mlp(5, (7, 3), 2, activation="tanh")
    assert [m.out_features for m in mlp if isinstance(m, torch.nn.Linear)] == [7, 3, 2]
    assert sum(isinstance(m, torch.nn.Tanh) for m in mlp) == 2
    assert isinstance(make_mlp(5, (), 2)[0], torch.nn.Linear)


def test_training_samples_and_evaluation_uses_the_mean():
    module = VAEModule(6, 3, (8,))
    batch = {"X": torch.randn(4, 6)}
    module.train()
    out = module(batch)
    assert out["z"].shape == (4, 3) and not torch.equal(out["z"], out["mean"])
    module.eval()
    out = module(batch)
    assert torch.equal(out["z"], out["mean"])
    eps = torch.ones(4, 3)
    expected = out["mean"] + torch.exp(0.5 * out["logvar"])
    torch.testing.assert_close(module(batch, eps=eps)["z"], expected)


@pytest.mark.parametrize(
    ("options", "keys"),
    [
        ({"likelihood": "gaussian", "decoder_variance": "learned"}, {"mean", "logvar"}),
        ({"likelihood": "gaussian", "decoder_variance": "learned_per_sample"}, {"mean", "logvar"}),
        ({"likelihood": "gaussian", "decoder_variance": 0.3}, {"mean", "logvar"}),
        ({"likelihood": "bernoulli"}, {"logits"}),
    ],
)
def test_decoder_parameters(options, keys):
    decoder = Decoder(2, 5, (4,), **options)
    params = decoder(torch.randn(3, 2))
    assert set(params) == keys
    per_feature = options.get("decoder_variance") in ("learned", 0.3)
    for name, value in params.items():
        # One variance per feature comes unexpanded: its users broadcast it over the rows.
        assert value.shape == ((5,) if name == "logvar" and per_feature else (3, 5))
    if options.get("decoder_variance") == 0.3:
        torch.testing.assert_close(params["logvar"], torch.full((5,), math.log(0.3)))
        assert "logvar" not in dict(decoder.named_parameters())


def test_learned_decoder_variance_is_bounded():
    decoder = Decoder(2, 3, (), decoder_variance="learned")
    with torch.no_grad():
        decoder.logvar.fill_(-50.0)
    assert decoder(torch.zeros(1, 2))["logvar"].min().item() == pytest.approx(math.log(1e-4))


def test_calibrated_variance_is_the_batch_mse_in_training_and_a_running_value_in_evaluation():
    torch.manual_seed(0)
    decoder = Decoder(2, 3, (4,), decoder_variance="calibrated")
    z, x = torch.randn(8, 2), torch.randn(8, 3)
    params = decoder.calibrate(x, decoder(z))
    mse = (x - params["mean"]).pow(2).mean()
    assert params["logvar"].shape == (3,)
    assert torch.allclose(params["logvar"], torch.log(mse).expand(3))
    assert not params["logvar"].requires_grad  # a constant for the gradient
    # The running variance moved a tenth of the way from 1 and is what evaluation uses.
    assert torch.allclose(decoder.logvar, torch.log(0.9 + 0.1 * mse).expand(3))
    decoder.eval()
    evaluated = decoder.calibrate(x, decoder(z))
    assert torch.equal(evaluated["logvar"], decoder.logvar)


def test_calibrated_variance_ignores_unobserved_rows():
    decoder = Decoder(2, 3, (4,), decoder_variance="calibrated")
    z, x = torch.randn(6, 2), torch.randn(6, 3)
    observed = torch.tensor([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    outlier = x.clone()
    outlier[3:] = 1e3  # values of unobserved rows must not count
    params = decoder(z)
    expected = decoder.calibrate(x[:3], {"mean": params["mean"][:3], "logvar": None})["logvar"]
    assert torch.allclose(decoder.calibrate(outlier, params, observed)["logvar"], expected)


def test_a_batch_observing_no_row_uses_the_running_variance_and_leaves_it():
    decoder = Decoder(2, 3, (4,), decoder_variance="calibrated")
    with torch.no_grad():
        decoder.logvar.fill_(-1.0)
    params = decoder.calibrate(torch.randn(4, 3), decoder(torch.randn(4, 2)), torch.zeros(4))
    assert torch.equal(params["logvar"], torch.full((3,), -1.0))
    assert torch.equal(decoder.logvar, torch.full((3,), -1.0))


def test_calibration_leaves_other_decoders_alone():
    decoder = Decoder(2, 3, (4,), decoder_variance="learned")
    params = decoder(torch.randn(5, 2))
    assert decoder.calibrate(torch.randn(5, 3), params) is params
