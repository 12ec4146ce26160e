"""Every interactive example in the documentation runs and prints what it shows."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[1] / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md") if "```pycon" in p.read_text("utf-8"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_page_examples(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The page's pycon blocks run in order, in one namespace, as doctests."""
    monkeypatch.chdir(tmp_path)  # examples that write files write here
    text = page.read_text("utf-8")
    source = "\n".join(re.findall(r"```pycon\n(.*?)```", text, re.S))
    test = doctest.DocTestParser().get_doctest(source, {}, page.name, str(page), 0)
    runner = doctest.DocTestRunner(
        optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    )
    failures: list[str] = []

    class Collect(doctest.DocTestRunner):
        pass

    runner.run(test, out=failures.append)

    assert runner.failures == 0, "".join(failures)


def test_readme_usage_example_runs():
    """The README's first Python example runs as written, on the bundled sample."""
    readme = (DOCS.parent / "README.md").read_text("utf-8")
    example = re.findall(r"```python\n(.*?)```", readme, re.S)[0]

    exec(compile(example, "README.md", "exec"), {})
