"""Short text and HTML views of result objects, for consoles and notebooks.

Numbers are rounded for reading (four significant digits, whole units from
1,000 up); the objects keep every digit. The HTML is a plain table with
every value passed through `html.escape`, no scripts, styles or links, so a
notebook shows it as it is and it can be pasted anywhere.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence

__all__ = ["grid", "number", "table"]


def number(value: object) -> str:
    """
    Return *value* rounded for reading: 4 significant digits, whole from 1,000.

    Examples
    --------
    >>> number(0.70412), number(6_500_000.0), number(8.268895), number(float("inf"))
    ('0.7041', '6500000', '8.269', 'inf')
    >>> number(True), number(12), number("JPY")
    ('True', '12', 'JPY')
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = value.item()  # type: ignore[attr-defined]  # numpy scalars
        except AttributeError:
            return str(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1000:
        return str(round(value))
    return f"{value:.4g}"


def _cells(tag: str, values: Iterable[object]) -> str:
    return "".join(f"<{tag}>{html.escape(number(v))}</{tag}>" for v in values)


def table(title: str, rows: Iterable[tuple[str, object]]) -> str:
    """
    Return a two-column HTML table: one row per ``(name, value)``.

    Examples
    --------
    >>> print(table("Fit <1>", [("alpha", 0.70412)]))  # doctest: +ELLIPSIS
    <table><caption>Fit &lt;1&gt;</caption>...<td>0.7041</td></tr></tbody></table>
    """
    body = "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(number(value))}</td></tr>"
        for name, value in rows
    )
    return (
        f"<table><caption>{html.escape(title)}</caption><tbody>{body}</tbody></table>"
    )


def grid(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """
    Return an HTML table with a header row and one row per sequence of values.

    Examples
    --------
    >>> print(grid("t", ["a", "b"], [[1, "<x>"]]))  # doctest: +ELLIPSIS
    <table><caption>t</caption><thead>...<td>&lt;x&gt;</td></tr></tbody></table>
    """
    head = _cells("th", header)
    body = "".join(f"<tr>{_cells('td', row)}</tr>" for row in rows)
    return (
        f"<table><caption>{html.escape(title)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )
