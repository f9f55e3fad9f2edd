"""Latent blocks and observed views linked by mask variables (our formulation of Zhang et al. 2020).

Each view has an expert (an encoder of that view alone) and a decoder. Block ``k``'s posterior is
the product of the prior and the experts of the views that inform it, weighted by the encoder
mask; each view is decoded from the blocks the decoder mask names. Masks are fixed 0/1 matrices or
learned relaxed-Bernoulli gates.
"""

import torch
from torch import nn

from .._batch import PRESENT, condition_values, view_labels, view_values
from ..utils._torch import normal_like, uniform_like
from ._mlp import make_mlp
from ._vae import POSTERIOR_LOGVAR_BOUNDS, Decoder


class MaskGates(nn.Module):
    """A 0/1 mask, fixed or learned as relaxed Bernoulli gates (binary concrete).

    Parameters
    ----------
    mask : torch.Tensor of shape (n_rows, n_cols)
        The fixed mask, or the initial connectivity when learned (1 = start mostly on).
    learned : bool
        Learn the gates.
    temperature : float
        Temperature of the relaxed Bernoulli samples drawn in training.

    Examples
    --------
    Learned gates start open with probability 0.88; in evaluation they are thresholded:

    >>> import torch
    >>> from sklatent.modules import MaskGates
    >>> gates = MaskGates(torch.ones(2, 3), learned=True, temperature=0.5)
    >>> round(gates.probabilities()[0, 0].item(), 3), gates.eval()().tolist()
    (0.881, [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    >>> MaskGates(torch.eye(2), learned=False, temperature=0.5)().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """

    def __init__(self, mask, learned, temperature):
        super().__init__()
        self.learned = learned
        self.temperature = temperature
        if learned:
            # Start every gate at probability sigmoid(2) = 0.88: connected, but free to close.
            self.logits = nn.Parameter(torch.full(mask.shape, 2.0))
        else:
            self.register_buffer("mask", mask.float())

    def probabilities(self):
        return torch.sigmoid(self.logits) if self.learned else self.mask

    def forward(self):
        """Gate values: relaxed samples in training, the thresholded graph in evaluation."""
        if not self.learned:
            return self.mask
        if not self.training:
            return (self.logits > 0).to(self.logits.dtype)
        u = uniform_like(self.logits).clamp(1e-6, 1 - 1e-6)
        noise = torch.log(u) - torch.log1p(-u)
        return torch.sigmoid((self.logits + noise) / self.temperature)


class StructuredModule(nn.Module):
    r"""Experts, product-of-experts posteriors per block, and masked decoders per view.

    ``forward(batch)`` reads ``batch["X_<view>"]`` (the view's columns, missing entries filled)
    or ``batch["labels_<view>"]`` (class indices of a categorical view), and ``batch["present"]``
    (rows by views, 1 where the view is observed), and returns ``{"mean", "logvar", "z",
    "views": {name: decoder params}, "gate_probabilities": [...]}``.

    Parameters
    ----------
    views : list of dict
        One dict per view: ``name``, ``n_features`` (its width), ``likelihood``
        (``"gaussian"``, ``"bernoulli"`` or ``"categorical"``) and ``n_categories``; optionally
        ``expert`` (False for a view that is only generated, never read by the posterior, such
        as a label that ``transform`` does not receive) and ``conditions`` (names of observed
        variables fed to the view's decoder beside the latents: a conditional decoder
        :math:`p(x_v | z, s)`), and ``decoder`` (False for a view that is read, never generated).
    block_sizes : list of int
        Width of each latent block.
    decoder_mask : torch.Tensor of shape (n_blocks, n_views)
        1 where a block generates a view.
    encoder_mask : torch.Tensor of shape (n_blocks, n_views)
        1 where a view informs a block.
    learn_decoder, learn_encoder : bool
        Learn the respective mask as gates.
    hidden_layer_sizes, activation, decoder_variance, temperature
        Architecture of experts and decoders, the Gaussian decoders' variance, and the gates'
        temperature.
    view_dropout : float, default=0.0
        Probability of hiding each observed view from the posterior in a training step.
    condition_widths : dict, default=None
        Width of each conditioning variable (``batch["condition_<name>"]``, e.g. a one-hot
        sensitive attribute) named in a view's ``conditions``.
    sample : bool, default=True
        Decode a draw from the posterior in training; False decodes its mean (a deterministic
        encoder). Without a KL term nothing shapes the posterior's variance, and decoders
        trained on draws from it learn attenuated maps until the encoder has shrunk it.

    Examples
    --------
    Two views and two blocks: block 0 generates both views, block 1 only ``x``.

    >>> import torch
    >>> from sklatent.modules import StructuredModule
    >>> views = [{"name": "x", "n_features": 3, "likelihood": "gaussian"},
    ...          {"name": "y", "likelihood": "categorical", "n_categories": 2}]
    >>> module = StructuredModule(views, [2, 1], decoder_mask=torch.tensor([[1, 1], [1, 0]]),
    ...                           encoder_mask=torch.ones(2, 2), hidden_layer_sizes=(8,))
    >>> batch = {"X_x": torch.randn(5, 3), "labels_y": torch.tensor([0, 1, 1, 0, 1]),
    ...          "present": torch.ones(5, 2)}
    >>> outputs = module(batch)
    >>> tuple(outputs["z"].shape), {name: sorted(p) for name, p in outputs["views"].items()}
    ((5, 3), {'x': ['logvar', 'mean'], 'y': ['class_logits']})
    """

    def __init__(
        self,
        views,
        block_sizes,
        decoder_mask,
        encoder_mask,
        *,
        learn_decoder=False,
        learn_encoder=False,
        hidden_layer_sizes=(64,),
        activation="relu",
        decoder_variance="learned",
        temperature=0.5,
        view_dropout=0.0,
        condition_widths=None,
        sample=True,
    ):
        super().__init__()
        self.views = views
        self.sample = sample
        self.view_dropout = view_dropout
        self.condition_widths = dict(condition_widths or {})
        n_latent = sum(block_sizes)
        # Which block each latent dimension belongs to, to expand block masks to dimensions.
        self.register_buffer(
            "block_of_dim",
            torch.repeat_interleave(torch.arange(len(block_sizes)), torch.tensor(block_sizes)),
        )
        self.experts = nn.ModuleDict(
            {
                v["name"]: make_mlp(_input_width(v), hidden_layer_sizes, 2 * n_latent, activation)
                for v in views
                if v.get("expert", True)
            }
        )
        self.decoders = nn.ModuleDict(
            {
                v["name"]: _decoder(
                    v,
                    n_latent + sum(self.condition_widths[c] for c in v.get("conditions", ())),
                    hidden_layer_sizes,
                    activation,
                    decoder_variance,
                )
                for v in views
                if v.get("decoder", True)
            }
        )
        self.decoder_gates = MaskGates(decoder_mask, learn_decoder, temperature)
        self.encoder_gates = MaskGates(encoder_mask, learn_encoder, temperature)

    def view_input(self, batch, index):
        """The columns of view ``index`` (one-hot labels for a categorical view)."""
        view = self.views[index]
        if view["likelihood"] == "categorical":
            labels = batch[view_labels(view["name"])]
            # In the dtype of the weights (a module may run in float64 or under autocast).
            dtype = self.decoder_gates.probabilities().dtype
            return nn.functional.one_hot(labels, view["n_categories"]).to(dtype)
        return batch[view_values(view["name"])]

    def _encoder_presence(self, present):
        """Views the posterior may read: in training, each observed view is hidden with
        probability ``view_dropout`` (keeping at least one per row), so the experts learn to
        infer the code from subsets of views; the reconstruction still covers every view."""
        if not (self.training and self.view_dropout > 0):
            return present
        kept = present * (uniform_like(present) >= self.view_dropout)
        # A row keeps its views when dropout would leave it no view that informs the code.
        informs = torch.tensor([v.get("expert", True) for v in self.views], device=present.device)
        return torch.where((kept * informs).sum(dim=1, keepdim=True) > 0, kept, present)

    def posterior(self, batch):
        """Product of the prior N(0, I) and the present, mask-weighted experts, per dimension."""
        weights = self.encoder_gates()[self.block_of_dim]  # (n_latent, n_views)
        present = self._encoder_presence(batch[PRESENT])
        precision = torch.ones_like(present[:, :1]).expand(-1, len(self.block_of_dim))
        weighted_mean = torch.zeros_like(precision)
        for index, view in enumerate(self.views):
            if view["name"] not in self.experts:
                continue
            mean, logvar = self.experts[view["name"]](self.view_input(batch, index)).chunk(2, -1)
            logvar = logvar.clamp(*POSTERIOR_LOGVAR_BOUNDS)
            # A missing view (present = 0) drops out of the product for that row.
            expert_precision = (
                torch.exp(-logvar) * weights[:, index] * present[:, index : index + 1]
            )
            precision = precision + expert_precision
            weighted_mean = weighted_mean + expert_precision * mean
        return weighted_mean / precision, -torch.log(precision)

    def forward(self, batch, eps=None):
        mean, logvar = self.posterior(batch)
        if eps is None and self.training and self.sample:
            eps = normal_like(mean)
        z = mean if eps is None else mean + eps * torch.exp(0.5 * logvar)
        return {
            "mean": mean,
            "logvar": logvar,
            "z": z,
            "views": self._calibrate(batch, self.decode(z, self.conditions(batch))),
            "gate_probabilities": [
                gates.probabilities()
                for gates in (self.decoder_gates, self.encoder_gates)
                if gates.learned
            ],
        }

    def _calibrate(self, batch, decoded):
        """Each Gaussian view's decoder calibrates its variance on the rows observing it (see
        :meth:`~sklatent.modules.Decoder.calibrate`; a no-op unless it is calibrated)."""
        for index, view in enumerate(self.views):
            name = view["name"]
            if name in decoded and view["likelihood"] == "gaussian":
                decoded[name] = self.decoders[name].calibrate(
                    batch[view_values(name)], decoded[name], batch[PRESENT][:, index]
                )
        return decoded

    def conditions(self, batch):
        """The conditioning variables of the batch, by name."""
        return {name: batch[condition_values(name)] for name in self.condition_widths}

    def decode(self, z, conditions=None):
        """Decoder parameters of every view from the latents its (gated) parent blocks hold,
        beside the conditioning variables it names."""
        gates = self.decoder_gates()[self.block_of_dim]  # (n_latent, n_views)
        decoded = {}
        for index, view in enumerate(self.views):
            if view["name"] not in self.decoders:
                continue
            inputs = [z * gates[:, index]]
            inputs += [conditions[name] for name in view.get("conditions", ())]
            decoded[view["name"]] = self.decoders[view["name"]](torch.cat(inputs, dim=1))
        return decoded

    def encode(self, batch):
        return self.posterior(batch)[0]


def _input_width(view):
    return view["n_categories"] if view["likelihood"] == "categorical" else view["n_features"]


class _CategoricalDecoder(nn.Module):
    def __init__(self, n_latent, n_categories, hidden_layer_sizes, activation):
        super().__init__()
        self.net = make_mlp(n_latent, hidden_layer_sizes, n_categories, activation)

    def forward(self, z):
        return {"class_logits": self.net(z)}


def _decoder(view, n_inputs, hidden_layer_sizes, activation, decoder_variance):
    # A view may set its own decoder's layers (FairEncoder's linear label head); views saved
    # before the field existed use the model's.
    if view.get("decoder_hidden_layer_sizes") is not None:
        hidden_layer_sizes = view["decoder_hidden_layer_sizes"]
    if view["likelihood"] == "categorical":
        return _CategoricalDecoder(n_inputs, view["n_categories"], hidden_layer_sizes, activation)
    return Decoder(
        n_inputs,
        view["n_features"],
        hidden_layer_sizes,
        activation,
        view["likelihood"],
        decoder_variance,
    )
