"""Command line: ``sklatent demo``, ``sklatent fit``, ``sklatent transform``.

Also run as ``python -m sklatent``. ``sklatent COMMAND --help`` describes each command.
"""

import argparse
import sys
from pathlib import Path

from ._cli import add_commands, run

#: Fewest training rows for the demo: on 20 the leakage probe's inner folds held one group and
#: every fold's leakage score failed (50 ran cleanly).
DEMO_MIN_ROWS = 100


def _at_least(minimum):
    """An argparse type: an int no smaller than ``minimum`` (checked before any work)."""

    def parse(text):
        value = int(text)  # a ValueError becomes argparse's "invalid int value"
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    parse.__name__ = "int"
    return parse


def _plot_file(text):
    """An argparse type: a plot file that can be written once the demo's fits are done."""
    if not text:
        return text
    path = Path(text)
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"no folder {str(path.parent)!r} to write it in")
    try:
        from matplotlib.figure import Figure
    except ImportError:  # the demo then says it draws no plot
        return text
    formats = Figure().canvas.get_supported_filetypes()
    if path.suffix.lstrip(".").lower() not in formats:
        raise argparse.ArgumentTypeError(
            f"{text!r} does not end in a plot format ({', '.join('.' + f for f in formats)})"
        )
    return text


def main(argv=None):
    """Run the ``sklatent`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        The exit status.
    """
    # The module docstring, without its reST literal markup.
    parser = argparse.ArgumentParser(prog="sklatent", description=__doc__.replace("``", ""))
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="a FairEncoder pipeline tuned by GridSearchCV on the bundled Adult data: prints "
        "accuracy, leakage of sex and parity next to the raw features and CorrelationRemover",
    )
    demo.add_argument(
        "--n-train",
        type=_at_least(DEMO_MIN_ROWS),
        default=None,
        help=f"subsample of the 30,162 training rows, at least {DEMO_MIN_ROWS} (default: all)",
    )
    demo.add_argument(
        "--max-epochs", type=_at_least(1), default=20, help="epochs per fit (default 20)"
    )
    demo.add_argument(
        "--plot",
        type=_plot_file,
        default="fairness_tradeoff.png",
        help="file for the trade-off plot (default fairness_tradeoff.png; '' for none)",
    )
    add_commands(commands)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (status 2) and --help (0): a status, not an exit
        return exc.code
    if args.command in ("fit", "transform"):
        return run(args)
    if args.command == "demo":
        import torch

        from ._demo import run_demo

        # The demo's networks are small MLPs: one intra-op thread is faster than several, and
        # on a busy machine several threads spin-wait on each other (measured 0.2 s vs 30 s an
        # epoch on 2 cores with one core taken). The command line owns its process, so it sets it.
        torch.set_num_threads(1)
        run_demo(n_train=args.n_train, max_epochs=args.max_epochs, plot=args.plot or None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
