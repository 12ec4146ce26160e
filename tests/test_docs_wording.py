"""The docs, docstrings, messages and comments speak to the library's users only.

They say what an idea is (the customer-sales ROI example, the low-usage flag, the
Tier 1-3 split), never where the maintainers first read about it. The one word
that may stay is numpy's random seed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]

#: Files the check reads: everything tracked that a user or maintainer reads.
CHECKED = ("src", "docs", "tests", "scripts", "benchmarks", "README.md", "CHANGELOG.md")

#: References to the documents behind the library, rather than to the library itself.
FORBIDDEN = re.compile(
    r"seed[ -]?0[0-9]{2}|the seed'?s |source articles?", re.IGNORECASE
)

#: Uses of "seed" that mean numpy's random seed, the only sense allowed.
RANDOM_SEED = re.compile(
    r"""
    \bseed\s*[=:)\],]           # seed=, seed: int, (seed), [seed], seed,
    | ["'`]seed["'`]            # "seed" as a key or a name in backquotes
    | --seed\b | \[--seed       # the command-line option
    | \b_?seed\(                # the validating helper
    | \bSEED\b                  # the generator's constant
    | random\ seed | seeded\b   # the plain words
    | (the|a|an|explicit|same|recorded|any|from\ a)\ seed\b
    | \bseed\ (of|for|and|makes)\b
    | ^\s*seed\s*$              # a parameter listed alone in a signature
    """,
    re.IGNORECASE | re.VERBOSE,
)


def tracked_files() -> list[Path]:
    """The tracked text files under `CHECKED`, from git, or by walking the tree."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", *CHECKED],
            cwd=ROOT,
            capture_output=True,
            check=True,
            text=True,
        ).stdout.split("\0")
        paths = [ROOT / name for name in listed if name]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout
        paths = [
            path
            for name in CHECKED
            for path in ([ROOT / name] if (ROOT / name).is_file() else [])
            + sorted((ROOT / name).rglob("*"))
        ]
    return [
        path
        for path in paths
        if path.is_file()
        and path.suffix in {".py", ".md", ".json", ".toml", ".txt", ".yml", ""}
        and path.name != Path(__file__).name
    ]


def lines_matching(pattern: re.Pattern[str]) -> list[tuple[str, int, str]]:
    """Every (file, line number, line) in the tracked files where `pattern` matches."""
    hits = []
    for path in tracked_files():
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if pattern.search(line):
                hits.append((str(path.relative_to(ROOT)), number, line.strip()))
    return hits


def test_the_files_are_found():
    """The check reads the package, the docs and the changelog (never nothing)."""
    names = {str(path.relative_to(ROOT)) for path in tracked_files()}
    assert {"README.md", "CHANGELOG.md", "docs/index.md"} <= names
    assert "src/subscription_metrics/health.py" in names


def test_no_reference_to_background_documents():
    """No file names the documents behind an idea instead of the idea."""
    hits = lines_matching(FORBIDDEN)
    assert not hits, "\n".join(f"{f}:{n}: {line}" for f, n, line in hits)


def test_seed_means_only_the_random_seed():
    """Every remaining 'seed' is numpy's random seed (a parameter or its value)."""
    word = re.compile(r"\bseed\b", re.IGNORECASE)
    hits = [
        (name, number, line)
        for name, number, line in lines_matching(word)
        if not RANDOM_SEED.search(line)
    ]
    assert not hits, "\n".join(f"{f}:{n}: {line}" for f, n, line in hits)


@pytest.mark.parametrize(
    "line",
    [
        "Seed 004 splits customer success into three teams",
        "it raises the seed-002 flag.",
        "The seed's rule of thumb in one call",
        "The source articles start from one complaint",
        "the source article's 6.5x",
    ],
)
def test_the_pattern_catches_the_old_wording(line: str):
    """The forbidden pattern matches each wording it replaced."""
    assert FORBIDDEN.search(line)


@pytest.mark.parametrize(
    "line",
    [
        "seed: int | np.random.Generator = 0,",
        "sm.survival.early_ltv(led, by='field_sales_rep', seed=0)",
        "Seed of the draws; required, so results are reproducible.",
        "SEED: Final = 20_251_231",
    ],
)
def test_random_seed_uses_pass(line: str):
    """numpy's random seed is not mistaken for a reference to a document."""
    assert not FORBIDDEN.search(line)
    assert RANDOM_SEED.search(line)
