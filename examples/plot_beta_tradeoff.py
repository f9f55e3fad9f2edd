"""
=======================================================
The rate-distortion trade-off of beta in a BetaVAE
=======================================================

The weight ``beta`` of :class:`~sklatent.BetaVAE` prices the information the code keeps about
each row. The objective is

.. math::

    \\mathbb E_{q(z\\mid x)}\\big[-\\log p(x \\mid z)\\big]
    + \\beta\\, \\mathrm{KL}\\big(q(z \\mid x) \\,\\|\\, \\mathcal N(0, I)\\big),

a reconstruction term (the distortion) plus ``beta`` times the KL term (the rate, in nats). A
small ``beta`` buys accurate reconstructions with an expensive code; a large one compresses the
code at the cost of reconstruction.

This example fits one model per ``beta`` on the standardized digits and reads both terms of the
last epoch from ``history_``. A plain loop is enough here; ``beta`` is an ordinary parameter, so
:class:`~sklearn.model_selection.GridSearchCV` can tune it as well.
"""

# %%
# Fit one model per beta
# ----------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from sklatent import BetaVAE

X = StandardScaler().fit_transform(load_digits().data)

betas = [0.1, 1.0, 4.0]
rate, distortion, mse = [], [], []
for beta in betas:
    vae = BetaVAE(n_components=8, beta=beta, max_epochs=30, random_state=0).fit(X)
    rate.append(vae.history_[-1, "train_kl"])
    distortion.append(vae.history_[-1, "train_reconstruction"])
    X_rec = vae.inverse_transform(vae.transform(X))
    mse.append(np.mean((X - X_rec) ** 2))
    print(
        f"beta={beta:<4}  KL={rate[-1]:7.2f} nats  "
        f"reconstruction NLL={distortion[-1]:8.2f} nats  MSE={mse[-1]:.3f}"
    )

# %%
# Plot reconstruction against KL
# ------------------------------
# Each point is one ``beta``. Moving right, the code carries more nats about the digit and the
# reconstructions improve; the curve is the rate-distortion trade-off the bottleneck explores.
# The left panel is the training objective's own reconstruction term (negative log-likelihood,
# with the calibrated decoder variance), the right panel the plain mean squared error of
# ``inverse_transform(transform(X))``.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
for ax, values, label in [
    (axes[0], distortion, "reconstruction NLL (nats per row)"),
    (axes[1], mse, "mean squared error"),
]:
    ax.plot(rate, values, marker="o")
    for beta, x, value in zip(betas, rate, values, strict=True):
        ax.annotate(rf"$\beta={beta:g}$", (x, value), textcoords="offset points", xytext=(6, 4))
    ax.set_xlabel(r"mean KL$(q(z \mid x)\,\|\,\mathcal{N}(0, I))$ (nats per row)")
    ax.set_ylabel(label)
    ax.margins(x=0.2, y=0.1)
fig.suptitle("BetaVAE on the digits: reconstruction against rate")
fig.tight_layout()
plt.show()
