"""Command line: ``sklatent demo``, ``sklatent fit``, ``sklatent transform``.

Also run as ``python -m sklatent``. ``sklatent COMMAND --help`` describes each command.
"""

import argparse
import sys

from ._cli import add_commands, run


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
    parser = argparse.ArgumentParser(prog="sklatent", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="a FairEncoder pipeline tuned by GridSearchCV on the bundled Adult data: prints "
        "accuracy, leakage of sex and parity next to the raw features and CorrelationRemover",
    )
    demo.add_argument(
        "--n-train",
        type=int,
        default=None,
        help="subsample of the 30,162 training rows (default: all)",
    )
    demo.add_argument("--max-epochs", type=int, default=20, help="epochs per fit (default 20)")
    demo.add_argument(
        "--plot",
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
