"""Hot paths: FairEncoder's, InvariantEncoder's and DisentangledEncoder's fits vs minimal loops.

The reference is what a competent torch user would write for FairEncoder's default objective,
without sklatent: ``nn.Linear`` layers for the encoder, the decoder of x given (z, s) and the
label head; the posterior as the product of the encoder's Gaussian and the prior N(0, I) (as
sklatent's one-view product of experts); the closed-form KL, the Gaussian negative
log-likelihood with one learned variance per feature, the label's cross-entropy; and the
unbiased multi-scale MMD between each sensitive group's posterior means and all of them
(Louizos et al. 2016), vectorised over the groups with a one-hot matrix. The loss is
sklatent's: ``(reconstruction + beta * KL) / d + target_weight * cross-entropy +
independence_weight * MMD``. Before timing, the script copies the weights of a fitted
FairEncoder into the minimal model and checks that both give the same loss on a batch (so the
two loops train the same network on the same objective).

InvariantEncoder's reference, the same way: the encoder (the product with the prior), a
reparameterised code, the label head, the cross-entropy and IRMv1's penalty (Arjovsky et al.
2019) in its closed form, the squared mean over each environment's rows of
``(softmax(l) - onehot(y)) . l``, at weight 1 (the estimator's default weight of 100 starts
after ``warmup_epochs=10`` epochs, beyond this benchmark's). Its environments here are Adult's
sex (2), its label income.

DisentangledEncoder's reference, at the package defaults (``beta=0``: no decoder of x, and the
KL sklatent records has weight 0; the code is the posterior mean of the product with the prior;
subspaces of 2 for its two attributes, income and sex, passed as a 2-column DataFrame ``y``):
each attribute's readout (``nn.Linear`` layers) reads its own subspace alone (sklatent's masked
decoder, whose weights on the zeroed columns never move), their cross-entropies summed; and
Funke et al.'s (2022) conditional-MI penalty at ``independence_weight=1``: per attribute, a
discriminator (two hidden layers of 50) on ``[own subspace, rest of the code, one-hot
attribute]``, the rest permuted among the batch's rows with the same attribute value, whose
binary cross-entropy the encoder minimises with the labels swapped. The adversary's default
warm-up is 0 epochs: the penalty applies at full weight from the first step. After each encoder
step (Adam on encoder and readouts) the discriminators take ``critic_steps=1`` step of their
own Adam on the detached pre-step codes, with fresh permutations, as sklatent's AdversarialNet
does. The same-objective check seeds torch's generator identically before each loss (the
minimal permutation draws one ``randperm`` per attribute value in the same order as
sklatent's), so the permutations agree.

Data: Adult's training split, one-hot encoded and scaled (30,162 rows, about 100 columns), with
its label and sex. Both loops run ``--epochs`` epochs of batch 256 on every row (FairEncoder
with ``early_stopping=False``: no held-out rows, as the reference), with one torch thread, runs
interleaved so that machine noise hits both alike. Target: FairEncoder fit <= 1.15x the minimal
loop (ratio of medians; InvariantEncoder's and DisentangledEncoder's ratios are reported
without a target). It always exits 0: it is a report.

    .venv/bin/python benchmarks/hot_paths.py              # 3 epochs, 5 interleaved repeats
    .venv/bin/python benchmarks/hot_paths.py --quick      # smoke run, seconds
"""

import argparse
import itertools
import math
import statistics
import sys
import time

import numpy as np
import pandas as pd
import torch
from _common import machine_lines
from out_of_core import adult_tables
from torch import nn

from sklatent import DisentangledEncoder, FairEncoder, InvariantEncoder
from sklatent.modules._vae import DECODER_LOGVAR_BOUNDS, POSTERIOR_LOGVAR_BOUNDS

TARGET = 1.15
BANDWIDTH_SCALES = (0.0625, 0.25, 1.0, 4.0, 16.0)
LOG_2PI = math.log(2 * math.pi)


def _mlp(n_in, hidden, n_out):
    widths = [n_in, *hidden]
    layers = []
    for a, b in itertools.pairwise(widths):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(widths[-1], n_out))


class MinimalFair(nn.Module):
    """FairEncoder's default network from ``nn.Linear`` layers."""

    def __init__(self, n_features, n_components, hidden, n_groups, n_classes):
        super().__init__()
        self.encoder = _mlp(n_features, hidden, 2 * n_components)
        self.decoder = _mlp(n_components + n_groups, hidden, n_features)
        self.decoder_logvar = nn.Parameter(torch.zeros(n_features))
        self.label_head = _mlp(n_components, hidden, n_classes)


def mmd(mean, groups_onehot):
    """Unbiased MMD^2 between each group's codes and all codes, weighted by the group's share."""
    n = len(mean)
    squared = (mean.unsqueeze(1) - mean.unsqueeze(0)).pow(2).sum(-1)
    median = squared.detach().flatten().median().clamp_min(1e-8)
    kernel = sum(torch.exp(-squared / (scale * median)) for scale in BANDWIDTH_SCALES)
    kernel = kernel - torch.diag_embed(torch.diagonal(kernel))
    to_others = kernel.sum(1)
    total = to_others.sum() / (n * (n - 1))
    counts = groups_onehot.sum(0)
    within = (groups_onehot * (kernel @ groups_onehot)).sum(0)
    cross = groups_onehot.T @ to_others
    valid = counts >= 2
    counts = counts.clamp_min(2)
    per_group = within / (counts * (counts - 1)) - 2 * cross / (counts * (n - 1)) + total
    return ((counts / n) * per_group * valid).sum()


def minimal_loss(model, x, s_onehot, labels, settings, sample=True):
    """FairEncoder's default loss on a batch (see the module docstring)."""
    mean_e, logvar_e = model.encoder(x).chunk(2, -1)
    precision = 1.0 + torch.exp(-logvar_e.clamp(*POSTERIOR_LOGVAR_BOUNDS))
    mean = torch.exp(-logvar_e.clamp(*POSTERIOR_LOGVAR_BOUNDS)) * mean_e / precision
    logvar = -torch.log(precision)
    z = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar) if sample else mean
    x_logvar = model.decoder_logvar.clamp(*DECODER_LOGVAR_BOUNDS)
    x_mean = model.decoder(torch.cat([z, s_onehot], 1))
    nll = 0.5 * (LOG_2PI + x_logvar + (x - x_mean).pow(2) * torch.exp(-x_logvar)).sum(1)
    kl = 0.5 * (mean.pow(2) + logvar.exp() - logvar - 1.0).sum(1)
    ce = nn.functional.cross_entropy(model.label_head(z), labels)
    data = (nll.mean() + settings["beta"] * kl.mean()) / x.shape[1]
    return (
        data
        + settings["target_weight"] * ce
        + settings["independence_weight"] * mmd(mean, s_onehot)
    )


def train_minimal(model, batch_loss, n_rows, args, seed, parameters=None, after_step=None):
    """Adam over shuffled minibatches, ``batch_loss(rows)`` giving each batch's loss (on
    ``parameters``, all the model's by default; ``after_step()`` runs after each step)."""
    optimizer = torch.optim.Adam(model.parameters() if parameters is None else parameters, lr=1e-3)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(args.epochs):
        order = torch.randperm(n_rows, generator=generator)
        for start in range(0, n_rows, args.batch_size):
            loss = batch_loss(order[start : start + args.batch_size])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if after_step is not None:
                after_step()
    return model


def fit_minimal(X, y, s, settings, args, seed=0):
    torch.manual_seed(seed)
    X, labels = torch.from_numpy(X), torch.from_numpy(y)
    s_onehot = nn.functional.one_hot(torch.from_numpy(s), 2).float()
    model = MinimalFair(X.shape[1], settings["n_components"], (64,), 2, 2)

    def batch_loss(rows):
        return minimal_loss(model, X[rows], s_onehot[rows], labels[rows], settings)

    return train_minimal(model, batch_loss, len(X), args, seed)


def training(args, seed):
    """The estimators' training settings, as the minimal loops': every row, fixed epochs."""
    return {
        "batch_size": args.batch_size,
        "max_epochs": args.epochs,
        "early_stopping": False,
        "random_state": seed,
    }


def fit_sklatent(X, y, s, settings, args, seed=0):
    return FairEncoder(n_components=settings["n_components"], **training(args, seed)).fit(
        X, y, sensitive_features=s
    )


def check_same_objective(encoder, X, y, s, settings):
    """The minimal model with the encoder's weights gives the encoder's loss on a batch."""
    module = encoder.net_.module_
    model = MinimalFair(X.shape[1], settings["n_components"], (64,), 2, 2)
    model.encoder.load_state_dict(module.experts["x"].state_dict())
    model.decoder.load_state_dict(module.decoders["x"].net.state_dict())
    model.decoder_logvar.data.copy_(module.decoders["x"].logvar.data)
    model.label_head.load_state_dict(module.decoders["y"].net.state_dict())
    rows = slice(0, 256)
    batch = {
        name: value[rows] for name, value in encoder._training_tensors(X, y, s, first=False).items()
    }
    module.eval()
    with torch.no_grad():
        expected = float(encoder.net_.criterion_(module(batch), batch)["loss"])
        s_onehot = nn.functional.one_hot(torch.from_numpy(s[rows]), 2).float()
        got = float(
            minimal_loss(
                model,
                torch.from_numpy(X[rows]),
                s_onehot,
                torch.from_numpy(y[rows]),
                settings,
                sample=False,
            )
        )
    return expected, got


# ---- InvariantEncoder ------------------------------------------------------------------------
class MinimalInvariant(nn.Module):
    """InvariantEncoder's default network from ``nn.Linear`` layers."""

    def __init__(self, n_features, n_components, hidden, n_classes):
        super().__init__()
        self.encoder = _mlp(n_features, hidden, 2 * n_components)
        self.label_head = _mlp(n_components, hidden, n_classes)


def posterior(encoder, x):
    """The product of the encoder's Gaussian and the prior N(0, I): mean and log-variance."""
    mean_e, logvar_e = encoder(x).chunk(2, -1)
    expert_precision = torch.exp(-logvar_e.clamp(*POSTERIOR_LOGVAR_BOUNDS))
    precision = 1.0 + expert_precision
    return expert_precision * mean_e / precision, -torch.log(precision)


def minimal_invariant_loss(model, x, environments_onehot, labels, sample=True):
    """Cross-entropy + IRMv1's penalty (weight 1, before the annealing)."""
    mean, logvar = posterior(model.encoder, x)
    z = mean + torch.randn_like(mean) * torch.exp(0.5 * logvar) if sample else mean
    logits = model.label_head(z)
    one_hot = nn.functional.one_hot(labels, logits.shape[1]).to(logits.dtype)
    row_gradients = ((torch.softmax(logits, 1) - one_hot) * logits).sum(1)
    counts = environments_onehot.sum(0)
    means = (environments_onehot.T @ row_gradients) / counts.clamp_min(1.0)
    return nn.functional.cross_entropy(logits, labels) + means.pow(2).sum()


def fit_minimal_invariant(X, y, s, settings, args, seed=0):
    torch.manual_seed(seed)
    X, labels = torch.from_numpy(X), torch.from_numpy(y)
    environments = nn.functional.one_hot(torch.from_numpy(s), 2).float()
    model = MinimalInvariant(X.shape[1], settings["n_components"], (64,), 2)

    def batch_loss(rows):
        return minimal_invariant_loss(model, X[rows], environments[rows], labels[rows])

    return train_minimal(model, batch_loss, len(X), args, seed)


def fit_sklatent_invariant(X, y, s, settings, args, seed=0):
    # unbiased=False: the minimal loop writes IRMv1's penalty as the square of the gradient.
    return InvariantEncoder(
        n_components=settings["n_components"], unbiased=False, **training(args, seed)
    ).fit(X, y, environments=s)


def check_same_invariant_objective(encoder, X, y, s, settings):
    """The minimal model with the encoder's weights gives the encoder's loss on a batch."""
    module = encoder.net_.module_
    model = MinimalInvariant(X.shape[1], settings["n_components"], (64,), 2)
    model.encoder.load_state_dict(module.experts["x"].state_dict())
    model.label_head.load_state_dict(module.decoders["y"].net.state_dict())
    rows = slice(0, 256)
    tensors = encoder._training_tensors(X, y, s, first=False)
    batch = {name: value[rows] for name, value in tensors.items()}
    module.eval()
    with torch.no_grad():
        expected = float(encoder.net_.criterion_(module(batch), batch)["loss"])
        environments = nn.functional.one_hot(torch.from_numpy(s[rows]), 2).float()
        got = float(
            minimal_invariant_loss(
                model, torch.from_numpy(X[rows]), environments, torch.from_numpy(y[rows]), False
            )
        )
    return expected, got


# ---- DisentangledEncoder ---------------------------------------------------------------------
DISENTANGLED = DisentangledEncoder().get_params()


class MinimalDisentangled(nn.Module):
    """DisentangledEncoder's default network: encoder, a readout per subspace, discriminators."""

    def __init__(self, n_features, n_attributes=2, n_classes=2):
        super().__init__()
        size, hidden = DISENTANGLED["subspace_sizes"], DISENTANGLED["hidden_layer_sizes"]
        width = size * n_attributes
        self.subspaces = [slice(k * size, (k + 1) * size) for k in range(n_attributes)]
        self.encoder = _mlp(n_features, hidden, 2 * width)
        self.readouts = nn.ModuleList(_mlp(size, hidden, n_classes) for _ in self.subspaces)
        critic_hidden = DISENTANGLED["critic_hidden_layer_sizes"]
        self.critics = nn.ModuleList(
            _mlp(width + n_classes, critic_hidden, 1) for _ in self.subspaces
        )


def permute_within(strata):
    """Rows exchanged only within each stratum (one randperm per value), and the usable rows."""
    index, usable = torch.arange(len(strata)), torch.zeros(len(strata), dtype=torch.bool)
    for value in torch.unique(strata):
        rows = torch.nonzero(strata == value).squeeze(1)
        if len(rows) >= 2:
            index[rows], usable[rows] = rows[torch.randperm(len(rows))], True
    return index, usable


def discrimination(model, codes, labels, swapped):
    """Sum over attributes of the real-vs-permuted cross-entropy (labels swapped: encoder)."""
    bce, total = nn.functional.binary_cross_entropy_with_logits, codes.new_zeros(())
    for k, (own, critic) in enumerate(zip(model.subspaces, model.critics, strict=True)):
        others = torch.cat([codes[:, : own.start], codes[:, own.stop :]], 1)
        index, usable = permute_within(labels[:, k])
        condition = nn.functional.one_hot(labels[:, k], 2).to(codes.dtype)
        real = torch.cat([codes[:, own], others, condition], 1)[usable]
        fake = torch.cat([codes[:, own], others[index], condition], 1)[usable]
        if len(real) >= 2:
            real_logits, fake_logits = critic(real).squeeze(1), critic(fake).squeeze(1)
            total = total + bce(real_logits, torch.full_like(real_logits, float(not swapped)))
            total = total + bce(fake_logits, torch.full_like(fake_logits, float(swapped)))
    return total


def minimal_disentangled_loss(model, x, labels):
    """The encoder's loss: readouts' cross-entropies + the weight times swapped discrimination."""
    codes = posterior(model.encoder, x)[0]  # beta=0: the readouts read the posterior mean
    readouts = sum(
        nn.functional.cross_entropy(head(codes[:, own]), labels[:, k])
        for k, (own, head) in enumerate(zip(model.subspaces, model.readouts, strict=True))
    )
    penalty = discrimination(model, codes, labels, swapped=True)
    return readouts + DISENTANGLED["independence_weight"] * penalty, codes


def fit_minimal_disentangled(X, y, s, settings, args, seed=0):
    defaults = (
        DISENTANGLED["beta"],
        DISENTANGLED["dependence_measure"],
        DISENTANGLED["warmup_epochs"],
    )
    assert defaults == (0.0, "permutation", None), "the reference assumes these defaults"
    torch.manual_seed(seed)
    X, labels = torch.from_numpy(X), torch.from_numpy(np.stack([y, s], 1))
    model = MinimalDisentangled(X.shape[1])
    critic_optimizer = torch.optim.Adam(model.critics.parameters(), lr=DISENTANGLED["lr"])
    last = {}

    def batch_loss(rows):
        loss, codes = minimal_disentangled_loss(model, X[rows], labels[rows])
        last.update(codes=codes.detach(), labels=labels[rows])
        return loss

    def critic_steps():
        for _ in range(DISENTANGLED["critic_steps"]):
            loss = discrimination(model, last["codes"], last["labels"], swapped=False)
            critic_optimizer.zero_grad()
            loss.backward()
            critic_optimizer.step()

    encoder_side = [*model.encoder.parameters(), *model.readouts.parameters()]
    return train_minimal(model, batch_loss, len(X), args, seed, encoder_side, critic_steps)


def attribute_frame(y, s):
    return pd.DataFrame({"income": y, "sex": s})


def fit_sklatent_disentangled(X, y, s, settings, args, seed=0):
    return DisentangledEncoder(**training(args, seed)).fit(X, attribute_frame(y, s))


def check_same_disentangled_objective(encoder, X, y, s, settings):
    """The same loss on a batch, torch's generator seeded alike before each (permutations)."""
    module, critic = encoder.net_.module_, encoder.net_.critic_
    model = MinimalDisentangled(X.shape[1])
    model.encoder.load_state_dict(module.experts["x"].state_dict())
    for own, head, name in zip(model.subspaces, model.readouts, encoder.attributes_, strict=True):
        state = module.decoders[name].net.state_dict()
        head.load_state_dict({**state, "0.weight": state["0.weight"][:, own]})
    model.critics.load_state_dict(critic.critics.state_dict())
    rows = slice(0, 256)
    tensors = encoder._training_tensors(X, attribute_frame(y, s), first=False)
    batch = {name: value[rows] for name, value in tensors.items()}
    labels = torch.from_numpy(np.stack([y[rows], s[rows]], 1))
    module.eval()
    critic.eval()
    with torch.no_grad():
        torch.manual_seed(0)
        expected = float(encoder.net_.criterion_(module(batch), batch, critic=critic)["loss"])
        torch.manual_seed(0)
        got = float(minimal_disentangled_loss(model, torch.from_numpy(X[rows]), labels)[0])
    return expected, got


CASES = {
    "FairEncoder": (fit_sklatent, fit_minimal, check_same_objective, TARGET),
    "InvariantEncoder": (
        fit_sklatent_invariant,
        fit_minimal_invariant,
        check_same_invariant_objective,
        None,
    ),
    "DisentangledEncoder": (
        fit_sklatent_disentangled,
        fit_minimal_disentangled,
        check_same_disentangled_objective,
        None,
    ),
}


def run_case(name, data, settings, args):
    """Interleaved fits of one estimator and its minimal loop; prints the report."""
    fit_ours, fit_reference, check, target = CASES[name]
    X, y, s = data
    warm = argparse.Namespace(**{**vars(args), "epochs": 1})
    fit_ours(X[:2048], y[:2048], s[:2048], settings, warm)
    fit_reference(X[:2048], y[:2048], s[:2048], settings, warm)
    times = {"sklatent": [], "minimal": []}
    for repeat in range(args.repeats):
        start = time.perf_counter()
        estimator = fit_ours(X, y, s, settings, args, repeat)
        times["sklatent"].append(time.perf_counter() - start)
        start = time.perf_counter()
        fit_reference(X, y, s, settings, args, repeat)
        times["minimal"].append(time.perf_counter() - start)
    expected, got = check(estimator, X, y, s, settings)
    print(f"\n--- {name} ---")
    print(f"same objective: loss on a batch, {name} {expected:.6f}, minimal loop {got:.6f}")
    medians = {key: statistics.median(values) for key, values in times.items()}
    for key, values in times.items():
        print(
            f"fit {key:9s} median {medians[key]:.3f} s  min {min(values):.3f}  "
            f"max {max(values):.3f}  ({medians[key] / args.epochs:.3f} s per epoch)"
        )
    ratio = medians["sklatent"] / medians["minimal"]
    verdict = "-" if target is None else ("PASS" if ratio <= target else "FAIL")
    goal = "no target" if target is None else f"target <= {target:.2f}"
    print(f"fit {name} / minimal loop: {ratio:.3f} ({goal}): {verdict}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--estimators", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--quick", action="store_true", help="smoke run: 3,000 rows, 2 repeats")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    (X, y, s), _ = adult_tables()
    y = np.unique(y, return_inverse=True)[1].astype(np.int64)
    s = s.astype(np.int64)
    if args.quick:
        X, y, s, args.epochs, args.repeats = X[:3000], y[:3000], s[:3000], 1, 2
    defaults = FairEncoder()
    settings = {
        "n_components": defaults.n_components,
        "beta": defaults.beta,
        "target_weight": defaults.target_weight,
        "independence_weight": defaults.independence_weight,
    }
    print("Hot paths: estimators' fits vs minimal hand-written loops of their objectives")
    print("\n".join(machine_lines()))
    print(
        f"command: {' '.join(sys.argv)}\ndata: Adult training split {X.shape[0]} x {X.shape[1]}; "
        f"FairEncoder defaults {settings}, batch {args.batch_size}, {args.epochs} epochs, "
        f"1 thread, {args.repeats} interleaved repeats"
    )
    for name in args.estimators:
        run_case(name, (X, y, s), settings, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
