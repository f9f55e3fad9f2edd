"""``sklatent fit`` and ``sklatent transform``: train an encoder on a table, encode another.

``fit`` reads a CSV or Parquet file, takes the target, sensitive and environment columns out,
standardises the numeric columns and one-hot encodes the others, fits the estimator and saves it
with :func:`sklatent.save` beside a ``preprocessing.json`` (plain data: loading runs no code).
``transform`` applies the same preprocessing to a new table and writes its codes.
"""

import ast
import contextlib
import inspect
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

from ._cli_data import (
    PREPROCESSING,
    CommandLineError,
    apply_preprocessing,
    check_columns,
    check_parquet_engine,
    expand_views,
    feature_names,
    fit_preprocessing,
    load_preprocessing,
    read_table,
    reread_categories_as_text,
    save_preprocessing,
    warn_rare_labels,
    write_table,
)

#: Exit statuses of the command line (argparse's usage errors are 2 as well).
EXIT_FAILED, EXIT_INPUT, EXIT_MISMATCH = 1, 2, 3

EPILOG = """exit status: 0 success; 1 the fit failed (e.g. the training diverged); 2 bad input
(a file that cannot be read or written, an unknown column or estimator, a bad --param);
3 model and data do not match (not a sklatent model folder, a damaged or altered model file,
columns missing at transform)."""


def estimator_names():
    """The estimators the command line can fit: the public ones of :mod:`sklatent.estimators`."""
    from . import estimators

    return sorted(name for name in estimators.__all__ if name != "LatentTransformer")


def add_commands(commands):
    """Add the ``fit`` and ``transform`` sub-commands to an argparse sub-parsers object."""
    fit = commands.add_parser(
        "fit",
        help="fit an estimator on a CSV/Parquet table and save it to a folder",
        description="Fit an estimator on a CSV/Parquet table and save it, with its "
        "preprocessing, to a folder. Numeric columns are standardised (missing values -> the "
        "training mean, counted in a warning); the others are one-hot encoded (missing and "
        "unseen values -> all zeros).",
        epilog=EPILOG,
    )
    fit.add_argument(
        "--estimator",
        required=True,
        choices=estimator_names(),
        metavar="NAME",
        help=f"one of {', '.join(estimator_names())}",
    )
    fit.add_argument("--data", required=True, help="training table (.csv, .tsv or .parquet)")
    fit.add_argument("--out", required=True, help="folder to save the model into")
    fit.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="COLUMN",
        help="column passed as y (repeat for several, e.g. DisentangledEncoder's attributes)",
    )
    fit.add_argument(
        "--sensitive",
        action="append",
        default=[],
        metavar="COLUMN",
        help="column passed as sensitive_features (FairEncoder); repeatable",
    )
    fit.add_argument(
        "--environments", metavar="COLUMN", help="column passed as environments (InvariantEncoder)"
    )
    fit.add_argument(
        "--drop", action="append", default=[], metavar="COLUMN", help="column to ignore; repeatable"
    )
    fit.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="estimator parameter, VALUE read as a Python literal (else as text); repeatable",
    )
    fit.add_argument(
        "--max-categories",
        type=int,
        default=200,
        help="refuse a text column with more distinct values than this (default 200)",
    )
    transform = commands.add_parser(
        "transform",
        help="encode a CSV/Parquet table with a model saved by `sklatent fit`",
        description="Encode a table with a model saved by `sklatent fit`; the codes keep the "
        "rows' order. Target and sensitive columns are ignored when present.",
        epilog=EPILOG,
    )
    transform.add_argument("--model", required=True, help="folder written by `sklatent fit`")
    transform.add_argument("--data", required=True, help="table to encode (.csv, .tsv, .parquet)")
    transform.add_argument("--out", required=True, help="file for the codes (.csv or .parquet)")
    transform.add_argument(
        "--device",
        help="where to run the model, e.g. cpu or cuda (default: the device it was fitted on "
        "when this machine has it, else the CPU)",
    )


def run(args):
    """Run a parsed ``fit`` or ``transform`` command; returns the exit status."""
    import torch

    # Small MLPs: one intra-op thread is faster than several (see the demo command).
    torch.set_num_threads(1)
    try:
        with warnings.catch_warnings():
            # Each warning once, as a line on stderr when it happens; deprecations are for
            # developers, not for the shell user.
            warnings.simplefilter("default")
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            warnings.showwarning = _show_warning
            (_fit if args.command == "fit" else _transform)(args)
    except CommandLineError as exc:
        print(f"sklatent: error: {exc}", file=sys.stderr)
        return exc.status
    return 0


def _show_warning(message, category, filename, lineno, file=None, line=None):
    _say(f"warning: {message}")


def _say(line):
    print(f"sklatent: {line}", file=sys.stderr, flush=True)


def parse_params(pairs, estimator_class):
    """``["beta=1", "device=cpu"]`` -> ``{"beta": 1, "device": "cpu"}``, checked by name."""
    # An accelerator and callbacks are Python objects that a NAME=VALUE pair cannot build:
    # scripts pass them.
    objects = {"accelerator", "callbacks"}
    valid = sorted(set(estimator_class().get_params(deep=False)) - objects)
    params = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CommandLineError(f"--param {pair!r}: expected NAME=VALUE, e.g. --param beta=1")
        if name in objects:
            raise CommandLineError(
                f"--param {name}: {name} takes a Python object, which the command line cannot "
                "build; fit from a script to use it."
            )
        if name not in valid:
            raise CommandLineError(
                f"--param {name}: {estimator_class.__name__} has no parameter {name!r}; "
                f"valid ones: {', '.join(valid)}"
            )
        try:
            params[name] = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            params[name] = text.strip()
    return params


def _fit_keywords(estimator_class, args, frame):
    """``fit``'s keyword arguments from --sensitive / --environments, checked against ``fit``."""
    accepted = inspect.signature(estimator_class.fit).parameters
    keywords = {}
    for option, keyword, columns in (
        ("--sensitive", "sensitive_features", args.sensitive),
        ("--environments", "environments", [args.environments] if args.environments else []),
    ):
        if not columns:
            continue
        if keyword not in accepted:
            raise CommandLineError(
                f"{option}: {estimator_class.__name__}.fit takes no {keyword} "
                f"(use {'FairEncoder' if keyword == 'sensitive_features' else 'InvariantEncoder'}"
                f", or --drop {' --drop '.join(columns)} to leave the column out)"
            )
        values = frame[columns].to_numpy()
        keywords[keyword] = values[:, 0] if len(columns) == 1 else values
    return keywords


def _check_out_folder(out):
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CommandLineError(f"--out {out} is a file; give a folder for the model")
    if out.is_dir() and any(out.iterdir()) and not (out / "model.json").is_file():
        raise CommandLineError(
            f"--out {out} is a non-empty folder that holds no sklatent model: refusing to "
            "write into it; give a new or empty folder"
        )


def _unscaled_columns(views):
    """The columns named by bernoulli and categorical ``views``, to keep in their own units:
    standardised, a 0/1 column is no longer in [0, 1] and class codes are no longer whole."""
    named = set()
    for view in views.values() if isinstance(views, dict) else ():
        if isinstance(view, dict) and view.get("likelihood") in ("bernoulli", "categorical"):
            columns = view.get("columns")  # names; positions (ints, a slice) count features
            columns = [columns] if isinstance(columns, str) else columns
            if isinstance(columns, (list, tuple)):
                named.update(column for column in columns if isinstance(column, str))
    return named


def _fit(args):
    from . import estimators
    from .exceptions import TrainingDivergedError
    from .utils._persistence import save

    estimator_class = getattr(estimators, args.estimator)
    params = {"verbose": 0, **parse_params(args.param, estimator_class)}
    if args.sensitive and params.get("sensitive_feature_ids") is not None:
        raise CommandLineError("give the sensitive columns with --sensitive only")
    if args.max_categories < 1:
        raise CommandLineError("--max-categories must be at least 1")
    if not args.target and estimator_class().__sklearn_tags__().target_tags.required:
        # Without this, the estimator's own check reports a y "of shape ()".
        raise CommandLineError(
            f"{args.estimator} needs a target: name its column with --target COLUMN "
            "(repeat --target for several)"
        )
    _check_out_folder(args.out)
    frame = read_table(args.data)
    _say(f"read {len(frame)} rows, {frame.shape[1]} columns from {args.data}")
    environments = [args.environments] if args.environments else []
    roles = {}
    for option, columns in (
        ("--target", args.target),
        ("--sensitive", args.sensitive),
        ("--environments", environments),
        ("--drop", args.drop),
    ):
        check_columns(frame, columns, option, args.data)
        for column in columns:  # a label that is also the attribute: leakage, or a typo
            if roles.setdefault(column, option) != option:
                raise CommandLineError(
                    f"column {column!r} is given to both {roles[column]} and {option}: a column "
                    "has one role"
                )
        if option != "--drop":
            warn_rare_labels(frame, columns, option)
    taken = {*args.target, *args.sensitive, *environments, *args.drop}
    features = [column for column in frame.columns if column not in taken]
    if not features:
        raise CommandLineError(f"no feature column left in {args.data} once the others are taken")
    keywords = _fit_keywords(estimator_class, args, frame)
    frame = reread_categories_as_text(frame, args.data, features)
    spec = fit_preprocessing(
        frame,
        features=features,
        max_categories=args.max_categories,
        unscaled=_unscaled_columns(params.get("views")),
        target=args.target,
        sensitive=args.sensitive,
        environments=args.environments,
        dropped=args.drop,
    )
    clashes = sorted(name for name, count in Counter(feature_names(spec)).items() if count > 1)
    if clashes:  # a column named "job=a" beside a column "job" holding "a"
        raise CommandLineError(
            f"feature name(s) {', '.join(map(repr, clashes))} would name two features: a "
            "column's name clashes with the one-hot feature COLUMN=CATEGORY of another; "
            "rename the column"
        )
    X = apply_preprocessing(frame, spec, args.data)
    if isinstance(params.get("views"), dict):
        params["views"] = expand_views(params["views"], spec)
    y = None
    if args.target:
        # Columns, not arrays: their names name DisentangledEncoder's attributes.
        y = frame[args.target[0]] if len(args.target) == 1 else frame[args.target]
    n_numeric = sum(column["kind"] == "numeric" for column in spec["columns"])
    _say(
        f"{n_numeric} numeric and {len(features) - n_numeric} categorical columns -> "
        f"{X.shape[1]} features"
    )
    _say(f"fitting {args.estimator}...")
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(sys.stderr):  # skorch's epoch table (verbose): progress
            estimator = estimator_class(**params).fit(X, y, **keywords)
    except TrainingDivergedError as exc:
        raise CommandLineError(f"the fit diverged: {exc}", EXIT_FAILED) from exc
    except (ValueError, TypeError) as exc:  # sklearn's InvalidParameterError is both
        raise CommandLineError(f"{args.estimator} could not be fitted: {exc}") from exc
    except (RuntimeError, MemoryError) as exc:  # torch's, out of memory among them
        # torch states the cause first (CUDA errors add hints after it); MemoryError says none.
        lines = str(exc).strip().splitlines() or ["(no message)"]
        raise CommandLineError(
            f"the fit failed: {type(exc).__name__}: {lines[0]}", EXIT_FAILED
        ) from exc
    _say(f"fitted in {time.perf_counter() - start:.1f} s")
    if hasattr(estimator, "difference_"):  # a FairEncoder fitted to a difference_bound
        _say(
            f"held-out {estimator.criterion} difference {estimator.difference_:.3f} "
            f"(bound {estimator.difference_bound:g}) at independence_weight "
            f"{estimator.independence_weight_:.3g}"
        )
    try:
        save(estimator, args.out)
        save_preprocessing(spec, args.out)
    except OSError as exc:
        raise CommandLineError(f"cannot write the model to {args.out}: {exc}") from exc
    _say(f"saved to {args.out}")


def load_model(folder, device=None):
    """The estimator and preprocessing saved by ``sklatent fit`` in ``folder``."""
    from .exceptions import ModelFileError
    from .utils._persistence import load

    folder = Path(folder)
    if not folder.is_dir():
        raise CommandLineError(f"--model {folder}: no such folder")
    try:
        estimator = load(folder, device=device)
    except ModelFileError as exc:
        raise CommandLineError(f"--model {folder} cannot be loaded: {exc}", EXIT_MISMATCH) from exc
    except ValueError as exc:  # only --device: every problem of the files is a ModelFileError
        raise CommandLineError(f"--device {device}: {exc}") from exc
    spec = load_preprocessing(folder)
    n_features = sum(
        1 if column["kind"] == "numeric" else len(column["categories"])
        for column in spec["columns"]
    )
    if n_features != estimator.n_features_in_:
        raise CommandLineError(
            f"{folder / PREPROCESSING} makes {n_features} features but the model reads "
            f"{estimator.n_features_in_}: the files belong to different fits",
            EXIT_MISMATCH,
        )
    return estimator, spec


def _transform(args):
    import pandas as pd

    check_parquet_engine(args.out)  # a bad output name fails before any work
    estimator, spec = load_model(args.model, args.device)
    _say(f"loaded {type(estimator).__name__} from {args.model}")
    text_columns = [c["name"] for c in spec["columns"] if c["kind"] == "categorical"]
    frame = read_table(args.data, str_columns=text_columns)
    _say(f"read {len(frame)} rows from {args.data}")
    X = apply_preprocessing(frame, spec, args.data)
    try:
        codes = estimator.transform(X)
    except (ValueError, TypeError) as exc:
        raise CommandLineError(
            f"the model cannot encode {args.data}: {exc}", EXIT_MISMATCH
        ) from exc
    table = pd.DataFrame(codes, columns=[str(n) for n in estimator.get_feature_names_out()])
    write_table(table, args.out)
    _say(f"wrote {table.shape[0]} rows x {table.shape[1]} codes to {args.out}")
