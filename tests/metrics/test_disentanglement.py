"""Tests for the disentanglement scores (MIG, DCI, SAP) on codes with known answers."""

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import Lasso, LogisticRegression

from sklatent.metrics import dci, mutual_information_gap, sap_score
from sklatent.metrics._disentanglement import _normalized_entropy

N = 4000
PERM = [2, 0, 3, 1]
SCALE = np.array([2.0, -1.0, 0.5, 3.0])
# normalised 4 x 4 Hadamard matrix: a rotation whose entries all have magnitude 1/2, so every
# code dimension carries every factor equally
HADAMARD = np.array([[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]]) / 2.0


def _gaussian_factors(n=N, k=4, seed=0):
    return np.random.default_rng(seed).standard_normal((n, k))


def _discrete_factors(n=N, k=4, n_values=3, seed=0):
    return np.random.default_rng(seed).integers(0, n_values, size=(n, k))


def _rotation(k, seed):
    Q, R = np.linalg.qr(np.random.default_rng(seed).standard_normal((k, k)))
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)


# --------------------------------------------------------------------------- a perfect code


@pytest.mark.parametrize("kind", ["continuous", "discrete"])
def test_permuted_rescaled_copy_scores_one_everywhere(kind):
    F = _gaussian_factors() if kind == "continuous" else _discrete_factors()
    Z = F[:, PERM] * SCALE + 1.0
    # binned plug-in MI of independent variables is biased up by ~(B-1)^2 / (2n) nats
    assert mutual_information_gap(Z, F) == pytest.approx(1.0, abs=0.05)
    # the second best of a discrete factor is a held-out chance-adjusted accuracy of an
    # independent dimension: 0 up to sampling noise of about 0.02 on 1000 test rows
    assert sap_score(Z, F, random_state=0) == pytest.approx(1.0, abs=0.05)
    result = dci(Z, F, random_state=0)
    assert result.disentanglement == pytest.approx(1.0, abs=1e-9)
    assert result.completeness == pytest.approx(1.0, abs=1e-9)
    assert result.informativeness == pytest.approx(1.0, abs=1e-3)
    # the importance matrix is the permutation: factor k is read from code PERM.index(k)
    R = result.importances
    assert R.shape == (4, 4)
    np.testing.assert_array_equal(R.argmax(axis=0), np.argsort(PERM))
    assert np.count_nonzero(R) == 4


def test_perfect_code_scores_one_with_gradient_boosting_importances():
    F = _gaussian_factors(n=400, k=3)
    Z = F[:, [1, 2, 0]] * [1.0, -2.0, 0.5]
    booster = GradientBoostingRegressor(n_estimators=30, max_depth=2, random_state=0)
    result = dci(Z, F, estimator=booster, random_state=0)
    assert result.disentanglement > 0.97
    assert result.completeness > 0.97
    assert result.informativeness > 0.9
    np.testing.assert_allclose(result.importances.sum(axis=0), 1.0)  # feature_importances_


def test_classifier_importances_on_discrete_factors():
    F = _discrete_factors(n=1000, k=2)
    Z = F[:, [1, 0]] * [2.0, -1.0]
    result = dci(Z, F, estimator=LogisticRegression(), random_state=0)
    assert result.disentanglement > 0.9 and result.completeness > 0.9
    assert result.informativeness == pytest.approx(1.0)  # accuracy
    with pytest.raises(ValueError, match="classifier estimator needs discrete"):
        dci(Z, F.astype(float), estimator=LogisticRegression())


# --------------------------------------------------------------------------- mixed codes


def test_hadamard_mixing_scores_zero_but_stays_informative():
    F = _gaussian_factors()
    Z = F @ HADAMARD
    assert mutual_information_gap(Z, F) < 0.05
    assert sap_score(Z, F) < 0.03
    result = dci(Z, F, random_state=0)
    assert result.disentanglement < 0.01
    assert result.completeness < 0.01
    # disentanglement and informativeness are separate: the mixed code predicts every factor
    assert result.informativeness == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("seed", range(3))
def test_random_rotation_matches_closed_forms(seed):
    F = _gaussian_factors(n=20000, seed=10 + seed)
    Q = _rotation(4, seed)
    Z = F @ Q  # z_d = sum_k Q_kd v_k, unit variance: corr(z_d, v_k) = Q_kd
    # SAP: S_dk = R^2 = Q_kd^2; gap between the two largest per factor
    S = np.sort(Q**2, axis=1)[:, ::-1]
    assert sap_score(Z, F) == pytest.approx(np.mean(S[:, 0] - S[:, 1]), abs=0.01)
    # DCI with the Lasso: on standardised, uncorrelated codes its weights are the soft-thresholded
    # least-squares weights, |w_dk| = max(|Q_kd| - alpha, 0)
    R = np.maximum(np.abs(Q.T) - 0.01, 0.0)
    P = R / R.sum(axis=1, keepdims=True)
    plogp = np.where(P > 0, P * np.log(np.where(P > 0, P, 1.0)), 0.0)
    expected_d = R.sum(axis=1) / R.sum() @ (1 + plogp.sum(axis=1) / np.log(4))
    result = dci(Z, F, random_state=0)
    assert result.disentanglement == pytest.approx(expected_d, abs=0.02)
    assert result.disentanglement < 0.4


def test_random_rotations_score_far_below_the_perfect_code():
    F = _gaussian_factors()
    perfect = F[:, PERM] * SCALE
    scores = np.array(
        [
            [mutual_information_gap(Z, F), dci(Z, F, random_state=0).disentanglement]
            for Z in (F @ _rotation(4, seed) for seed in range(5))
        ]
    )
    assert np.all(scores < 0.4)
    assert scores[:, 0].mean() < mutual_information_gap(perfect, F) - 0.6
    assert scores[:, 1].mean() < 0.3


# --------------------------------------------------------------------------- MIG known answers


def test_mig_is_zero_when_each_factor_is_copied_into_two_codes():
    F = _discrete_factors(k=2)
    Z = np.column_stack([F[:, 0], F[:, 0], -F[:, 1], 2 * F[:, 1]]).astype(float)
    assert mutual_information_gap(Z, F) == pytest.approx(0.0, abs=1e-12)
    # the same with continuous factors: identical bins, identical mutual information
    G = _gaussian_factors(k=2)
    assert mutual_information_gap(np.column_stack([G, G]), G) == pytest.approx(0.0, abs=1e-12)


def test_mig_of_a_noisy_copy_matches_binary_entropy():
    # v ~ Bernoulli(1/2); z0 = v; z1 = v flipped with probability p: I(z1; v) = ln 2 - H_b(p),
    # so the gap normalised by H(v) = ln 2 is H_b(p) / ln 2
    n, p = 100000, 0.1
    rng = np.random.default_rng(0)
    v = rng.integers(0, 2, size=n)
    flipped = np.where(rng.random(n) < p, 1 - v, v)
    h_b = -(p * np.log(p) + (1 - p) * np.log(1 - p))
    mig = mutual_information_gap(np.column_stack([v, flipped]), v)
    assert mig == pytest.approx(h_b / np.log(2), abs=0.01)


def test_factor_types_from_a_dataframe():
    rng = np.random.default_rng(0)
    F = pd.DataFrame(
        {
            "angle": rng.standard_normal(N),  # float: continuous
            "shape": rng.choice(["square", "heart", "ellipse"], size=N),  # strings: discrete
            "size": rng.integers(0, 5, size=N),  # int: discrete
        }
    )
    shape_code = pd.Series(F["shape"]).map({"square": 0.0, "heart": 1.0, "ellipse": 2.0})
    Z = np.column_stack([F["size"], F["angle"], shape_code])
    assert mutual_information_gap(Z, F) == pytest.approx(1.0, abs=0.05)
    assert sap_score(Z, F, random_state=0) == pytest.approx(1.0, abs=0.02)
    assert dci(Z, F, random_state=0).disentanglement == pytest.approx(1.0, abs=1e-6)
    # an explicit mask overrides the dtypes; a non-numeric factor cannot be continuous
    with pytest.raises(ValueError, match="not numeric"):
        sap_score(Z, F, discrete_factors=False)
    score = sap_score(Z, F[["angle", "size"]], discrete_factors=np.array([False, False]))
    assert score == pytest.approx(1.0, abs=0.02)


# --------------------------------------------------------------------------- SAP details


def test_sap_chance_adjusted_for_discrete_factors():
    F = _discrete_factors(k=2, n_values=2)
    noise = np.random.default_rng(1).standard_normal((N, 2))
    # one dimension predicts the binary factor perfectly by a threshold, the other guesses
    assert sap_score(np.column_stack([F[:, 0], noise[:, 0]]), F[:, 0], random_state=0) == (
        pytest.approx(1.0, abs=1e-9)
    )
    assert sap_score(noise, F, random_state=0) < 0.05


def test_sap_reads_a_multi_class_factor_from_intervals():
    # class 1 sits between classes 0 and 2 in neither order: interval classifiers still read it
    labels = _discrete_factors(k=1, n_values=3)[:, 0]
    z = np.array([0.0, 2.0, 1.0])[labels] + 0.05 * np.random.default_rng(2).standard_normal(N)
    noise = np.random.default_rng(3).standard_normal(N)
    assert sap_score(np.column_stack([noise, z]), labels, random_state=0) == pytest.approx(
        1.0, abs=1e-9
    )


# --------------------------------------------------------------------------- helpers and errors


def test_normalized_entropy_edge_cases():
    R = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(_normalized_entropy(R, axis=1), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(_normalized_entropy(R[:, :1], axis=1), [1.0, 1.0, 0.0])
    # column 0 spreads 1:1:0 over 3 rows: 1 - ln 2 / ln 3
    np.testing.assert_allclose(_normalized_entropy(R, axis=0), [1 - np.log(2) / np.log(3), 1.0])


def test_dci_single_factor_and_zero_importance():
    F = _gaussian_factors(k=1)
    noise = np.random.default_rng(5).standard_normal((N, 2))
    result = dci(np.column_stack([F, noise]), F, random_state=0)
    assert result.disentanglement == pytest.approx(1.0)
    assert result.completeness == pytest.approx(1.0)
    # a code that knows nothing: a Lasso whose penalty exceeds the sampling noise of the
    # correlations (about 1 / sqrt(n)) keeps no weight, and every score is 0
    result = dci(noise, F, estimator=Lasso(alpha=0.1), random_state=0)
    assert not result.importances.any()
    assert result.disentanglement == result.completeness == 0.0
    assert result.informativeness < 0.01


def test_scores_are_plain_floats_and_deterministic_given_a_seed():
    F = _discrete_factors(n=500, k=2)
    Z = F + np.random.default_rng(0).standard_normal((500, 2))
    for score in (
        mutual_information_gap(Z, F),
        sap_score(Z, F, random_state=0),
        dci(Z, F, random_state=0).disentanglement,
    ):
        assert type(score) is float
        assert 0.0 <= score <= 1.0
    assert sap_score(Z, F, random_state=3) == sap_score(Z, F, random_state=3)
    assert dci(Z, F, random_state=3).informativeness == dci(Z, F, random_state=3).informativeness


@pytest.mark.parametrize("metric", [mutual_information_gap, sap_score, dci])
def test_input_validation(metric):
    F = _gaussian_factors(n=50, k=2)
    with pytest.raises(ValueError, match="same number of samples"):
        metric(F, F[:40])
    with pytest.raises(ValueError, match=r"factors of 50 rows, 0 columns"):  # said 0 rows
        metric(F, np.empty((50, 0)))
    with pytest.raises(ValueError, match="constant"):
        metric(F, np.column_stack([F[:, 0], np.ones(50)]))
    with pytest.raises(ValueError, match=r"NaN|infinity"):
        metric(np.where(np.eye(50, 2) > 0, np.nan, F), F)
    with pytest.raises(ValueError, match="discrete_factors"):
        metric(F, F, discrete_factors=[True])
    labels = np.where(F[:, 0] > 0, "high", "low").astype(object)
    labels[3] = None
    with pytest.raises(ValueError, match=r"Factor 0 contains missing values"):
        metric(F, pd.DataFrame({"level": labels, "size": F[:, 1]}))
    if metric is not dci:
        with pytest.raises(ValueError, match="at least 2 columns"):
            metric(F[:, :1], F)


def test_parameter_validation():
    F = _gaussian_factors(n=50, k=2)
    with pytest.raises(ValueError, match="n_bins"):
        mutual_information_gap(F, F, n_bins=1)
    with pytest.raises(ValueError, match="test_size"):
        sap_score(F, F, test_size=1.5)
    with pytest.raises(ValueError, match="test_size"):
        dci(F, F, test_size=0)
    # 4 rows at the default test_size leave one held-out row, whose R^2 was NaN.
    with pytest.raises(ValueError, match=r"4 rows into 3 to fit and 1 to score"):
        dci(F[:4], F[:4])
    # A held-out part with one class of a discrete factor gave sap_score NaN.
    labels = np.array([[0, 1], [1, 0], [0, 0], [1, 1], [0, 1], [1, 0]])
    with pytest.raises(ValueError, match="leaves one class of a factor"):
        sap_score(labels + 0.1, labels, random_state=0)
