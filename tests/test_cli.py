"""``sklatent fit`` / ``sklatent transform``: round trip on Adult, and the shell's error paths."""

import json

import numpy as np
import pandas as pd
import pytest

import sklatent
from sklatent import _cli_data
from sklatent.__main__ import main
from sklatent._cli import parse_params
from sklatent._cli_data import apply_preprocessing, load_preprocessing
from sklatent.datasets import load_adult

COLUMNS = ["age", "workclass", "education", "hours_per_week", "sex", "income"]
FAST = ["--param", "max_epochs=2", "--param", "n_components=2", "--param", "random_state=0"]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A FairEncoder fitted by the command line on 600 Adult rows, and a 50-row test file."""
    folder = tmp_path_factory.mktemp("cli")
    train = load_adult(split="train").frame[COLUMNS].iloc[:600]
    train.to_csv(folder / "train.csv", index=False)
    # Other order, an extra column, target and sensitive columns present (and ignored).
    test = load_adult(split="test").frame[["race", *COLUMNS[::-1]]].iloc[:50]
    test.to_csv(folder / "test.csv", index=False)
    fit = ["fit", "--estimator", "FairEncoder", "--data", str(folder / "train.csv")]
    roles = ["--target", "income", "--sensitive", "sex"]
    assert main([*fit, *roles, "--out", str(folder / "model"), *FAST]) == 0
    return folder


def _transform(folder, data, out):
    return main(["transform", "--model", str(folder / "model"), "--data", str(data), "--out", out])


def _python_codes(folder, frame):
    """What a Python user gets: load the model and the preprocessing, transform."""
    estimator = sklatent.load(folder / "model")
    return estimator.transform(apply_preprocessing(frame, load_preprocessing(folder / "model")))


def test_fit_saves_a_model_and_plain_preprocessing(fitted):
    assert type(sklatent.load(fitted / "model")).__name__ == "FairEncoder"
    spec = json.loads((fitted / "model" / "preprocessing.json").read_text())
    assert spec["target"] == ["income"] and spec["sensitive"] == ["sex"]
    kinds = {column["name"]: column["kind"] for column in spec["columns"]}
    assert kinds == {
        "age": "numeric",
        "workclass": "categorical",
        "education": "categorical",
        "hours_per_week": "numeric",
    }


def test_fit_reports_progress_on_stderr(tmp_path, fitted, capsys):
    out = tmp_path / "model"
    args = ["fit", "--estimator", "BetaVAE", "--data", str(fitted / "train.csv")]
    assert main([*args, "--drop", "sex", "--drop", "income", "--out", str(out), *FAST]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    for line in ("read 600 rows", "fitting BetaVAE...", f"saved to {out}"):
        assert line in captured.err


def test_transform_writes_codes_in_row_order_equal_to_python(fitted, tmp_path, capsys):
    assert _transform(fitted, fitted / "test.csv", str(tmp_path / "codes.csv")) == 0
    assert "wrote 50 rows x 2 codes" in capsys.readouterr().err
    codes = pd.read_csv(tmp_path / "codes.csv")
    assert list(codes.columns) == ["fairencoder0", "fairencoder1"] and codes.shape == (50, 2)
    test = pd.read_csv(fitted / "test.csv")
    np.testing.assert_allclose(codes.to_numpy(), _python_codes(fitted, test), atol=1e-6)
    # Row order is the input's: reversed rows give reversed codes.
    test.iloc[::-1].to_csv(tmp_path / "reversed.csv", index=False)
    assert _transform(fitted, tmp_path / "reversed.csv", str(tmp_path / "reversed_codes.csv")) == 0
    reversed_codes = pd.read_csv(tmp_path / "reversed_codes.csv").to_numpy()
    np.testing.assert_allclose(reversed_codes, codes.to_numpy()[::-1], atol=1e-6)


def test_target_columns_name_the_attributes_and_their_codes(fitted, tmp_path):
    out = tmp_path / "model"
    args = ["fit", "--estimator", "DisentangledEncoder", "--data", str(fitted / "train.csv")]
    targets = ["--target", "income", "--target", "sex", "--param", "subspace_sizes=1"]
    assert main([*args, *targets, "--out", str(out), "--param", "max_epochs=1"]) == 0
    assert sklatent.load(out).attributes_ == ["income", "sex"]
    codes = tmp_path / "codes.csv"
    assert (
        main(
            [
                "transform",
                "--model",
                str(out),
                "--data",
                str(fitted / "test.csv"),
                "--out",
                str(codes),
            ]
        )
        == 0
    )
    assert list(pd.read_csv(codes).columns)[:2] == ["income_0", "sex_0"]


def test_views_may_name_the_files_categorical_columns(fitted, tmp_path, capsys):
    out = tmp_path / "model"
    args = ["fit", "--estimator", "StructuredVAE", "--data", str(fitted / "train.csv")]
    views = "views={'person': ['age', 'sex'], 'work': {'columns': ['workclass', 'hours_per_week']}}"
    drop = ["--drop", "education", "--drop", "income"]
    assert main([*args, *drop, "--param", views, "--out", str(out), *FAST]) == 0
    model = sklatent.load(out)
    spec = load_preprocessing(out)
    n_classes = {c["name"]: len(c["categories"]) for c in spec["columns"] if "categories" in c}
    widths = {view["name"]: len(view["columns"]) for view in model.views_}
    assert widths == {"person": 1 + n_classes["sex"], "work": n_classes["workclass"] + 1}
    categorical = "views={'a': {'columns': ['sex'], 'likelihood': 'categorical'}, 'b': ['age']}"
    assert main([*args, *drop, "--param", categorical, "--out", str(tmp_path / "other")]) == 2
    assert "one-hot encodes categorical columns" in capsys.readouterr().err


def test_a_bernoulli_view_of_0_1_columns_keeps_them_in_0_1(tmp_path, capsys):
    # Standardised like every numeric column, they left [0, 1] and the view was refused.
    rng = np.random.RandomState(0)
    table = pd.DataFrame({"a": rng.normal(size=300), "f1": rng.randint(0, 2, 300)})
    table.assign(f2=rng.randint(0, 2, 300)).to_csv(tmp_path / "flags.csv", index=False)
    views = "views={'flags': {'columns': ['f1', 'f2'], 'likelihood': 'bernoulli'}, 'num': ['a']}"
    fit = ["fit", "--estimator", "MultiViewEncoder", "--data", str(tmp_path / "flags.csv")]
    assert main([*fit, "--out", str(tmp_path / "model"), "--param", views, *FAST[:2]]) == 0
    scales = {
        c["name"]: (c["mean"], c["scale"])
        for c in load_preprocessing(tmp_path / "model")["columns"]
    }
    assert scales["f1"] == scales["f2"] == (0.0, 1.0) and scales["a"] != (0.0, 1.0)
    # Positions count the standardised features, not the file's columns: a clean error (a
    # TypeError's traceback before), not a crash.
    by_position = "views={'flags': {'columns': 1, 'likelihood': 'bernoulli'}, 'num': [0, 2]}"
    assert main([*fit, "--out", str(tmp_path / "m2"), "--param", by_position, *FAST[:2]]) == 2
    assert "Bernoulli view 'flags' needs values in [0, 1]" in _error(capsys)


def test_parquet_round_trip(fitted, tmp_path):
    # pyarrow is in the tests extra: without it this fails instead of skipping.
    pd.read_csv(fitted / "test.csv").to_parquet(tmp_path / "test.parquet")
    assert _transform(fitted, tmp_path / "test.parquet", str(tmp_path / "codes.parquet")) == 0
    assert _transform(fitted, fitted / "test.csv", str(tmp_path / "codes.csv")) == 0
    codes = pd.read_parquet(tmp_path / "codes.parquet")
    assert list(codes.columns) == ["fairencoder0", "fairencoder1"]
    np.testing.assert_allclose(codes, pd.read_csv(tmp_path / "codes.csv"), atol=1e-6)


def test_parquet_without_pyarrow_is_a_clear_error(fitted, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(_cli_data, "parquet_engine_available", lambda: False)
    assert _transform(fitted, fitted / "test.csv", str(tmp_path / "codes.parquet")) == 2
    assert "pip install pyarrow" in capsys.readouterr().err


def test_unseen_categories_and_missing_values_are_zeros(fitted):
    spec = load_preprocessing(fitted / "model")
    frame = pd.DataFrame(
        {
            "age": [np.nan, 40.0],
            "workclass": ["Astronaut", None],
            "education": ["Bachelors", "Bachelors"],
            "hours_per_week": [40, 40],
        }
    )
    with pytest.warns(UserWarning, match=r"1 missing numeric value\(s\) .* mean: 'age' 1"):
        X = apply_preprocessing(frame, spec)
    # A missing category is not counted as unseen; "Astronaut" is (it was silent).
    with pytest.warns(UserWarning, match=r"^1 value\(s\) of .* not seen in fit .*: 'workclass' 1$"):
        apply_preprocessing(frame, spec)
    workclass = [name for name in X.columns if name.startswith("workclass=")]
    assert X.loc[0, "age"] == 0.0 and (X[workclass].to_numpy() == 0).all()
    assert X.loc[:, "education=Bachelors"].tolist() == [1.0, 1.0]


def test_a_logical_column_written_by_r_gets_the_same_features_at_fit_and_transform(tmp_path):
    # pandas parses TRUE/FALSE as booleans; transform reads category columns as text.
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"weight": rng.normal(size=60), "smoker": rng.rand(60) < 0.3})
    text = frame.assign(smoker=frame["smoker"].map({True: "TRUE", False: "FALSE"}))
    text.to_csv(tmp_path / "births.csv", index=False)
    fit = ["fit", "--estimator", "BetaVAE", "--data", str(tmp_path / "births.csv")]
    assert main([*fit, "--out", str(tmp_path / "model"), *FAST]) == 0
    spec = load_preprocessing(tmp_path / "model")
    assert spec["columns"][1]["categories"] == ["FALSE", "TRUE"]
    X = apply_preprocessing(_cli_data.read_table(tmp_path / "births.csv", ["smoker"]), spec)
    np.testing.assert_array_equal(X["smoker=TRUE"], frame["smoker"].astype(float))
    np.testing.assert_array_equal(X["smoker=FALSE"] + X["smoker=TRUE"], 1.0)
    # R's write.table(sep="\t") writes a header one field short: the row names become the
    # index, numbers at the first read and text at the second, which must not misalign them.
    rows = [f'"{i + 1}"\t{w:.3f}\t{f}' for i, (w, f) in enumerate(text.itertuples(False))]
    (tmp_path / "births.tsv").write_text('"weight"\t"smoker"\n' + "\n".join(rows) + "\n")
    fit[-1] = str(tmp_path / "births.tsv")
    assert main([*fit, "--out", str(tmp_path / "tsv_model"), *FAST]) == 0
    tsv_spec = load_preprocessing(tmp_path / "tsv_model")
    assert tsv_spec["columns"][1]["categories"] == ["FALSE", "TRUE"]


def test_params_are_python_literals_or_text():
    params = parse_params(
        ["beta=0.5", "hidden_layer_sizes=(8, 4)", "device=cpu", "random_state=None"],
        sklatent.FairEncoder,
    )
    assert params == {
        "beta": 0.5,
        "hidden_layer_sizes": (8, 4),
        "device": "cpu",
        "random_state": None,
    }


def _error(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("extra", "status", "fragment"),
    [
        (["--param", "bta=1"], 2, "valid ones: activation, batch_size, beta"),
        (["--param", "beta"], 2, "expected NAME=VALUE"),
        (["--param", "callbacks=[1]"], 2, "callbacks takes a Python object"),  # scripts pass it
        (["--param", "accelerator=None"], 2, "accelerator takes a Python object"),
        (["--param", "beta=-1"], 2, "'beta' parameter of FairEncoder"),
        (["--target", "salary"], 2, "--target: no column 'salary'"),
        (["--sensitive", "gender"], 2, "--sensitive: no column 'gender'"),
        (["--environments", "sex"], 2, "FairEncoder.fit takes no environments"),
        (["--target", "income", "--sensitive", "income"], 2, "both --target and --sensitive"),
        (["--sensitive", "sex", "--drop", "sex"], 2, "'sex' is given to both --sensitive and"),
    ],
)
def test_fit_errors(fitted, tmp_path, capsys, extra, status, fragment):
    args = ["fit", "--estimator", "FairEncoder", "--data", str(fitted / "train.csv")]
    assert main([*args, "--out", str(tmp_path / "model"), *extra]) == status
    assert fragment in _error(capsys)
    assert not (tmp_path / "model").exists()


def test_unreadable_data_files(fitted, tmp_path, capsys):
    fit = ["fit", "--estimator", "FairEncoder", "--out", str(tmp_path / "model"), "--data"]
    assert main([*fit, str(tmp_path / "nowhere.csv")]) == 2
    assert "nowhere.csv: no such file" in _error(capsys)
    (tmp_path / "data.xlsx").write_text("x")
    assert main([*fit, str(tmp_path / "data.xlsx")]) == 2
    assert "use a .csv, .tsv or .parquet file" in _error(capsys)
    (tmp_path / "empty.csv").write_text("")
    assert main([*fit, str(tmp_path / "empty.csv")]) == 2
    assert "cannot read" in _error(capsys)
    assert _transform(fitted, tmp_path / "nowhere.csv", str(tmp_path / "codes.csv")) == 2
    assert "no such file" in _error(capsys)


def test_transform_data_missing_columns_are_named(fitted, tmp_path, capsys):
    pd.read_csv(fitted / "test.csv").drop(columns=["age", "education"]).to_csv(
        tmp_path / "partial.csv", index=False
    )
    assert _transform(fitted, tmp_path / "partial.csv", str(tmp_path / "codes.csv")) == 3
    assert "lacks 2 column(s) the model was fitted on: 'age', 'education'" in _error(capsys)
    assert not (tmp_path / "codes.csv").exists()


def test_missing_numbers_are_counted_on_stderr_and_infinite_ones_refused(fitted, tmp_path, capsys):
    test = pd.read_csv(fitted / "test.csv")
    test.loc[[0, 3], "hours_per_week"] = np.nan
    test.to_csv(tmp_path / "gaps.csv", index=False)
    assert _transform(fitted, tmp_path / "gaps.csv", str(tmp_path / "codes.csv")) == 0
    stderr = capsys.readouterr().err
    assert "warning: 2 missing numeric value(s)" in stderr and "'hours_per_week' 2" in stderr
    test["age"] = test["age"].astype(float)
    test.loc[5, "age"] = np.inf
    test.to_csv(tmp_path / "inf.csv", index=False)
    assert _transform(fitted, tmp_path / "inf.csv", str(tmp_path / "codes_inf.csv")) == 2
    error = _error(capsys)
    assert "column 'age' of" in error and "infinite values (1 of 50)" in error
    assert not (tmp_path / "codes_inf.csv").exists()


def test_numbers_whose_spread_overflows_are_refused_before_the_fit(tmp_path, capsys):
    # The mean of 1.5e308 and 1.5e308 overflows: the fit ran, then writing the preprocessing
    # failed with a traceback, leaving a model folder without it.
    rows = np.random.RandomState(0).normal(size=(50, 2))
    rows[:2, 1] = 1.5e308
    pd.DataFrame(rows, columns=["a", "b"]).to_csv(tmp_path / "huge.csv", index=False)
    fit = ["fit", "--estimator", "BetaVAE", "--data", str(tmp_path / "huge.csv")]
    assert main([*fit, "--out", str(tmp_path / "model"), *FAST]) == 2
    assert "column 'b' holds values so large that their mean or spread overflows" in _error(capsys)
    assert not (tmp_path / "model").exists()


def test_a_column_named_like_a_one_hot_feature_is_refused(tmp_path, capsys):
    # "job=a" beside "job" holding "a": the estimator's own error named neither.
    table = pd.DataFrame({"x": np.arange(30.0), "job=a": np.arange(30.0), "job": ["a", "b"] * 15})
    table.to_csv(tmp_path / "jobs.csv", index=False)
    fit = ["fit", "--estimator", "BetaVAE", "--data", str(tmp_path / "jobs.csv")]
    assert main([*fit, "--out", str(tmp_path / "model"), *FAST]) == 2
    assert "'job=a' would name two features" in _error(capsys)
    assert not (tmp_path / "model").exists()


def test_transform_numeric_column_holding_text(fitted, tmp_path, capsys):
    test = pd.read_csv(fitted / "test.csv")
    test["age"] = test["age"].astype(str).where(test.index > 0, "forty")
    test.to_csv(tmp_path / "text.csv", index=False)
    assert _transform(fitted, tmp_path / "text.csv", str(tmp_path / "codes.csv")) == 3
    assert "column 'age'" in _error(capsys)


def test_model_folders_that_are_not_models(fitted, tmp_path, capsys):
    def transform(model):
        args = ["transform", "--model", str(model), "--data", str(fitted / "test.csv")]
        return main([*args, "--out", str(tmp_path / "codes.csv")])

    (tmp_path / "folder").mkdir()
    assert transform(tmp_path / "folder") == 3
    assert "is not a sklatent model" in _error(capsys)
    assert transform(tmp_path / "nowhere") == 2
    assert "no such folder" in _error(capsys)
    # A sklatent model saved from Python, without the command line's preprocessing.
    sklatent.save(sklatent.load(fitted / "model"), tmp_path / "bare")
    assert transform(tmp_path / "bare") == 3
    assert "not written by `sklatent fit`" in _error(capsys)


def test_out_folder_holding_other_files_is_refused(fitted, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    args = ["fit", "--estimator", "FairEncoder", "--data", str(fitted / "train.csv")]
    assert main([*args, "--out", str(tmp_path)]) == 2
    assert "refusing to write into it" in _error(capsys)


def test_usage_errors_and_demo_still_parse(capsys):
    assert main(["fit", "--estimator", "PCA", "--data", "x.csv", "--out", "m"]) == 2
    assert "invalid choice: 'PCA'" in capsys.readouterr().err
    assert main(["demo", "--help"]) == 0
    assert "--n-train" in capsys.readouterr().out
    assert main(["--help"]) == 0
    assert "sklatent demo, sklatent fit" in capsys.readouterr().out  # no ``markup``
    # The demo's arguments are checked before its minutes of fits, not after them.
    for bad, fragment in [
        (["--max-epochs", "0"], "--max-epochs: must be at least 1, got 0"),
        (["--n-train", "-5"], "--n-train: must be at least 100, got -5"),
        (["--plot", "/nowhere/at/all/p.png"], "--plot: no folder '/nowhere/at/all'"),
        (["--plot", "out.txt2"], "'out.txt2' does not end in a plot format (.eps"),
    ]:
        assert main(["demo", *bad]) == 2
        assert fragment in capsys.readouterr().err


@pytest.mark.slow
def test_the_readme_example_keeps_the_label_and_hides_sex(tmp_path, capsys):
    """The README's command lines, on 6,000 Adult training rows (all columns)."""
    from sklearn.linear_model import LogisticRegression

    from sklatent.metrics import sensitive_leakage

    train = load_adult(split="train", dropna=True).frame.sample(6000, random_state=0)
    test = load_adult(split="test", dropna=True).frame.sample(3000, random_state=0)
    for name, frame in (("train", train), ("test", test)):
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    fit = ["fit", "--estimator", "FairEncoder", "--data", str(tmp_path / "train.csv")]
    roles = ["--target", "income", "--sensitive", "sex", "--param", "difference_bound=0.05"]
    y_train, y_test = (frame["income"].to_numpy() for frame in (train, test))
    accuracies, aucs = [], []
    for seed in range(3):
        model = ["--out", str(tmp_path / "model"), "--param", f"random_state={seed}"]
        assert main([*fit, *roles, *model]) == 0
        assert "held-out demographic_parity difference" in capsys.readouterr().err
        codes = {}
        for name in ("train", "test"):
            out = str(tmp_path / f"{name}_codes.csv")
            assert _transform(tmp_path, tmp_path / f"{name}.csv", out) == 0
            codes[name] = pd.read_csv(out).to_numpy()
        classifier = LogisticRegression().fit(codes["train"], y_train)
        accuracies.append(classifier.score(codes["test"], y_test))
        leak = sensitive_leakage(
            codes["train"],
            train["sex"].to_numpy(),
            Z_test=codes["test"],
            sensitive_features_test=test["sex"].to_numpy(),
            random_state=0,
        )
        aucs.append(leak["roc_auc"])
    # The budget bounds the parity of predictions, not what a probe reads from the codes: the
    # probe's AUC varies by model seed (with the earlier label head of 64 hidden units, seeds 0
    # to 5 gave 0.718, 0.665, 0.603, 0.755, 0.611, 0.650), so the mean of three is checked.
    # Measured on seeds 0 to 2: accuracy 0.809, 0.831, 0.828 (majority rate 0.747), probe AUC
    # 0.623, 0.612, 0.623.
    assert np.mean(accuracies) >= 0.80
    assert np.mean(aucs) <= 0.70
