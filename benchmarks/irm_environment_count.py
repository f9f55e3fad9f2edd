"""How IRMv1's penalty scales with the number of environments: normalised, and summed.

Two measurements, no spurious feature anywhere (the environments are random splits of one
population, where an invariance penalty should cost nothing):

- ``irm_penalty`` on fixed random logits of 4,096 rows (30% positives), the rows cut into
  2, 10 and 50 random environments, beside the sum of the environments' terms (each one
  environment's penalty: the package's scale before it was normalised);
- ``InvariantEncoder(random_state=0)`` at its defaults on 9,000 of Adult's training rows
  (one-hot, standardized), cut into 2, 10 and 40 random environments, scored on the next
  3,000 rows, beside ``penalty_weight=0`` (ERM).

    .venv/bin/python benchmarks/irm_environment_count.py
"""

import warnings

import numpy as np
import pandas as pd
import torch
from sklearn.preprocessing import StandardScaler

from sklatent import InvariantEncoder
from sklatent.datasets import load_adult
from sklatent.information import irm_penalty


def main():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(4096, 2, generator=generator)
    targets = (torch.rand(4096, generator=generator) < 0.3).long()
    for k in (2, 10, 50):
        environments = torch.randint(0, k, (4096,), generator=generator)
        value = irm_penalty(logits, targets, environments, k).item()
        summed = sum(
            irm_penalty(logits[rows], targets[rows], torch.zeros(len(rows), dtype=torch.long), 1)
            for rows in (torch.nonzero(environments == e).squeeze(1) for e in range(k))
        ).item()
        print(f"random logits, {k} environments: irm_penalty {value:.3f}, summed {summed:.3f}")
    adult = load_adult(split="train", dropna=True)
    features = pd.get_dummies(adult.data.drop(columns="sex"), dtype=float).to_numpy()
    X = StandardScaler().fit_transform(features)[:12000]
    y = np.asarray(adult.target).astype(int)[:12000]
    train, test = slice(0, 9000), slice(9000, 12000)
    rng = np.random.default_rng(0)
    print(f"Adult: majority rate of the scored rows {max(y[test].mean(), 1 - y[test].mean()):.3f}")
    for k, weight in ((2, 0.0), (2, 10.0), (10, 10.0), (40, 10.0)):
        environments = rng.integers(0, k, len(y))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = InvariantEncoder(penalty_weight=weight, random_state=0)
            model.fit(X[train], y[train], environments=environments[train])
        warned = sorted({w.category.__name__ for w in caught if "Collapsed" in str(w.category)})
        print(
            f"Adult, {k} random environments, penalty_weight={weight:g}: test accuracy "
            f"{model.score(X[test], y[test]):.3f} {warned}",
            flush=True,
        )


if __name__ == "__main__":
    main()
