"""What FairEncoder's penalty costs where there is nothing to remove.

A planted table of 400 training rows: three standard-normal features, a label
``y = [x_0 + 0.3 e > 0]`` and a sensitive attribute drawn independently of both, so that every
code is already independent of it and the penalty's population value is zero
whatever the encoder does.
``FairEncoder(2, independence_weight=w)`` at its other defaults, for w in 0, 3 and 30
(``--weights``); a logistic regression on the codes is scored on 2,000 fresh rows, and the
held-out label cross-entropy is the lowest ``valid_reconstruction_y`` over the epochs (log 2 =
0.693 is a head that learned nothing). Seeds 0-4 draw both the table and the fit. Any accuracy
lost at a large weight is the penalty's estimation noise at work, not a trade-off. First, the
kernel penalty's value and gradient on 200 batches of 64 independent two-dimensional codes
(how hard a weight of 1 pushes where there is nothing to remove). ``--variant`` turns on one
of the alternatives of ``_penalty_variants.py``.

    .venv/bin/python benchmarks/fair_independent_attribute.py
    .venv/bin/python benchmarks/fair_independent_attribute.py --variant three-bandwidths
"""

import argparse
import warnings

import numpy as np
import torch
from _penalty_variants import VARIANTS
from _penalty_variants import apply as apply_variant
from sklearn.linear_model import LogisticRegression

import sklatent.information._independence as kernels
from sklatent import FairEncoder
from sklatent.information import group_mmd


def _planted(n_rows, rng):
    X = rng.normal(size=(n_rows, 3))
    return X, (X[:, 0] + 0.3 * rng.normal(size=n_rows) > 0).astype(int)


def _penalty_under_independence():
    """Mean and spread of group_mmd, and its gradient's mean norm, on independent batches."""
    generator = torch.Generator().manual_seed(0)
    values, norms = [], []
    for _ in range(200):
        codes = torch.randn(64, 2, generator=generator, requires_grad=True)
        groups = torch.randint(0, 2, (64,), generator=generator)
        value = group_mmd(codes, groups, 2)
        value.backward()
        values.append(value.item())
        norms.append(codes.grad.norm().item())
    print(
        f"group_mmd on 64 independent rows: {np.mean(values):.4f} +- {np.std(values):.4f}, "
        f"gradient norm {np.mean(norms):.4f}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=VARIANTS, help="an alternative to study")
    parser.add_argument("--weights", type=float, nargs="+", default=[0, 3, 30])
    args = parser.parse_args(argv)
    apply_variant(args.variant)
    print(f"variant: {args.variant}")
    _penalty_under_independence()
    print(f"kernel bandwidths (multiples of the median): {kernels._bandwidth_scales()}")
    results = {}
    for seed in range(5):
        rng = np.random.RandomState(seed)
        X, y = _planted(400, rng)
        s = rng.randint(0, 2, 400)
        X_test, y_test = _planted(2000, rng)
        for weight in args.weights:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                encoder = FairEncoder(2, independence_weight=weight, random_state=seed)
                encoder.fit(X, y, sensitive_features=s)
            head = LogisticRegression().fit(encoder.transform(X), y)
            accuracy = head.score(encoder.transform(X_test), y_test)
            cross_entropy = min(encoder.history_[:, "valid_reconstruction_y"])
            results.setdefault(weight, []).append((accuracy, cross_entropy))
            print(
                f"seed {seed} w={weight:g}: test accuracy {accuracy:.3f}, best held-out label "
                f"cross-entropy {cross_entropy:.3f}, {encoder.n_iter_} epochs",
                flush=True,
            )
    for weight, rows in results.items():
        accuracy, cross_entropy = np.mean(rows, axis=0)
        print(f"mean w={weight:g}: test accuracy {accuracy:.3f}, cross-entropy {cross_entropy:.3f}")


if __name__ == "__main__":
    main()
