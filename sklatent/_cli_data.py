"""Tables in and out of the command line, and the preprocessing it saves beside a model.

The preprocessing is plain data written as ``preprocessing.json``: the feature columns in order,
the mean and scale of each numeric one, the categories of each other one. Reading it back runs no
code, like :func:`sklatent.load`.
"""

import importlib.util
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

PREPROCESSING = "preprocessing.json"
_FORMAT = "sklatent-cli-preprocessing"
_FORMAT_VERSION = 1
_CSV = (".csv", ".csv.gz", ".csv.bz2", ".csv.zip", ".csv.xz")
_TSV = (".tsv", ".tsv.gz")
_PARQUET = (".parquet", ".pq")
# The features reach the model as float32: a column whose spread is below float32's smallest
# normal number is constant for it (and dividing by such a scale overflows float32).
_MIN_SCALE = float(np.finfo(np.float32).tiny)
_MAX_VALUE = float(np.finfo(np.float32).max)
#: A label held by fewer rows than this is reported: often a stray value such as "n/a?".
RARE_LABEL_ROWS = 5


class CommandLineError(Exception):
    """An error a shell user can act on: printed as ``sklatent: error: ...``, exit ``status``."""

    def __init__(self, message, status=2):
        super().__init__(message)
        self.status = status


def _table_format(path):
    name = str(path).lower()
    for kind, suffixes in (("csv", _CSV), ("tsv", _TSV), ("parquet", _PARQUET)):
        if name.endswith(suffixes):
            return kind
    raise CommandLineError(
        f"cannot tell the format of {path} from its name: use a .csv, .tsv or .parquet file"
    )


def check_parquet_engine(path):
    """Raise a CommandLineError before any work when ``path`` is Parquet and no engine is here."""
    if _table_format(path) == "parquet" and not parquet_engine_available():
        raise _parquet_engine_missing(path)


def parquet_engine_available():
    return any(importlib.util.find_spec(engine) for engine in ("pyarrow", "fastparquet"))


def _parquet_engine_missing(path):
    return CommandLineError(
        f"reading or writing Parquet ({path}) needs pyarrow, which is not installed: "
        "`pip install pyarrow`, or use a .csv file"
    )


def read_table(path, str_columns=()):
    """Read a CSV/TSV/Parquet file into a DataFrame; ``str_columns`` are read as text (CSV)."""
    kind = _table_format(path)
    path = Path(path)
    if not path.is_file():
        what = "it is a folder" if path.is_dir() else "no such file"
        raise CommandLineError(f"cannot read {path}: {what}")
    check_parquet_engine(path)
    try:
        if kind == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(
                path,
                sep="\t" if kind == "tsv" else ",",
                dtype={column: str for column in str_columns},
                low_memory=False,
            )
    except ImportError as exc:
        raise _parquet_engine_missing(path) from exc
    except (OSError, ValueError) as exc:  # pandas' ParserError and pyarrow's errors are both
        raise CommandLineError(f"cannot read {path}: {exc}") from exc
    if len(frame) == 0:
        raise CommandLineError(f"{path} holds no rows")
    frame.columns = [str(column) for column in frame.columns]
    return frame


def reread_categories_as_text(frame, path, features):
    """``frame`` with the non-numeric ``features`` of the CSV/TSV ``path`` read again as text,
    as ``transform`` reads them.

    pandas parses ``TRUE``/``true`` as booleans, so a logical column written by R would become
    the categories ``"False"``/``"True"`` at fit and match none of the file's text at
    ``transform``. Parquet keeps its types and needs no second read.
    """
    kind = _table_format(path)
    columns = [column for column in features if not _is_numeric(frame[column])]
    if not columns or kind == "parquet":
        return frame
    text = pd.read_csv(
        path, sep="\t" if kind == "tsv" else ",", usecols=columns, dtype=str, low_memory=False
    )  # a CSV's column names are text already, as read_table's
    frame = frame.copy()
    # By position: an R table's row names become the index, parsed as numbers in ``frame``
    # and kept as text here, so aligning on the index would leave every value missing.
    frame[columns] = text[columns].to_numpy()
    return frame


def write_table(frame, path):
    """Write ``frame`` (without its index) as CSV/TSV/Parquet, by the name of ``path``."""
    kind = _table_format(path)
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, sep="\t" if kind == "tsv" else ",", index=False)
    except ImportError as exc:
        raise _parquet_engine_missing(path) from exc
    except OSError as exc:
        raise CommandLineError(f"cannot write {path}: {exc}") from exc


def check_columns(frame, columns, option, path):
    """Raise a CommandLineError naming the ``columns`` of ``option`` that ``frame`` lacks."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise CommandLineError(
            f"{option}: no column {', '.join(map(repr, missing))} in {path} "
            f"(its columns: {', '.join(frame.columns)})"
        )


def _is_numeric(series):
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _as_text(series):
    """Category labels as text, missing values kept missing (compared as text at transform)."""
    return (
        series.astype(object)
        .where(series.notna(), None)
        .map(lambda value: None if value is None else str(value))
    )


def fit_preprocessing(frame, *, features, max_categories, unscaled=(), **roles):
    """Learn the standardisation of numeric ``features`` and the categories of the others.

    Numeric ``unscaled`` columns keep their units (mean 0, scale 1). ``roles`` (target,
    sensitive, environments, dropped) are recorded for ``transform``.
    """
    columns = []
    for name in features:
        series = frame[name]
        if _is_numeric(series):
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            seen = values[np.isfinite(values)]
            with np.errstate(over="ignore", invalid="ignore"):
                mean = float(seen.mean()) if len(seen) else 0.0
                scale = float(seen.std()) if len(seen) else 1.0
            if not (np.isfinite(mean) and np.isfinite(scale)):
                raise CommandLineError(
                    f"column {name!r} holds values so large that their mean or spread "
                    f"overflows 64-bit floats (largest {np.abs(seen).max():.3g}): rescale it "
                    f"or drop it with --drop {name}"
                )
            scale = scale if scale >= _MIN_SCALE else 1.0
            mean, scale = (0.0, 1.0) if name in unscaled else (mean, scale)
            columns.append({"name": name, "kind": "numeric", "mean": mean, "scale": scale})
            continue
        categories = sorted(set(_as_text(series).dropna()))
        if len(categories) > max_categories:
            raise CommandLineError(
                f"column {name!r} has {len(categories)} distinct values, more than "
                f"--max-categories {max_categories}: drop it with --drop {name} (an identifier?) "
                "or raise --max-categories"
            )
        columns.append({"name": name, "kind": "categorical", "categories": categories})
    return {"format": _FORMAT, "format_version": _FORMAT_VERSION, "columns": columns, **roles}


def _features_of(column):
    """The preprocessed features of one column of the spec: itself, or one per category."""
    if column["kind"] == "numeric":
        return [column["name"]]
    return [f"{column['name']}={category}" for category in column["categories"]]


def feature_names(spec):
    """Names of the preprocessed features: numeric columns, then ``column=category`` per one-hot."""
    return [name for column in spec["columns"] for name in _features_of(column)]


def expand_views(views, spec):
    """``views`` with each input categorical column replaced by the names of its one-hot features.

    A user names the columns of the file; the estimator sees ``column=category`` features
    (positions count those features).
    """
    one_hot = {
        column["name"]: _features_of(column)
        for column in spec["columns"]
        if column["kind"] == "categorical"
    }

    def expand(name, columns, likelihood="gaussian"):
        if isinstance(columns, str):
            columns = [columns]
        if not isinstance(columns, (list, tuple)):
            return columns  # positions: the estimator checks them
        if likelihood == "categorical" and any(column in one_hot for column in columns):
            raise CommandLineError(
                f"view {name!r}: the command line one-hot encodes categorical columns, so a "
                "view of them is a gaussian (the default) or bernoulli one, not categorical"
            )
        return [feature for column in columns for feature in one_hot.get(column, [column])]

    return {
        name: {**view, "columns": expand(name, view["columns"], view.get("likelihood"))}
        if isinstance(view, dict) and "columns" in view
        else expand(name, view)
        for name, view in views.items()
    }


def apply_preprocessing(frame, spec, path="the data"):
    """The float32 feature matrix of ``frame``, as a DataFrame named by :func:`feature_names`.

    Missing numeric values become the training mean (0 after scaling); infinite ones are
    refused; missing or unseen categories become all zeros. A warning counts the missing
    numbers and the unseen categories per column.
    """
    needed = [column["name"] for column in spec["columns"]]
    missing = [name for name in needed if name not in frame.columns]
    if missing:
        raise CommandLineError(
            f"{path} lacks {len(missing)} column(s) the model was fitted on: "
            f"{', '.join(map(repr, missing))}",
            status=3,
        )
    blocks, filled, unseen = [], {}, {}
    for column in spec["columns"]:
        series = frame[column["name"]]
        if column["kind"] == "numeric":
            values = pd.to_numeric(series, errors="coerce")
            bad = values.isna() & series.notna()
            if bad.any():
                raise CommandLineError(
                    f"column {column['name']!r} of {path} holds non-numeric values "
                    f"({', '.join(map(repr, series[bad].unique()[:3]))}) but was numeric when "
                    "the model was fitted",
                    status=3,
                )
            values = values.to_numpy(dtype=np.float64, na_value=np.nan)
            if np.isinf(values).any():
                raise CommandLineError(
                    f"column {column['name']!r} of {path} holds infinite values "
                    f"({int(np.isinf(values).sum())} of {len(values)}): replace or drop them"
                )
            filled[column["name"]] = int(np.isnan(values).sum())
            scaled = (values - column["mean"]) / column["scale"]
            if (np.abs(scaled[np.isfinite(scaled)]) > _MAX_VALUE).any():
                raise CommandLineError(
                    f"column {column['name']!r} of {path} holds values so far from the "
                    f"training data (mean {column['mean']:g}, scale {column['scale']:g}) that "
                    "they overflow 32-bit floats",
                    status=3,
                )
            blocks.append(np.nan_to_num(scaled, nan=0.0)[:, None])
        else:
            # -1 for a missing or unseen category: its row stays all zeros.
            codes = pd.Index(column["categories"], dtype=object).get_indexer(_as_text(series))
            onehot = np.zeros((len(frame), len(column["categories"])))
            rows = np.flatnonzero(codes >= 0)
            onehot[rows, codes[rows]] = 1.0
            blocks.append(onehot)
            unseen[column["name"]] = int(((codes < 0) & series.notna().to_numpy()).sum())
    for counted, what in (
        (filled, "missing numeric value(s) of {} set to the training mean"),
        (unseen, "value(s) of {} in categories not seen in fit set to zeros"),
    ):
        counts = ", ".join(f"{name!r} {count}" for name, count in counted.items() if count)
        if counts:
            total = sum(counted.values())
            warnings.warn(f"{total} {what.format(path)}: {counts}", UserWarning, stacklevel=2)
    X = np.hstack(blocks) if blocks else np.zeros((len(frame), 0))
    return pd.DataFrame(X.astype(np.float32), columns=feature_names(spec))


def save_preprocessing(spec, folder):
    (Path(folder) / PREPROCESSING).write_text(json.dumps(spec, indent=1, allow_nan=False))


def _spec_problem(spec):
    """What is wrong with a preprocessing file's content, or None when nothing is."""

    def text_list(value):
        return isinstance(value, list) and all(isinstance(item, str) for item in value)

    def number(value):
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and abs(value) <= _MAX_VALUE
        )

    if not isinstance(spec, dict) or spec.get("format") != _FORMAT:
        return "it is not a preprocessing file of `sklatent fit`"
    if spec.get("format_version") != _FORMAT_VERSION:
        return f"its format version {spec.get('format_version')!r} is not {_FORMAT_VERSION}"
    for role in ("target", "sensitive", "dropped"):
        if not text_list(spec.get(role, [])):
            return f"its {role} is not a list of column names"
    if not (spec.get("environments") is None or isinstance(spec["environments"], str)):
        return "its environments is not a column name"
    columns = spec.get("columns")
    if not isinstance(columns, list) or not columns:
        return "it lists no feature columns"
    if not all(isinstance(column, dict) for column in columns):
        return "its columns are not records"
    names = [column.get("name") for column in columns]
    if not text_list(names) or len(set(names)) != len(names):
        return "its column names are missing or repeated"
    for column in columns:
        where = f"column {column['name']!r}"
        if column.get("kind") == "numeric":
            if not number(column.get("mean")):
                return f"{where} has mean {column.get('mean')!r}, not a finite number"
            scale = column.get("scale")
            if not (number(scale) and scale >= _MIN_SCALE):
                return (
                    f"{where} has scale {scale!r}; a scale is a finite number of at least "
                    f"{_MIN_SCALE:g}"
                )
        elif column.get("kind") == "categorical":
            categories = column.get("categories")
            if not text_list(categories) or len(set(categories)) != len(categories):
                return f"{where} has categories that are not distinct text values"
        else:
            return f"{where} has kind {column.get('kind')!r}, not numeric or categorical"
    return None


def load_preprocessing(folder):
    """Read and check the ``preprocessing.json`` that ``sklatent fit`` saved in ``folder``."""
    path = Path(folder) / PREPROCESSING
    try:
        spec = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandLineError(
            f"{folder} holds a sklatent model but no readable {PREPROCESSING}: it was not "
            f"written by `sklatent fit` ({exc})",
            status=3,
        ) from exc
    problem = _spec_problem(spec)
    if problem is not None:
        raise CommandLineError(
            f"{path} is damaged or was not written by `sklatent fit`: {problem}", status=3
        )
    return spec


def warn_rare_labels(frame, columns, option):
    """Warn about the values of text ``columns`` held by very few rows.

    Each distinct value of a target, sensitive or environment column becomes a class or group
    of its own, so a stray value (``"n/a?"``, a typo) silently adds one.
    """
    for name in columns:
        series = frame[name]
        if _is_numeric(series):  # continuous targets are numbers; their values are not classes
            continue
        counts = _as_text(series).value_counts()
        rare = counts[counts < RARE_LABEL_ROWS]
        if len(rare) and len(rare) < len(counts):
            shown = ", ".join(
                f"{label!r} ({n} row{'s' * (n > 1)})" for label, n in rare[:5].items()
            )
            warnings.warn(
                f"{option} {name}: {len(rare)} value(s) held by fewer than {RARE_LABEL_ROWS} "
                f"rows, each a class of its own: {shown}. A stray value or missing-value marker "
                "adds a class: fix or remove those rows if it is one.",
                UserWarning,
                stacklevel=2,
            )
