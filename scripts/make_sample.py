"""Regenerate the bundled sample dataset shipped in subscription_metrics/datasets/data.

Usage (from the project root)::

    .venv/bin/python scripts/make_sample.py [--seed N] [--out DIR]

Writes one ``<table>.csv.gz`` per table of ``datasets._SCHEMAS`` (customers,
subscriptions, staff, deals, costs, usage, onboarding, tickets, activities,
assignments; gzip with a zero timestamp, so identical data gives identical files)
and metadata.json, which records the seed, the numpy and pandas versions and a
SHA-256 of each table's CSV text. tests/test_datasets.py checks that the
generator reproduces the files when numpy's major.minor version matches the
recorded one, and that the first five tables never change.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from subscription_metrics.datasets import _generate

DEFAULT_OUT = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "subscription_metrics"
    / "datasets"
    / "data"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=_generate.SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    sample = _generate.generate(args.seed)
    for path in _generate.write(sample, args.out, seed=args.seed):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
