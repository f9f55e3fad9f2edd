"""FairEncoder's weight grids on the design tables, compared at matched parity.

Reads the outputs of ``fair_budget_tables.py --parts grid [--variant V]`` in
``benchmarks/results/`` (means over the 3 splits of each table and weight) and prints, for each
table and parity target, the best test accuracy the grid reaches at a demographic-parity
difference at most the target, with the probe's AUC there: the grid's points, and the straight
line between neighbouring weights where it crosses the target. A dash: no point of the grid
reaches the target.

    .venv/bin/python benchmarks/fair_grid_frontier.py
"""

import collections
import itertools
import pathlib
import re

import numpy as np

RESULTS = pathlib.Path(__file__).parent / "results"
RUNS = {
    "package": "fair_grid_design_2026-12-07_unpenalised_stop.txt",
    **{
        variant: f"fair_grid_design_2026-12-07_{variant}.txt"
        for variant in ("train-penalty-stop", "three-bandwidths", "clamped", "memory")
    },
}
TARGETS = {
    "SLID": (0.03, 0.04),
    "HMDA": (0.01, 0.03, 0.05),
    "PSID1982": (0.05, 0.10, 0.15),
    "adult": (0.05, 0.10),
}
LINE = re.compile(r"(\w+) seed \d+ w=([\d.]+): acc ([\d.]+) DP ([\d.]+) probe ([\d.]+)")


def _grid_means(path):
    """{table: [(weight, accuracy, DP, probe)] sorted by weight}, means over the splits."""
    cells = collections.defaultdict(list)
    for match in map(LINE.search, path.read_text().splitlines()):
        if match:
            cells[match[1], float(match[2])].append([float(match[i]) for i in (3, 4, 5)])
    grids = collections.defaultdict(list)
    for (table, weight), rows in sorted(cells.items()):
        grids[table].append((weight, *np.mean(rows, axis=0)))
    return grids


def _best_at(points, target):
    """Best (accuracy, probe) at DP <= target: grid points and crossings between neighbours."""
    candidates = [(acc, probe) for _, acc, dp, probe in points if dp <= target]
    for (_, acc_a, dp_a, probe_a), (_, acc_b, dp_b, probe_b) in itertools.pairwise(points):
        if (dp_a - target) * (dp_b - target) < 0:
            share = (target - dp_a) / (dp_b - dp_a)
            candidates.append(
                (acc_a + share * (acc_b - acc_a), probe_a + share * (probe_b - probe_a))
            )
    return max(candidates, default=None)


def main():
    grids = {name: _grid_means(RESULTS / file) for name, file in RUNS.items()}
    print("table, DP target: accuracy / probe AUC per run")
    for table, targets in TARGETS.items():
        for target in targets:
            cells = []
            for name, grid in grids.items():
                best = _best_at(grid[table], target)
                reached = "-" if best is None else f"{best[0]:.3f} / {best[1]:.3f}"
                cells.append(f"{name} {reached}")
            print(f"{table} {target:.2f}: " + " | ".join(cells))


if __name__ == "__main__":
    main()
