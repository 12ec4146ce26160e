"""Code in the documentation fits the page: no line of a code block over 88 characters.

The limit is the project's line length (ruff's), which the docs' code column
shows without scrolling. Two kinds of line are exempt:

- the output of a ```` ```console ```` session, which is the program's own and
  is compared with what the program prints (tests/test_docs_console.py);
- a line with no space to break at (a long URL or identifier).

Long output of an interactive (``pycon``) example wraps at spaces: those
examples compare their output with whitespace normalised, so the wrapped text
still matches. ``python tests/test_docs_layout.py --wrap`` wraps every such
line in the docs.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PAGES = sorted([*(ROOT / "docs").rglob("*.md"), ROOT / "README.md"])
WIDTH = 88
FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```", re.M | re.S)
PROMPTS = (">>> ", "... ", ">>>\n", "...\n")


def wide_lines(text: str) -> list[tuple[int, str]]:
    """The (line number, line) of every code line over the width, exemptions aside."""
    found = []
    for match in FENCE.finditer(text):
        first = text.count("\n", 0, match.start("body")) + 1
        command = continued = False  # in a console block: typed, and continued
        for number, line in enumerate(match["body"].splitlines(), first):
            command = line.startswith("$ ") or (command and continued)
            continued = line.endswith("\\")
            # ruff formats the code behind a prompt to the width, so the
            # prompt itself is not counted.
            code = line[4:] if line.startswith(PROMPTS[:2]) else line
            if len(code) <= WIDTH or " " not in line.strip():
                continue
            if match["lang"] == "console" and not command:
                continue  # the program's output, checked against the program
            found.append((number, line))
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_lines_fit(page: Path):
    """No code line of the page is wider than the project's line length."""
    wide = wide_lines(page.read_text("utf-8"))
    assert not wide, "\n".join(
        f"{page.relative_to(ROOT)}:{n}: {len(line)} characters: {line[:60]}..."
        for n, line in wide
    ) + ("\n(wrap pycon output with: python tests/test_docs_layout.py --wrap)")


def test_a_wide_line_is_found():
    """The check finds a wide code line and skips wide prose (it can fail)."""
    text = f"{'prose ' * 20}\n\n```python\nx = 1  # {'word ' * 20}\n```\n"
    assert [n for n, _ in wide_lines(text)] == [4]


def test_console_commands_are_checked_and_output_is_not():
    """A typed line is checked, continuation lines too; the program's output is not."""
    wide = " --option" * 12
    text = f"```console\n$ run \\\n{wide}\n{wide}\n$ {wide}\n```\n"
    assert [n for n, _ in wide_lines(text)] == [3, 5]


def wrapped_output(line: str) -> list[str]:
    """A pycon output line broken at spaces, continuation lines indented."""
    indent = line[: len(line) - len(line.lstrip())]
    return textwrap.wrap(
        line,
        WIDTH,
        subsequent_indent=indent + "    ",
        break_long_words=False,
        break_on_hyphens=False,
        drop_whitespace=True,
    )


def wrap_pycon_output(text: str) -> str:
    """The page with each wide output line of its pycon blocks wrapped."""

    def block(match: re.Match[str]) -> str:
        if match["lang"] != "pycon":
            return match[0]
        lines = []
        for line in match["body"].splitlines():
            if len(line) > WIDTH and not line.startswith(PROMPTS[:2]):
                lines += wrapped_output(line)
            else:
                lines.append(line)
        head = match[0][: match.start("body") - match.start()]
        return head + "\n".join(lines) + "\n```"

    return FENCE.sub(block, text)


def test_wrapping_keeps_the_words():
    """Wrapping only turns spaces into line breaks (so doctest still matches)."""
    line = "x: " + " ".join(f"cus-{i:05d}," for i in range(30)) + " end"
    lines = wrapped_output(line)
    assert all(len(part) <= WIDTH for part in lines)
    assert " ".join(part.strip() for part in lines) == line


if __name__ == "__main__":
    if sys.argv[1:] != ["--wrap"]:
        sys.exit("usage: python tests/test_docs_layout.py --wrap")
    for page in PAGES:
        text = page.read_text("utf-8")
        if (new := wrap_pycon_output(text)) != text:
            page.write_text(new, "utf-8")
            print(f"wrapped {page.relative_to(ROOT)}")
