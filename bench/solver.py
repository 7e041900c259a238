"""Route-planner benchmark: Peisong's plan_routes against plain PyVRP and the BKS.

Each instance file is converted into a Peisong ``PlanRequest``
(``solver.instances``) and solved through ``plan_routes``; beside it, in the
same run and with the same time budget and seed, plain PyVRP solves PyVRP's
own reading of the file (``pyvrp.solve`` on vrplib-read data). Solomon
``.txt`` and VRPTW ``.vrp`` files use DIMACS rounding (cost = objective / 10),
CVRP files nearest-integer rounding. The best-known cost is the ``Cost`` line
of the ``.sol`` beside the file; files without one are solved, not scored.

Per instance: Peisong's cost and gap, plain PyVRP's cost and gap, the BKS,
and Peisong's time outside the search (conversion + matrices + model +
turning the solution into a plan) as a share of the budget. The last line is
``mean gap: X.XX% over N instances`` (Peisong's).

    python bench/solver.py [FILES OR FOLDERS ...] [--time-limit SECONDS] [--seed N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import pyvrp  # noqa: E402
from pyvrp.stop import MaxRuntime  # noqa: E402

from solver import plan_routes  # noqa: E402
from solver.instances import read_instance, reference_data  # noqa: E402
from solver.routing import PYVRP_VERSION  # noqa: E402

DEFAULT = REPO / ".." / "shared" / "instances"


def instance_files(args: list[str]) -> list[Path]:
    paths = [Path(a) for a in args] or [DEFAULT]
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(
                f for f in p.rglob("*") if f.suffix.lower() in (".txt", ".vrp")
            )
        elif p.exists():
            files.append(p)
        else:
            raise SystemExit(f"no such instance: {p}")
    return files


def fmt_gap(gap: float | None) -> str:
    return "   n/a" if gap is None else f"{gap:6.2f}%"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", help="instance files or folders")
    ap.add_argument("--time-limit", type=float, default=1.0, help="seconds per solve")
    ap.add_argument("--seed", type=int, default=0)
    opts = ap.parse_args(argv)
    budget = opts.time_limit

    ours: list[float] = []
    plain: list[float] = []
    print(f"time limit {budget:g} s per solve, seed {opts.seed}, pyvrp {PYVRP_VERSION}")
    for path in instance_files(opts.paths):
        t0 = time.perf_counter()
        inst = read_instance(path, time_limit_s=budget, seed=opts.seed)
        convert_s = time.perf_counter() - t0
        plan = plan_routes(inst.request)
        outside_s = convert_s + plan.runtime_s - plan.search_s
        cost = inst.cost(plan.objective) if plan.complete else float("nan")
        gap = inst.gap(plan.objective) if plan.complete else None

        data = reference_data(path, inst.rounding)
        res = pyvrp.solve(data, MaxRuntime(budget), seed=opts.seed, display=False)
        ref_cost = res.cost() / inst.scale if res.is_feasible() else float("nan")
        ref_gap = (
            100.0 * (ref_cost - inst.bks) / inst.bks
            if inst.bks is not None and res.is_feasible()
            else None
        )
        if gap is not None and ref_gap is not None:
            ours.append(gap)
            plain.append(ref_gap)
        iters = "+".join(str(n) for _, n in plan.iterations)
        bks = f"{inst.bks:.1f}" if inst.bks is not None else "n/a"
        print(
            f"{inst.name:12s} n={len(inst.request.stops):4d}  peisong {cost:10.1f} {fmt_gap(gap)}"
            f"  pyvrp {ref_cost:10.1f} {fmt_gap(ref_gap)}  bks {bks:>9s}"
            f"  outside search {100 * outside_s / budget:5.2f}% of budget"
            f" (convert {1000 * convert_s:.0f} ms, setup {1000 * plan.setup_s:.0f} ms)"
            f"  parts {plan.parts} iters {iters} vs {res.num_iterations}",
            flush=True,
        )
    if ours:
        print(f"plain pyvrp mean gap: {statistics.fmean(plain):.2f}% over {len(plain)} instances")
        print(f"mean gap: {statistics.fmean(ours):.2f}% over {len(ours)} instances")
    else:
        print("mean gap: n/a over 0 instances")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
