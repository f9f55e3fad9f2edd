"""
=======================================================
Disentangling correlated attributes: correlation shift
=======================================================

Two attributes that are correlated in the training data (here 0.8) invite a shortcut: a
readout of one attribute can read the other one's subspace, and it fails when the correlation
changes. :class:`~sklatent.DisentangledEncoder` gives each attribute its own subspace and
penalises the information that subspace holds about the others *given its own attribute*,
:math:`I(z_k; z_{-k} \\mid s_k)` (Funke et al. 2022). This example fits the three variants on
the paper's linear-Gaussian toy (:func:`~sklatent.datasets.make_correlated_attributes`) and
plots the variance of the attributes explained from their own subspaces as the test
correlation moves from -0.8 to 0.8.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from sklatent import DisentangledEncoder
from sklatent.datasets import make_correlated_attributes

torch.set_num_threads(1)  # small networks: one thread is fastest
X, y = make_correlated_attributes(3000, correlation=0.8, random_state=0)
test_correlations = np.linspace(-0.8, 0.8, 5)
tests = [make_correlated_attributes(3000, correlation=c, random_state=1) for c in test_correlations]

# %%
# Readouts only, the MI baseline and the conditional penalty
# ----------------------------------------------------------
#
# The penalties are estimated here by the MMD between real and permuted rows
# (``dependence_measure="mmd"``), which needs no adversary; ``"permutation"`` (the default) is
# the paper's discriminator. The MI baseline needs a strong weight to reach MI = 0.
variants = {
    "none (readouts only)": {"independence": "none"},
    "unconditional: I(z1; z2)": {"independence": "unconditional", "independence_weight": 1000.0},
    "conditional: I(z1; z2 | s1)": {"independence": "conditional", "independence_weight": 10.0},
}
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, params in variants.items():
    model = DisentangledEncoder(
        subspace_sizes=1, dependence_measure="mmd", max_epochs=30, random_state=0, **params
    )
    model.fit(X, y)
    ax.plot(test_correlations, [model.score(*test) for test in tests], marker="o", label=name)
ax.axvline(0.8, color="gray", linestyle=":", label="training correlation")
ax.set_xlabel("test correlation of the two attributes")
ax.set_ylabel("R² of each attribute from its subspace")
ax.legend(fontsize="small")
plt.show()

# %%
# The readouts alone do best where the test correlation equals the training one and worst where
# it is reversed; the conditional penalty gives up a little at 0.8 and stays flat; the
# unconditional one removes the attributes' own correlation from the code and pays for it at
# the training correlation. On this draw (3,000 rows, one seed, 30 epochs) it stops short of
# independent subspaces: about 0.74 at -0.8 and 0.67 at 0.8, where independence allows 0.60
# and 0.70 (the user guide's table, 4,000 rows and five seeds, comes within 0.02 of both).
