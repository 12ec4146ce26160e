"""
Renderings of a `Report`: HTML page and fragment, terminal text, Excel.

The HTML is one self-contained page: inline CSS (with a print style), inline
SVG charts from ``plots.to_svg``, no script, no link, no network. Every value
is escaped with `html.escape`. Money columns (int minor units) are shown in
major units with the currency; rates as percentages; NaN as "undefined" and
infinities as "inf", as everywhere in the library.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from ._conventions import Conventions
from ._money import currency_exponent, to_major_units

if TYPE_CHECKING:
    from ._report import Report, Section

__all__ = ["CHARTS", "fragment", "page", "text", "write_excel"]

#: Money columns: int minor units whose name says money.
MONEY: Final = re.compile(
    r"mrr|revenue|cost|spend|amount|ltv|arpa|cac|price|bookings|value$|_sale|^amount$"
)
#: Fraction columns shown as percentages.
FRACTION: Final = re.compile(
    r"(_rate|retention|churn_\d+m|share|^survival|^lower$|^upper$|_lower$|_upper$"
    r"|^\d+$|^customer_churn|completion)"
)
_ROWS: Final = 24  # rows of a table shown in HTML before "... of N rows"

#: The charts of each section: (name, caption, frames it needs), drawn by `_draw`.
CHARTS: Final[dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]]] = {
    "bridge": (
        ("bridge_waterfall", "The MRR bridge of the last month", ("bridge",)),
        ("mrr_movements", "MRR movements, the last 12 months", ("bridge",)),
    ),
    "retention": (
        (
            "survival_curves",
            "Survival with intervals and customers at risk",
            ("survival",),
        ),
    ),
    "cohorts": (
        ("cohort_heatmap", "Logo retention by cohort and age", ("logo_retention",)),
    ),
    "scorecards": (
        (
            "scorecard_bookings",
            "Field sales: bookings against LTV-weighted bookings",
            ("field_sales",),
        ),
    ),
    "tiers": (
        ("tier_mix", "Accounts per tier", ("summary",)),
        ("tier_movements", "Moves between tiers", ("movements",)),
    ),
    "health": (("health_bands", "Churn by health band", ("by_band",)),),
}


# --- values -------------------------------------------------------------------------


def _major(minor: float, currency: str) -> str:
    places = currency_exponent(currency)
    return f"{to_major_units(round(minor), currency):,.{places}f}"


def cell(value: Any, column: str, currency: str | None, *, money: bool) -> str:
    """Return one value as text for people."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return "undefined"
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        if money and currency:
            return _major(number, currency)
        if FRACTION.search(column) and abs(number) <= 10:
            return f"{100 * number:.1f}%"
        if abs(number) >= 1000:
            return f"{number:,.0f}"
        return f"{number:.3g}" if abs(number) < 1 else f"{number:.2f}"
    if isinstance(value, int | np.integer):
        if money and currency:
            return _major(int(value), currency)
        return f"{int(value):,}"
    return str(value)


_NOT_MONEY: Final = re.compile(r"_rate|retention|ratio|multiple|months|share|roi$|rank")


def _is_money(frame: pd.DataFrame, column: object) -> bool:
    name = str(column)
    return (
        bool(MONEY.search(name))
        and not _NOT_MONEY.search(name)
        and pd.api.types.is_numeric_dtype(frame[column])
        and frame[column].dtype != bool
    )


def figure_value(row: pd.Series, currency: str | None) -> str:
    """Return the value of one row of a ``figures`` frame, with its unit."""
    unit = str(row["unit"])
    if not pd.isna(row["amount"]):
        return f"{_major(int(row['amount']), currency or 'XXX')} {currency}"
    value = float(row["value"])
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "inf"
    if unit.startswith("per ") or unit.startswith("over "):
        return f"{100 * value:.2f}% {unit}"
    if "minor units" in unit:
        return f"{_major(value, currency or 'XXX')} {currency}{unit.split('units')[-1]}"
    if unit in ("customers", "accounts"):
        return f"{value:,.0f} {unit}"
    if unit == "months":
        return f"{value:.1f} months"
    return f"{value:.3f}" if unit == "probability" else f"{value:.2f}"


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    flat = frame.copy()
    flat.columns = [str(c) for c in flat.columns]
    named = [n for n in (flat.index.names or ()) if n is not None]
    if named:
        flat = flat.reset_index()
    return flat


# --- charts ---------------------------------------------------------------------------


def _draw(plots: Any, name: str, section: Section) -> Any:
    frames = section.frames
    if name == "bridge_waterfall":
        month = frames["bridge"].index[-1]
        return plots.bridge_waterfall(frames["bridge"], since=month, through=month)
    if name == "mrr_movements":
        months = frames["bridge"].index
        return plots.mrr_movements(
            frames["bridge"], since=months[max(len(months) - 12, 0)]
        )
    if name == "tier_mix":
        return plots.tier_mix(
            {section.results["tiers_classified_at"]: frames["summary"]}
        )
    if name == "health_bands":
        return plots.health_bands(section.results["evaluation"])
    (frame,) = next(needed for n, _, needed in CHARTS[section.key] if n == name)
    return getattr(plots, name)(frames[frame])


_XMLNS: Final = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def plots_available() -> bool:
    """Whether matplotlib (the ``[plot]`` extra) can be imported, for the charts."""
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def charts(section: Section) -> Iterator[tuple[str, str, str]]:
    """
    Yield ``(name, caption, svg)`` for every chart of *section*.

    The plots are `subscription_metrics.plots` (the ``[plot]`` extra); without
    matplotlib a section has no charts. The SVG is inlined in HTML, where the
    namespace declarations are implied, so they are left out (the page holds
    no URL at all).
    """
    if not plots_available():
        return
    from . import plots

    for name, caption, needed in CHARTS.get(section.key, ()):
        if not all(frame in section.frames for frame in needed):
            continue
        figure = _draw(plots, name, section)
        svg = plots.to_svg(figure, id_prefix=f"{section.key}-{name}-")
        yield name, caption, _XMLNS.sub("", svg, count=2)


# --- HTML -----------------------------------------------------------------------------

_CSS: Final = """
:root { --ink: #1d2330; --muted: #5b6474; --line: #d8dde6; --band: #f4f6f9;
  --accent: #1f5fbf; --warn: #9a3b00; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); margin: 0; background: #fff; }
header, main, nav { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; }
h1 { font-size: 1.55rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 28px 0 6px; border-bottom: 2px solid var(--line);
  padding-bottom: 4px; }
h3 { font-size: 1rem; margin: 16px 0 4px; color: var(--muted); }
p { margin: 4px 0; max-width: 75ch; }
.meta { color: var(--muted); }
nav ol { display: flex; flex-wrap: wrap; gap: 4px 16px; padding: 8px 0 0 0;
  margin: 0; list-style: none; font-size: 0.9rem; }
nav a { color: var(--accent); text-decoration: none; }
.needs { color: var(--warn); font-weight: 600; }
.table-wrap { overflow-x: auto; margin: 6px 0 10px; }
table { border-collapse: collapse; font-size: 0.85rem;
  font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: right;
  white-space: nowrap; }
th { background: var(--band); font-weight: 600; }
td.text, th.text { text-align: left; }
table.figures td.convention { white-space: normal; color: var(--muted);
  text-align: left; min-width: 18ch; }
caption { text-align: left; color: var(--muted); padding: 2px 0; }
.more { color: var(--muted); font-size: 0.85rem; }
figure.chart { margin: 8px 0 14px; }
figure.chart svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 0.85rem; }
.charts { display: flex; flex-wrap: wrap; gap: 12px 24px; }
@media print {
  nav { display: none; }
  body { font-size: 10.5pt; }
  header, main { max-width: none; padding: 0; }
  section.section { break-before: page; }
  section.section:first-of-type { break-before: auto; }
  .table-wrap { overflow: visible; }
  figure.chart, table { break-inside: avoid; }
}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _table(frame: pd.DataFrame, name: str, currency: str | None) -> str:
    flat = _flat(frame)
    by_month = bool({"month", "period"} & set(frame.index.names or ()))
    shown = flat.tail(_ROWS) if by_month else flat.head(_ROWS)
    money = {c: _is_money(flat, c) for c in flat.columns}
    text_columns = {
        c
        for c in flat.columns
        if not pd.api.types.is_numeric_dtype(flat[c]) or flat[c].dtype == bool
    }
    head = "".join(
        f'<th class="{"text" if c in text_columns else "num"}" scope="col">{_e(c)}</th>'
        for c in flat.columns
    )
    body = []
    for row in shown.itertuples(index=False, name=None):
        cells = "".join(
            f'<td class="{"text" if c in text_columns else "num"}">'
            f"{_e(cell(v, c, currency, money=money[c]))}</td>"
            for c, v in zip(flat.columns, row, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    more = ""
    if len(flat) > len(shown):
        more = (
            f'<p class="more">The {"last" if by_month else "first"} {len(shown)} '
            f"of {len(flat):,} rows; every row is in the JSON, Parquet and Excel "
            "exports.</p>"
        )
    unit = f"money in {currency}" if currency and any(money.values()) else ""
    caption = f"<caption>{_e(unit)}</caption>" if unit else ""
    return (
        f'<div class="table-wrap" data-frame="{_e(name)}"><table>'
        f"{caption}<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>{more}"
    )


def _figures_table(frame: pd.DataFrame, currency: str | None) -> str:
    rows = "".join(
        f'<tr><td class="text">{_e(row["figure"])}</td>'
        f'<td class="text">{_e(row["period"])}</td>'
        f"<td>{_e(figure_value(row, currency))}</td>"
        f'<td class="convention">{_e(row["convention"])}</td></tr>'
        for _, row in frame.iterrows()
    )
    return (
        '<div class="table-wrap" data-frame="figures"><table class="figures">'
        '<thead><tr><th class="text">figure</th><th class="text">period</th>'
        '<th>value</th><th class="text">convention</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )


def _section_html(section: Section, currency: str | None, *, draw: bool) -> str:
    parts = [
        f'<section class="section" id="{_e(section.key)}" '
        f'data-section="{_e(section.key)}" data-status="{_e(section.status)}">',
        f"<h2>{_e(section.title)}</h2>",
    ]
    if not section.ready:
        parts.append(
            f'<p class="needs">Not shown: this section needs '
            f"{_e(', '.join(section.needs))}.</p></section>"
        )
        return "".join(parts)
    parts += [f"<p>{_e(note)}</p>" for note in section.notes]
    if draw:
        drawn = [
            f'<figure class="chart" data-chart="{_e(name)}">{svg}'
            f"<figcaption>{_e(caption)}</figcaption></figure>"
            for name, caption, svg in charts(section)
        ]
        if drawn:
            parts.append(f'<div class="charts">{"".join(drawn)}</div>')
    for name, frame in section.frames.items():
        if name == "figures":
            parts.append(_figures_table(frame, currency))
        else:
            parts.append(f"<h3>{_e(name.replace('_', ' '))}</h3>")
            parts.append(_table(frame, name, currency))
    parts.append("</section>")
    return "".join(parts)


def preset_name(conventions: Conventions) -> str:
    """Return the preset the conventions equal, or ``"custom"``."""
    for name in Conventions.preset_names():
        if Conventions.preset(name) == conventions:
            return name
    return "custom"


def _body(report: Report, *, draw: bool) -> str:
    ready = sum(section.ready for section in report.sections)
    toc = "".join(
        f'<li><a href="#{_e(s.key)}">{_e(s.title)}</a></li>' for s in report.sections
    )
    meta = (
        f"{report.source}; amounts in {report.currency}; conventions "
        f"'{preset_name(report.conventions)}'; {ready} of {len(report.sections)} "
        "sections computed."
    )
    sections = "".join(
        _section_html(section, report.currency, draw=draw)
        for section in report.sections
    )
    if draw and not plots_available():
        meta += (
            " No charts: they need matplotlib, the plot extra "
            "(pip install 'subscription-metrics[plot]')."
        )
    return (
        f'<header><h1>{_e(report.title)}</h1><p class="meta">{_e(meta)}</p></header>'
        f'<nav aria-label="Sections"><ol>{toc}</ol></nav>'
        f"<main>{sections}</main>"
    )


def page(report: Report) -> str:
    """Return the report as one self-contained HTML page."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(report.title)}</title><style>{_CSS}</style></head>"
        f"<body>{_body(report, draw=True)}</body></html>\n"
    )


def fragment(report: Report) -> str:
    """Return the report as an HTML fragment for a notebook cell."""
    return f'<div class="subscription-metrics-report">{_body(report, draw=True)}</div>'


# --- text -----------------------------------------------------------------------------


def _wrap(line: str, width: int, indent: str = "") -> str:
    return textwrap.fill(
        line,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_on_hyphens=False,
    )


def _figure_lines(frame: pd.DataFrame, currency: str | None, width: int) -> list[str]:
    lines = []
    previous = None
    for _, row in frame.iterrows():
        if row["figure"] != previous:
            lines.append(f"  {row['figure']}")
            previous = row["figure"]
        value = figure_value(row, currency)
        period = str(row["period"])
        room = max(width - 6 - len(value), 20)
        lines.append(f"    {period:<{room}}{value:>{len(value)}}"[:width])
        if row["convention"]:
            lines.append(_wrap(f"convention: {row['convention']}", width, "      "))
    return lines


def _grid(
    frame: pd.DataFrame,
    columns: list[str],
    currency: str | None,
    names: dict[str, str] | None = None,
) -> list[str]:
    """Return a small right-aligned table of *columns*, headed by *names*."""
    flat = _flat(frame)
    columns = [c for c in columns if c in flat.columns]
    heads = [(names or {}).get(c, c) for c in columns]
    cells = [
        [
            cell(v, c, currency, money=_is_money(flat, c)).replace("undefined", "-")
            for c, v in zip(columns, row, strict=True)
        ]
        for row in flat[columns].itertuples(index=False, name=None)
    ]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(heads)]
    out = ["  " + "  ".join(h.rjust(w) for h, w in zip(heads, widths, strict=True))]
    out += [
        "  " + "  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True))
        for r in cells
    ]
    return out


#: Terminal tables per section: (frame, columns, short names, heading).
_TEXT_GRIDS: Final[
    dict[str, tuple[tuple[str, list[str], dict[str, str], str], ...]]
] = {
    "retention": (
        (
            "rates",
            [
                "segment",
                "customers_at_end",
                "customer_churn_rate",
                "gross_mrr_churn_rate",
                "net_revenue_retention",
            ],
            {
                "customers_at_end": "customers",
                "customer_churn_rate": "churn/month",
                "gross_mrr_churn_rate": "gross MRR churn/month",
                "net_revenue_retention": "NRR/month",
            },
            "By segment, the month (rates per month):",
        ),
        (
            "median_lifetime",
            ["segment", "median", "lower", "upper"],
            {"median": "median months", "lower": "lower", "upper": "upper"},
            "Median lifetime (months; inf: more than half still paying):",
        ),
    ),
    "staff_roi": (
        (
            "pilot",
            ["role", "booked_mrr", "realised_multiple", "break_even", "verdict"],
            {"realised_multiple": "LTV / cost", "booked_mrr": "booked MRR"},
            "The pilot:",
        ),
    ),
    "acquisition_quality": (
        (
            "by_acquisition_channel",
            [
                "acquisition_channel",
                "customers_won",
                "early_churn_6m",
                "retention_12m",
                "ltv_per_customer",
            ],
            {
                "acquisition_channel": "channel",
                "customers_won": "won",
                "early_churn_6m": "churned by 6m",
                "retention_12m": "kept 12m",
                "ltv_per_customer": "LTV per customer",
            },
            "By acquisition channel:",
        ),
    ),
    "tiers": (
        (
            "summary",
            [
                "tier",
                "accounts",
                "mrr_at_start",
                "customer_churn_rate",
                "expansion_mrr",
            ],
            {
                "mrr_at_start": "MRR then",
                "customer_churn_rate": "churned (12m)",
                "expansion_mrr": "expansion",
            },
            "Tiers a year ago and what they did since:",
        ),
    ),
    "operations": (
        (
            "tickets",
            ["period", "opened", "resolution_rate", "median_first_response_hours"],
            {
                "resolution_rate": "resolved",
                "median_first_response_hours": "median first response (hours)",
            },
            "Support tickets by month:",
        ),
        (
            "onboarding",
            ["period", "started", "completed", "completion_rate"],
            {"completion_rate": "completion rate"},
            "Onboarding by month started:",
        ),
    ),
}
_FIELD_NAMES: Final = {
    "customers_won": "won",
    "new_mrr": "new MRR",
    "retention_12m": "kept 12m",
    "ltv_weighted_bookings": "LTV-weighted bookings",
    "rank_bookings": "rank (bookings)",
    "rank_ltv_weighted_bookings": "rank (LTV-wtd)",
}


_BRIDGE: Final = {
    "month": "month",
    "mrr_at_start": "MRR start",
    "new_mrr": "new",
    "expansion_mrr": "expansion",
    "contraction_mrr": "contraction",
    "churned_mrr": "churned",
    "reactivation_mrr": "reactivation",
    "mrr_at_end": "MRR end",
}


def _bridge_lines(frame: pd.DataFrame, currency: str | None) -> list[str]:
    last = frame.tail(6)
    flat = _flat(last)
    shown = flat[list(_BRIDGE)].rename(columns=_BRIDGE)
    money = list(_BRIDGE.values())[1:]
    table = shown.copy()
    for column in money:
        table[column] = [
            cell(int(v), "mrr", currency, money=True) for v in shown[column]
        ]
    table["month"] = shown["month"].astype(str)
    widths = {c: max(len(c), *(len(str(v)) for v in table[c])) for c in table.columns}
    lines = ["  " + "  ".join(c.rjust(widths[c]) for c in table.columns)]
    lines += [
        "  " + "  ".join(str(row[c]).rjust(widths[c]) for c in table.columns)
        for _, row in table.iterrows()
    ]
    return lines


def _scorecard_lines(section: Section, currency: str | None, width: int) -> list[str]:
    lines: list[str] = []
    card = section.frames.get("field_sales")
    if card is not None:
        lines.append("  Field sales (credited with the customers they closed):")
        lines += _grid(card, ["staff_id", *_FIELD_NAMES], currency, _FIELD_NAMES)
    verdict = section.frames.get("comparison")
    if verdict is not None:
        first, second = (str(c) for c in verdict.columns[:2])
        lines.append(f"  Comparison, {first} against {second}:")
        for figure, row in verdict.iterrows():
            noise = row["beyond_noise"]
            said = (
                "a count, no sampling noise"
                if noise is None
                else ("beyond the noise" if noise else "within the noise")
            )
            p = row["p_value"]
            p_text = "" if p is None or pd.isna(p) else f", p = {float(p):.2g}"
            lines.append(_wrap(f"{figure}: {said}{p_text}", width, "    "))
    return lines


def text(report: Report, *, width: int = 100) -> str:
    """Return the report's terminal summary, at most *width* columns wide."""
    cur = report.currency
    out = [
        _wrap(
            f"{report.title}: {report.source}, amounts in {cur}, conventions "
            f"'{preset_name(report.conventions)}'",
            width,
        )
    ]
    for section in report.sections:
        out += ["", f"{section.title}"]
        if not section.ready:
            out.append(
                _wrap(f"not shown: needs {', '.join(section.needs)}", width, "  ")
            )
            continue
        if section.key == "bridge":
            out += _bridge_lines(section.frames["bridge"], cur)
        if "figures" in section.frames:
            out += _figure_lines(section.frames["figures"], cur, width)
        if section.key == "scorecards":
            out += _scorecard_lines(section, cur, width)
        for frame, columns, names, heading in _TEXT_GRIDS.get(section.key, ()):
            if frame in section.frames:
                table = section.frames[frame]
                if section.key == "operations":
                    table = table.tail(3)  # the last months; all are in the HTML
                out += [f"  {heading}", *_grid(table, columns, cur, names)]
        if section.key == "health":
            out += _grid(
                section.frames["by_band"],
                ["band", "customers", "churned", "churn_rate", "lift"],
                cur,
            )
        out += [_wrap(note, width, "  ") for note in section.notes]
    lines = [line.rstrip() for text in out for line in text.split("\n")]
    return "\n".join(line[:width] for line in lines) + "\n"


# --- Excel ----------------------------------------------------------------------------


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31]
    candidate, number = base, 2
    while candidate in used:
        suffix = f"~{number}"
        candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate)
    return candidate


_EXCEL_ROWS: Final = 1_048_575  # an Excel sheet's rows, less the header


def write_excel(report: Report, path: Path) -> Path:
    """Write one sheet per table; money in major units with the currency's format."""
    try:
        from openpyxl import Workbook
    except ImportError as exc:  # pragma: no cover - the [excel] extra
        msg = "to_excel needs openpyxl: pip install 'subscription-metrics[excel]'"
        raise ImportError(msg) from exc
    currency = report.currency or "XXX"
    places = currency_exponent(currency)
    decimals = "." + "0" * places if places else ""
    money_format = f'#,##0{decimals} "{currency}"'
    book = Workbook()
    contents = book.active
    assert contents is not None
    contents.title = "contents"
    contents.append(["table", "section", "status", "rows", "rows in the sheet"])
    for section in report.sections:
        if not section.ready:
            contents.append(["", section.key, section.status, 0])
    contents.append(
        ["", "", "", "", "rows beyond a sheet's limit are in the Parquet files"]
    )
    used = {"contents"}
    for name, frame in report.tables().items():
        sheet_name = _sheet_name(name, used)
        flat = _flat(frame)
        shown = min(len(flat), _EXCEL_ROWS)
        contents.append([sheet_name, name.split(".")[0], "ok", len(flat), shown])
        sheet = book.create_sheet(sheet_name)
        flat = flat.head(shown)
        sheet.append([str(c) for c in flat.columns])
        money_columns = [
            i
            for i, c in enumerate(flat.columns)
            if _is_money(flat, c) and pd.api.types.is_integer_dtype(flat[c])
        ]
        for row in flat.itertuples(index=False, name=None):
            sheet.append([_excel_value(v) for v in row])
        for i in money_columns:
            for (cell_,) in sheet.iter_rows(
                min_row=2, min_col=i + 1, max_col=i + 1, max_row=len(flat) + 1
            ):
                if isinstance(cell_.value, int | float):
                    cell_.value = float(to_major_units(int(cell_.value), currency))
                    cell_.number_format = money_format
    book.save(path)
    return path


def _excel_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Period):
        return value.start_time.to_pydatetime() if value.freqstr == "M" else str(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return "NaN"
        if math.isinf(number):
            return "Infinity" if number > 0 else "-Infinity"
        return number
    if isinstance(value, pd.Timedelta):
        return str(value)
    return value if isinstance(value, int | str) else str(value)
