"""Every console session in the documentation runs and prints what it shows.

A ```` ```console ```` block holds commands after ``$ `` (a line ending in
``\\`` continues on the next, as in the shell) and, under each, the output the
command prints (standard output and standard error together). The
test runs the commands of a page in order, in one temporary directory, and
compares what they print with what the page shows, so shown output cannot
drift from the program's.

Input files the commands read are the page's own blocks: a block that follows
an ``<!-- file: NAME -->`` comment is written to ``NAME`` before the commands
after it run.

The comparison ignores trailing spaces and trailing blank lines only; a
``...`` in the shown output matches anything (as in doctest), for what must
vary or what the page leaves out. A console block that shows no output is not
run (``pip install`` and the like).

When the program's output changes on purpose, regenerate the shown output of
every page with ``python tests/test_docs_console.py --update`` and review the
diff (output that still matches, ``...`` and all, is left as it is).
"""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PAGES = sorted([*(ROOT / "docs").rglob("*.md"), ROOT / "README.md"])

#: A fenced block, with the comment line right before it (if any).
BLOCK = re.compile(
    r"(?:^<!--\s*(?P<marker>[^\n]*?)\s*-->\n\n?)?"
    r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```",
    re.M | re.S,
)
PROMPT = "$ "
SEPARATOR = "@@docs-console-end-of-command@@"


@dataclass
class Command:
    """One ``$`` line of a console block and the output shown under it."""

    line: int  # in the page, 1-based
    command: str
    shown: str


@dataclass
class Session:
    """A console block: its place in the page and its commands."""

    start: int  # offset of the body in the page
    end: int
    commands: list[Command]


def parse(text: str) -> list[tuple[str, Path | Session]]:
    """The page's input files and console sessions, in page order."""
    steps: list[tuple[str, Path | Session]] = []
    for match in BLOCK.finditer(text):
        marker, lang, body = match["marker"], match["lang"], match["body"]
        first = text.count("\n", 0, match.start("body")) + 1
        if marker and marker.startswith("file:"):
            name = marker.removeprefix("file:").strip()
            steps.append((body, Path(name)))
        elif lang == "console":
            commands: list[Command] = []
            for number, line in enumerate(body.splitlines(), first):
                if commands and commands[-1].command.endswith("\\"):
                    commands[-1].command += "\n" + line  # continued with a backslash
                elif line.startswith(PROMPT):
                    commands.append(Command(number, line[len(PROMPT) :], ""))
                elif commands:
                    commands[-1].shown += line + "\n"
                elif line.strip():
                    msg = f"line {number}: output before any '$ ' command"
                    raise ValueError(msg)
            session = Session(match.start("body"), match.end("body"), commands)
            steps.append((body, session))
    return steps


def normalised(output: str) -> str:
    """Output without trailing spaces on its lines or trailing blank lines."""
    return "\n".join(line.rstrip() for line in output.splitlines()).rstrip("\n")


def run(session: Session, directory: Path) -> list[str]:
    """Run the session's commands in `directory` with bash; what each printed."""
    script = ["exec 2>&1"]
    for command in session.commands:
        script += [
            command.command,
            f"__status=$?; printf '\\n%s\\n' '{SEPARATOR}'; (exit $__status)",
        ]
    environment = {
        **os.environ,
        # `python` is this interpreter, importing this checkout's package.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
        "COLUMNS": "200",
        "LC_ALL": "C.UTF-8",
    }
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=directory,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    chunks = result.stdout.split(f"\n{SEPARATOR}\n")
    assert len(chunks) == len(session.commands) + 1, result.stdout
    return chunks[:-1]


def sessions_of(page: Path, directory: Path):
    """Write the page's files and run its sessions in order; yield each with outputs."""
    for body, step in parse(page.read_text("utf-8")):
        if isinstance(step, Path):
            (directory / step).write_text(body, "utf-8")
        elif any(command.shown.strip() for command in step.commands):
            yield step, run(step, directory)


CHECKER = doctest.OutputChecker()
CHECKED_PAGES = [
    page
    for page in PAGES
    if any(
        isinstance(step, Session) and any(c.shown.strip() for c in step.commands)
        for _, step in parse(page.read_text("utf-8"))
    )
]


@pytest.mark.parametrize("page", CHECKED_PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_console_output_is_what_the_program_prints(page: Path, tmp_path: Path):
    """Each command of the page prints the output shown under it."""
    failures = []
    for session, outputs in sessions_of(page, tmp_path):
        for command, output in zip(session.commands, outputs, strict=True):
            shown, printed = normalised(command.shown), normalised(output)
            if not CHECKER.check_output(shown, printed, doctest.ELLIPSIS):
                failures.append(
                    f"{page.relative_to(ROOT)}:{command.line}: $ {command.command}\n"
                    f"--- shown\n{shown}\n--- printed\n{printed}\n"
                )
    assert not failures, "\n".join(failures) + (
        "\nIf the change is intended: python tests/test_docs_console.py --update"
    )


def test_the_pages_with_output_are_found():
    """The check runs the main job's how-to (it cannot pass by finding nothing)."""
    assert ROOT / "docs/how-to/run-the-main-job.md" in CHECKED_PAGES


def test_sessions_are_console_blocks():
    """Shell examples with a prompt are console blocks, so this test runs them."""
    offending = []
    for page in PAGES:
        for match in BLOCK.finditer(page.read_text("utf-8")):
            if match["lang"] in {"bash", "sh", "shell", "text", ""} and re.search(
                r"^\$ ", match["body"], re.M
            ):
                offending.append(str(page.relative_to(ROOT)))
    assert not offending


def test_parse_reads_commands_output_and_files():
    """The parser splits a session into commands and outputs and finds files."""
    text = (
        "<!-- file: in.csv -->\n```text\na,b\n```\n\n"
        "```console\n$ cat in.csv\na,b\n$ true \\\n  --x\n```\n"
    )
    (body, file), (_, session) = parse(text)
    assert (body, file) == ("a,b\n", Path("in.csv"))
    assert isinstance(session, Session)
    assert [(c.line, c.command, c.shown) for c in session.commands] == [
        (7, "cat in.csv", "a,b\n"),
        (9, "true \\\n  --x", ""),
    ]


def test_run_keeps_each_command_output_and_exit_status(tmp_path: Path):
    """Outputs are split per command; `echo $?` sees the previous command's status."""
    session = Session(0, 0, [Command(1, "echo hi", ""), Command(2, "false", "")])
    session.commands.append(Command(3, "echo $?", ""))
    assert [normalised(o) for o in run(session, tmp_path)] == ["hi", "", "1"]


def shown_after_update(command: Command, output: str) -> str:
    """The output to show: the old one while it still matches (keeping its ``...``)."""
    shown, printed = normalised(command.shown), normalised(output)
    if CHECKER.check_output(shown, printed, doctest.ELLIPSIS):
        return command.shown
    return printed + "\n" if printed else ""


def update(page: Path) -> bool:
    """Rewrite the shown output of the page's sessions; whether anything changed."""
    text = page.read_text("utf-8")
    with tempfile.TemporaryDirectory() as directory:
        replaced = []
        for session, outputs in sessions_of(page, Path(directory)):
            body = "".join(
                f"{PROMPT}{command.command}\n" + shown_after_update(command, output)
                for command, output in zip(session.commands, outputs, strict=True)
            )
            replaced.append((session.start, session.end, body))
    for start, end, body in reversed(replaced):
        text = text[:start] + body + text[end:]
    changed = text != page.read_text("utf-8")
    if changed:
        page.write_text(text, "utf-8")
    return changed


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_docs_console.py --update")
    for page in CHECKED_PAGES:
        if update(page):
            print(f"updated {page.relative_to(ROOT)}")
