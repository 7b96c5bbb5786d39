"""The report as one HTML page that opens offline: vega, vega-lite and vega-embed inlined once
(:func:`~powsim.charts.embed_script`), one chart per question, every table written beside it.

Each table on the page is the CSV file of the same name (``data-source``), row for row; each
number's cell carries the file's value (``data-value``, full precision) and shows it to four
significant digits (:func:`shown`). The sentences that answer the questions cite their
numbers the same way (``data-source``, ``data-row``, ``data-column``), so a reader (or a test)
can check every number on the page against the files. ``window.powsimCharts`` is the promise
of every chart drawn.
"""

from __future__ import annotations

import html
import json
import math

import altair as alt
import pandas as pd

from powsim.charts import chart_spec, embed_script
from powsim.stats.metrics import by_column
from powsim.sweep.report import UNDETERRED, USER_FIGURES, Answers, Plan
from powsim.sweep.report_load import CLIENT_FIGURES

NOT_REACHED = "not reached"  # an infinite figure: more clients lost than it allows
DIGITS = {"a": 6}  # significant digits shown where 4 would merge neighbours (a = 1.0075, 1.008)
STYLE = """body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:90%}td,th{border:1px solid #ccc;
padding:.2em .5em}td.n{text-align:right}.caveat{background:#fff4e5;border-left:4px solid
#f0a020;padding:.5em 1em}.chart{margin:1em 0}"""


def shown(value: object, column: str = "") -> str:
    """A cell of ``column`` for people: numbers to 4 significant digits (:data:`DIGITS` for
    some columns), an infinite one 'not reached', NaN 'n/a', booleans 'yes'/'no', text as is."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        number = float(value)
        if math.isnan(number):
            return "n/a"
        return NOT_REACHED if math.isinf(number) else f"{number:.{DIGITS.get(column, 4)}g}"
    return str(value)


def _cell(column: str, value: object) -> str:
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (f'<td class="n" data-column="{html.escape(column)}" data-value="{value!r}">'
                f"{shown(value, column)}</td>")
    return f'<td data-column="{html.escape(column)}">{html.escape(shown(value))}</td>'


def table_html(name: str, table: pd.DataFrame) -> str:
    """``table`` (written as ``name``) as an HTML table, every cell citing its column."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    rows = "".join("<tr>" + "".join(_cell(str(c), v) for c, v in row.items()) + "</tr>"
                   for _, row in table.iterrows())
    return f'<table data-source="{name}"><tr>{head}</tr>{rows}</table>'


def cite(name: str, table: pd.DataFrame, row: int, column: str) -> str:
    """The number at (``row``, ``column``) of ``table`` (file ``name``), citing its source."""
    value = table[column].iloc[row]
    value = value.item() if hasattr(value, "item") else value
    return (f'<span data-source="{name}" data-row="{row}" data-column="{column}" '
            f'data-value="{value!r}">{shown(value, column)}</span>')


def _with_ci(name: str, table: pd.DataFrame, row: int, column: str = "mean") -> str:
    low, high = ("ci_low", "ci_high") if column == "mean" else (f"{column}_ci_low", f"{column}_ci_high")
    return (f"{cite(name, table, row, column)} (95 % CI {cite(name, table, row, low)} to "
            f"{cite(name, table, row, high)})")


def _users_answer(answers: Answers, legit: str) -> str:
    users = answers.users
    parts = []
    for figure in USER_FIGURES if answers.frontier is not None else CLIENT_FIGURES:
        metric = by_column(figure)
        row = int(users.index[(users["agent"] == legit) & (users["figure"] == figure)][0])
        parts.append(f"<li>{html.escape(metric.description)}: "
                     f"{_with_ci('users.csv', users, row)} {metric.unit}</li>")
    return "<ul>" + "".join(parts) + "</ul>"


def _a_answer(answers: Answers, max_p95: float) -> str:
    frontier = answers.frontier
    if frontier is None:
        return ("<p>A load scenario has no per-account a to choose: its difficulty follows the "
                "load rule listed in the assumptions. What each attacker group pays per served "
                f"request over the clients' (US$, each at its own hardware):</p>"
                f"{table_html('deterrence.csv', answers.deterrence)}")
    row = int(frontier.index[frontier["chosen"]][0])
    return (f"<p>Recommended a = {cite('frontier.csv', frontier, row, 'a')}: the legitimate p95 "
            f"overhead is {_with_ci('frontier.csv', frontier, row, 'legit_p95')}x (target "
            f"{max_p95:g}x at the CI's upper end) and the attackers pay US$ "
            f"{_with_ci('frontier.csv', frontier, row, 'attacker_dollars')}; of the feasible "
            "values of a it gives the most attacker cost (the smallest a within 1 % of it). "
            "Users' figures above are at this a on held-out seeds.</p>")


def _workers_answer(answers: Answers, plan: Plan) -> str:
    if answers.workers_needed is None:
        return (f"<p>No worker count in {plan.workers[0]} to {plan.workers[-1]} meets "
                f"<code>{html.escape(plan.slo.text)}</code> over its whole 95 % CI; enlarge "
                "<code>--workers</code> or relax <code>--slo</code>.</p>")
    table = answers.capacity
    row = int(table.index[table["workers"] == answers.workers_needed][0])
    return (f"<p>Workers needed: {cite('capacity.csv', table, row, 'workers')}, the smallest count whose "
            f"{html.escape(plan.slo.metric)} ({_with_ci('capacity.csv', table, row)}) meets "
            f"<code>{html.escape(plan.slo.text)}</code> over its whole 95 % CI"
            f"{', at the recommended a' if answers.chosen_a is not None else ''}.</p>")


def _intensity_answer(answers: Answers, chart: str) -> str:
    if answers.intensity is None:
        return ("<p>Workers against attack intensity: not computed, no attacker of this "
                "scenario has a request rate to vary.</p>")
    return (f"<h3>Against the attack's intensity</h3>{chart}"
            f"{table_html('intensity.csv', answers.intensity)}")


def _deterrence_caveats(answers: Answers) -> list[str]:
    deterrence, account = answers.deterrence, answers.chosen_a is not None
    shown_rows = deterrence[deterrence["a"] == answers.chosen_a] if account else deterrence
    unit, where = (("US$ per query", "at the recommended a") if account else
                   ("US$ per served request", "at the scenario's worker count"))
    items = []
    for row in shown_rows.index[shown_rows["undeterred"]]:
        agent = html.escape(str(deterrence.loc[row, "agent"]))
        items.append(f"<li><b>{agent} is not deterred</b>: it pays "
                     f"{_with_ci('deterrence.csv', deterrence, int(row))}x a legitimate user's "
                     f"{unit} {where} (at most {UNDETERRED:g}x counts as not deterred).</li>")
    always = [name for name, rows in deterrence.groupby("agent", sort=False)
              if account and rows["undeterred"].all()]
    if always:
        items.append(f"<li>Not deterred at any a in the grid: {html.escape(', '.join(always))}; no "
                     "choice of a changes what they pay per query.</li>")
    if not items:
        items.append(f"<li>Every attacker pays over {UNDETERRED:g}x a user's {unit} {where}.</li>")
    return items


def _sensitivity_caveats(answers: Answers, max_p95: float) -> list[str]:
    table = answers.sensitivity
    if table is None:
        return []
    return [f"<li><b>The recommended a does not hold with {html.escape(table.loc[row, 'assumption'])}"
            f"</b>: the users' p95 is {_with_ci('sensitivity.csv', table, int(row), 'legit_p95')}x, "
            f"its CI's upper end over the {max_p95:g}x target.</li>"
            for row in table.index[~table["holds"]]]


def _caveats(answers: Answers, plan: Plan) -> str:
    account = answers.frontier is not None
    grid = f" and {len(plan.grid.values)} values of a" if account else ""
    options = ", <code>--grid</code>" if account else ""
    items = [*_deterrence_caveats(answers), *_sensitivity_caveats(answers, plan.targets.max_p95),
             "<li>The population's laws above are the scenario's assumptions, not fitted to "
              "data by this report (<code>powsim population import</code> fits them to a "
              "request log); the answers hold for those laws only.</li>",
             f"<li>{plan.replications} replications per point{grid}: a coarse first look; "
             f"<code>--replications</code>{options} and <code>--workers</code> enlarge it.</li>"]
    return '<div class="caveat"><h2>Caveats</h2><ul>' + "".join(items) + "</ul></div>"


def page(answers: Answers, plan: Plan, charts: dict[str, alt.TopLevelMixin],
         provenance: dict[str, object]) -> str:
    """The whole page: answers, tables (as written beside it), ``charts`` by id, caveats."""
    specs = json.dumps({f"chart-{name}": chart_spec(chart) for name, chart in charts.items()},
                       allow_nan=False).replace("</", "<\\/")
    div = {name: f'<div class="chart" id="chart-{name}"></div>' for name in charts}
    title = f"powsim report: {html.escape(plan.scenario.name)}"
    where = ("Every entry at the recommended a, held-out seeds" if answers.frontier is not None
             else "Each legitimate group at the scenario's worker count, steady-state window")
    held = f", held-out seed {plan.seed + 1}" if answers.frontier is not None else ""
    body = [
        f"<h1>{title}</h1>",
        f"<p>{html.escape(str(provenance.get('command')))} (seed {plan.seed}{held}, "
        f"{html.escape(str(provenance.get('created')))}). Every figure is a mean "
        f"over {plan.replications} replications with its Student-t 95 % CI.</p>",
        f"<h2>1. What my users ({html.escape(plan.legit)}) pay</h2>", _users_answer(answers, plan.legit),
        "<h3>The population's assumptions</h3>", table_html("assumptions.csv", answers.assumptions),
        f"<h3>{where}</h3>", table_html("users.csv", answers.users),
        "<h2>2. Which a</h2>", _a_answer(answers, plan.targets.max_p95),
        *([div["frontier"], table_html("frontier.csv", answers.frontier), div["deterrence"],
           table_html("deterrence.csv", answers.deterrence),
           "<h3>When the assumptions move</h3>", div["sensitivity"],
           table_html("sensitivity.csv", answers.sensitivity)]
          if answers.frontier is not None else []),
        "<h2>3. How many workers</h2>", _workers_answer(answers, plan), div["capacity"],
        table_html("capacity.csv", answers.capacity),
        _intensity_answer(answers, div.get("intensity", "")),
        _caveats(answers, plan)]
    return (f'<!DOCTYPE html>\n<html><head><meta charset="UTF-8"><title>{title}</title>'
            f"<style>{STYLE}</style>\n<script>{embed_script()}</script></head><body>\n"
            + "\n".join(body) +
            f"\n<script>const specs = {specs};\nwindow.powsimCharts = Promise.all("
            "Object.entries(specs).map(([id, spec]) => vegaEmbed('#' + id, spec, "
            "{actions: false})));\nwindow.powsimCharts.catch(console.error);</script>"
            "</body></html>\n")
