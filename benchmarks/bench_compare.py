"""Calibrate `scorecards.compare` and `compare_to_team` on simulated reps.

Every simulation draws reps whose customers are acquired uniformly over 36
months and seen to the end of the last one (cohorts of every age, censored at
the horizon); a customer's lifetime is geometric at its rep's monthly churn,
or shifted-beta-geometric where a scenario says so. First-month MRR is
lognormal around 80,000 yen. Scenarios:

- **equal**: two reps at 3% a month, at 100, 250 and 1,000 customers each,
  and two equal sBG reps (``alpha = 0.8, beta = 12``, heterogeneous churn):
  the share of pairs called different is the false-alarm rate (target: at
  most 5%);
- **power**: 3% against 1.5x, 2x and 3x that hazard at 100, 250 and 1,000
  customers each, and 3x at 220 (target: at least 95% there);
- **company**: 13 reps of about 220 customers, 12 at 3% and one at 9%:
  false alarms among the 66 equal pairs, detection in the 12 pairs with the
  9% rep, and `compare_to_team` (through a ledger, end to end): how often the
  9% rep is flagged, how often any equal rep is, and the share of the
  flagged who are equal reps (the false discovery proportion; averaged, the
  false discovery rate, at most 5% by design); the same for a company of 13
  equal reps.

Pairs are tested with the kernels `compare` runs on, vectorised over the
simulations: the log-rank test and the Greenwood z-test of retention at 12
months (the `survival_curve` and `retention_12m` rows), the likelihood ratio
of pooled against separate sBG or geometric fits (``projected_retention_12m``)
and the parametric bootstrap of LTV per customer (``ltv_per_customer``, 60
months, undiscounted). ``any`` counts a pair called different by any of
them; ``any, Holm`` by any of them after Holm's adjustment over the four
(`compare`'s default, ``multiplicity="holm"``, adjusts over its five rows).
Run from the project root::

    .venv/bin/python benchmarks/bench_compare.py            # about 15 min, 2 cores
    .venv/bin/python benchmarks/bench_compare.py --quick    # about 1 min

and copy the printed table into ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

import subscription_metrics as sm
from subscription_metrics import _compare
from subscription_metrics.scorecards import _logrank

MONTHS = 36
LEVEL = 0.95
BASE = 0.03
FIRST = pd.Period("2023-01", "M")

Churn = Callable[[np.random.Generator, int], npt.NDArray[np.float64]]


def geometric(rate: float) -> Churn:
    """Every customer churns with probability `rate` a month."""
    return lambda rng, n: np.full(n, rate)


def heterogeneous(alpha: float, beta: float) -> Churn:
    """Each customer's monthly churn is drawn from Beta(alpha, beta) (sBG)."""
    return lambda rng, n: rng.beta(alpha, beta, n)


def draw(
    rng: np.random.Generator, sizes: list[int], churns: list[Churn], sims: int
) -> dict[str, np.ndarray]:
    """Customers of `sims` simulations of len(sizes) reps; group = sim * reps + rep."""
    reps = len(sizes)
    code = np.concatenate(
        [np.repeat(s * reps + r, sizes[r]) for s in range(sims) for r in range(reps)]
    )
    churn = np.concatenate(
        [churns[r](rng, sizes[r]) for _ in range(sims) for r in range(reps)]
    )
    window = rng.integers(0, MONTHS, len(code))  # decisions visible by the end
    lifetime = rng.geometric(churn)
    observed = lifetime <= window
    return {
        "code": code,
        "window": window,
        "lifetime": lifetime,
        "age": np.where(observed, lifetime, window),
        "observed": observed,
        "mrr": np.round(rng.lognormal(np.log(80_000), 0.5, len(code))),
        "groups": np.array(sims * reps),
    }


def pair_p_values(
    data: dict[str, np.ndarray],
    left: np.ndarray,
    right: np.ndarray,
    *,
    n_draws: int,
    stream: int,
) -> dict[str, np.ndarray]:
    """The p-value of each of compare's tests, for the pairs (left, right)."""
    n_groups = int(data["groups"])
    code, age, observed = data["code"], data["age"], data["observed"]
    books = _compare.Books.of(age, observed, code, n_groups, width=MONTHS)
    out: dict[str, np.ndarray] = {}
    # Log-rank, pair by pair (a benchmark loop; compare runs one pair).
    order = np.argsort(code, kind="stable")
    bounds = np.searchsorted(code[order], np.arange(n_groups + 1))
    members = [order[bounds[g] : bounds[g + 1]] for g in range(n_groups)]
    logrank = []
    for a, b in zip(left, right, strict=True):
        rows = np.concatenate([members[a], members[b]])
        first = np.arange(len(rows)) < len(members[a])
        logrank.append(_logrank(age[rows], observed[rows], first)[1])
    out["log-rank"] = np.array(logrank)
    # Greenwood z at 12 months, from Kaplan-Meier per group.
    curves = sm.survival.kaplan_meier(age, observed, groups=code).reset_index()
    curves = curves[curves["time"] <= 12]
    last = curves.groupby("group").tail(1).set_index("group")
    survival = last["survival"].reindex(range(n_groups)).to_numpy()
    spread = (survival**2 * last["variance"].reindex(range(n_groups))).to_numpy()
    z = (survival[left] - survival[right]) / np.sqrt(spread[left] + spread[right])
    out["Greenwood z"] = np.nan_to_num(2 * stats.norm.sf(np.abs(z)), nan=1.0)
    test = _compare.likelihood_ratio(books.take(left), books.take(right))
    out["likelihood ratio"] = test.p_value
    # The bootstrap, in chunks of groups to bound the memory.
    values = np.full(n_groups, np.nan)
    drawn = np.full((n_groups, n_draws), np.nan)
    chunk = max(1, 40_000 // n_draws)
    for start in range(0, n_groups, chunk):
        ids = np.arange(start, min(start + chunk, n_groups))
        mine = (code >= ids[0]) & (code <= ids[-1])
        result = _compare.value_draws(
            books.take(ids),
            data["window"][mine],
            code[mine] - ids[0],
            data["mrr"][mine],
            margin=1.0,
            discount=0.0,
            horizon=60,
            t=12,
            n_draws=n_draws,
            seed=stream + start,
        )
        values[ids], drawn[ids] = result.value, result.value_draws
    _, _, _, p = _compare.difference(
        values[left], values[right], drawn[left], drawn[right], level=LEVEL
    )
    out["LTV bootstrap"] = p
    alpha = 1 - LEVEL
    smallest = np.column_stack([v for v in out.values()]).min(axis=1)
    out["any"] = np.where(smallest < alpha, 0.0, 1.0)
    # Holm's step-down calls some row different exactly when its first step,
    # Bonferroni on the smallest p-value, does: min p < alpha / (tests).
    out["any, Holm"] = np.where(smallest * 4 < alpha, 0.0, 1.0)
    return out


def rates(p_values: dict[str, np.ndarray]) -> dict[str, float]:
    """Share of pairs called different (p < 1 - level), per test."""
    return {name: float(np.mean(p < 1 - LEVEL)) for name, p in p_values.items()}


def pairs_scenario(
    name: str,
    size: int,
    churns: tuple[Churn, Churn],
    sims: int,
    n_draws: int,
    stream: int,
) -> dict[str, object]:
    rng = np.random.default_rng(stream)
    data = draw(rng, [size, size], list(churns), sims)
    left = np.arange(sims) * 2
    row: dict[str, object] = {"scenario": name, "customers": size, "pairs": sims}
    row |= rates(pair_p_values(data, left, left + 1, n_draws=n_draws, stream=stream))
    return row


def company_ledger(
    data: dict[str, np.ndarray], sim: int, reps: int, *, label: str = "field_sales_rep"
) -> sm.Ledger:
    """One simulated company as a ledger: subscriptions, each rep in `label`."""
    mine = data["code"] // reps == sim
    rep = data["code"][mine] % reps
    start = MONTHS - 1 - data["window"][mine]
    last = start + data["lifetime"][mine] - 1
    ended = last < MONTHS - 1
    n = int(mine.sum())
    ids = [f"c{i}" for i in range(n)]

    def month_start(offset: np.ndarray) -> pd.DatetimeIndex:
        ordinals = FIRST.ordinal + offset
        return pd.PeriodIndex.from_ordinals(ordinals, freq="M").to_timestamp()

    subs = pd.DataFrame(
        {
            "subscription_id": ids,
            "customer_id": ids,
            "start": month_start(start),
            "end": pd.Series(month_start(np.minimum(last, MONTHS - 1) + 1)).where(
                ended
            ),
            "mrr": data["mrr"][mine].astype(np.int64),
            "currency": "JPY",
        }
    )
    customers = pd.DataFrame({"customer_id": ids, label: [f"r{r:02d}" for r in rep]})
    through = (FIRST + MONTHS - 1).to_timestamp(how="end").normalize()
    return sm.Ledger.from_subscriptions(subs, customers=customers, through=through)


def company_scenario(sims: int, n_draws: int, stream: int) -> list[dict[str, object]]:
    reps = 13
    rng = np.random.default_rng(stream)
    sizes = [int(s) for s in rng.integers(200, 241, reps)]
    churns = [geometric(BASE)] * 12 + [geometric(3 * BASE)]
    data = draw(rng, sizes, churns, sims)
    i, j = np.triu_indices(12, k=1)
    offsets = np.arange(sims)[:, None] * reps
    equal = rates(
        pair_p_values(
            data,
            (offsets + i).ravel(),
            (offsets + j).ravel(),
            n_draws=n_draws,
            stream=stream,
        )
    )
    bad = rates(
        pair_p_values(
            data,
            (offsets + 12).repeat(12, axis=1).ravel(),
            (offsets + np.arange(12)).ravel(),
            n_draws=n_draws,
            stream=stream + 1,
        )
    )
    base = {"customers": "200-240"}
    return [
        {"scenario": "company: 66 equal pairs", "pairs": 66 * sims, **base} | equal,
        {"scenario": "company: 9% rep vs each", "pairs": 12 * sims, **base} | bad,
        {"scenario": "company: compare_to_team", "pairs": sims, **base}
        | team_flags(data, sims, reps, bad=12),
    ]


def team_flags(
    data: dict[str, np.ndarray], sims: int, reps: int, bad: int | None
) -> dict[str, float]:
    """How `compare_to_team`, run on each simulated company's ledger, flags reps."""
    staff = pd.DataFrame(
        {
            "staff_id": [f"r{r:02d}" for r in range(reps)],
            "role": "field_sales",
            "monthly_cost": 1,
            "currency": "JPY",
            "team": "east",
        }
    )
    flags = np.array(
        [
            sm.scorecards.compare_to_team(company_ledger(data, sim, reps), staff=staff)[
                "differs_from_team"
            ].to_numpy(bool)
            for sim in range(sims)
        ]
    )
    return tally(flags, bad)


def tally(flags: npt.NDArray[np.bool_], bad: int | None) -> dict[str, float]:
    """
    Shares over companies (rows of `flags`, one column per rep) of the flags.

    The share of companies flagging an equal rep, the mean share of equal
    reps among the flagged (the false discovery proportion, 0 where none
    is flagged) and, with a `bad` rep, how often it is flagged.
    """
    truly = np.zeros(flags.shape[1], bool)
    if bad is not None:
        truly[bad] = True
    wrong = flags & ~truly
    out = {
        "any equal rep flagged": float(wrong.any(axis=1).mean()),
        "false discovery share": float(
            (wrong.sum(axis=1) / np.maximum(flags.sum(axis=1), 1)).mean()
        ),
    }
    if bad is not None:
        out = {"9% rep flagged": float(flags[:, bad].mean())} | out
    return out


def equal_company(sims: int, stream: int) -> dict[str, object]:
    """Thirteen equal reps: every flag of `compare_to_team` is a false one."""
    reps = 13
    rng = np.random.default_rng(stream)
    sizes = [int(s) for s in rng.integers(200, 241, reps)]
    data = draw(rng, sizes, [geometric(BASE)] * reps, sims)
    return {
        "scenario": "13 equal reps: compare_to_team",
        "customers": "200-240",
        "pairs": sims,
    } | team_flags(data, sims, reps, bad=None)


def team_kernel(
    scenario: str, churns: list[Churn], sims: int, stream: int, bad: int | None
) -> dict[str, object]:
    """
    `compare_to_team`'s test on many simulated companies at once.

    The kernel `compare_to_team` runs (`_compare.against_team` and
    Benjamini-Hochberg at 5%) on every company's books, a company being one
    team: thousands of companies where the end-to-end run affords a hundred,
    so that a false-alarm rate near 5% is told from 6%.
    """
    rng = np.random.default_rng(stream)
    reps = len(churns)
    flags = []
    done = 0
    while done < sims:
        chunk = min(1000, sims - done)
        sizes = [int(v) for v in rng.integers(200, 241, reps)]
        data = draw(rng, sizes, churns, chunk)
        books = _compare.Books.of(
            data["age"].astype(np.int64),
            data["observed"],
            data["code"].astype(np.int64),
            chunk * reps,
            width=MONTHS + 1,
        )
        team = np.arange(chunk * reps, dtype=np.int64) // reps
        p_values = _compare.against_team(books, team).p_value.reshape(chunk, reps)
        # Benjamini-Hochberg within each company, as `compare_to_team` runs it.
        flags += [_compare.benjamini_hochberg(row, 0.05)[1] for row in p_values]
        done += chunk
    return {
        "scenario": scenario,
        "customers": "200-240",
        "pairs": sims,
    } | tally(np.array(flags), bad)


def team_scenarios(
    sims: int, company_sims: int, n_draws: int, stream: int
) -> list[dict[str, object]]:
    """`compare_to_team`: end to end on ledgers, and its kernel on many companies."""
    rows = company_scenario(company_sims, n_draws, stream)
    # End to end on ledgers is about 0.1 s a company: five times as many.
    rows.append(equal_company(5 * company_sims, stream + 1))
    kernel_sims = 50 * sims
    rows.append(
        team_kernel(
            "kernel: 13 equal reps, 3%",
            [geometric(BASE)] * 13,
            kernel_sims,
            stream + 2,
            None,
        )
    )
    rows.append(
        team_kernel(
            "kernel: 13 equal reps, sBG(0.8, 12)",
            [heterogeneous(0.8, 12.0)] * 13,
            kernel_sims,
            stream + 3,
            None,
        )
    )
    rows.append(
        team_kernel(
            "kernel: 12 at 3%, one at 9%",
            [geometric(BASE)] * 12 + [geometric(3 * BASE)],
            kernel_sims,
            stream + 4,
            12,
        )
    )
    return rows


def markdown(table: pd.DataFrame) -> str:
    """The table as Markdown, shares as percentages, blanks where not measured."""
    header = [table.index.name or "", *table.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, row in table.iterrows():
        cells = [str(name)]
        for column, value in row.items():
            if isinstance(value, float) and np.isnan(value):
                cells.append("")
            elif isinstance(value, float) and column not in ("customers", "pairs"):
                cells.append(f"{100 * value:.1f}%")
            else:
                cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few simulations")
    parser.add_argument("--sims", type=int, default=None)
    parser.add_argument("--draws", type=int, default=None)
    parser.add_argument("--stream", type=int, default=2026, help="first random stream")
    parser.add_argument(
        "--team-only", action="store_true", help="only the compare_to_team scenarios"
    )
    args = parser.parse_args()
    sims = args.sims or (20 if args.quick else 200)
    n_draws = args.draws or (300 if args.quick else 1000)
    company_sims = max(5, sims // 2)
    started = time.perf_counter()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.processor() or platform.platform()}"
    )
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, subscription-metrics {sm.__version__}"
    )
    print(f"simulations per scenario: {sims}; bootstrap draws: {n_draws}")
    rows: list[dict[str, object]] = []
    stream = args.stream
    if args.team_only:
        return report(team_scenarios(sims, company_sims, n_draws, stream + 14), started)
    for size in (100, 250, 1000):
        rows.append(
            pairs_scenario(
                "equal 3%", size, (geometric(BASE),) * 2, sims, n_draws, stream
            )
        )
        stream += 1
    rows.append(
        pairs_scenario(
            "equal sBG(0.8, 12)",
            250,
            (heterogeneous(0.8, 12.0),) * 2,
            sims,
            n_draws,
            stream,
        )
    )
    stream += 1
    for ratio in (1.5, 2.0, 3.0):
        for size in (100, 250, 1000):
            rows.append(
                pairs_scenario(
                    f"3% vs {ratio:g}x",
                    size,
                    (geometric(BASE), geometric(ratio * BASE)),
                    sims,
                    n_draws,
                    stream,
                )
            )
            stream += 1
    rows.append(
        pairs_scenario(
            "3% vs 3x",
            220,
            (geometric(BASE), geometric(3 * BASE)),
            sims,
            n_draws,
            stream,
        )
    )
    stream += 1
    rows += team_scenarios(sims, company_sims, n_draws, stream)
    return report(rows, started)


def report(rows: list[dict[str, object]], started: float) -> int:
    """Print the table, as text and as Markdown, and the time taken."""
    table = pd.DataFrame(rows).set_index("scenario")
    elapsed = time.perf_counter() - started
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(3).to_string())
    print()
    print(markdown(table))
    print(f"\nelapsed: {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
