"""Pictures of one flagged cluster as inline SVG: its network (companies and the values they share) and a
timeline (registrations and account openings on one date axis).

Drawn from the published DB only (`cluster_members`, `cluster_values`, `links`, `cluster_changes`), so every
label is a masked value, a pseudonym or a company's own name and code. The layout is computed here with
igraph from a fixed seed, so the same run draws the same picture; the SVG holds no script, no external
reference and no stylesheet (presentation attributes only), so a page under a strict Content-Security-Policy
shows it as it is. Hubs (values shared too widely to link anything) are drawn apart in a column on the right.
"""

from __future__ import annotations

import html
import math
import random
import threading
from dataclasses import dataclass, field
from datetime import date

import duckdb
import igraph

from shellring.flows.core.masking import mask_text
from shellring.flows.core.rules import LINK_REASONS, SENTENCES, sentence
from shellring.flows.results.phrases import link_reason_words

LAYOUT_SEED = 20240601
# igraph draws from one process-wide random source; pictures may be drawn from several threads (review page).
_LAYOUT_LOCK = threading.Lock()

COMPANY_FILL = "#4a78c2"
OPENED_FILL = "#e67700"
NODE_GROUP = f'fill="{COMPANY_FILL}" stroke="#fff"'  # what company circles inherit
NEW_RING = "#d6336c"
# kind -> (fill, shape); hubs are drawn in grey with a dashed outline whatever their kind
KIND_STYLE = {
    "person": ("#2b8a3e", "square"),
    "phone": ("#e67700", "diamond"),
    "room": ("#8d6e63", "triangle"),
    "branch": ("#1098ad", "down_triangle"),
}
HUB_FILL = "#adb5bd"
# link reason -> (stroke colour, dash pattern or "")
REASON_STROKE = {
    "SAME_REP": ("#2b8a3e", ""),
    "REP_IS_AGENT": ("#2b8a3e", "6 3"),
    "SAME_AGENT": ("#5c940d", "6 3"),
    "SAME_PHONE": ("#e67700", ""),
    "SAME_ROOM": ("#8d6e63", ""),
    "SAME_CONTACT_ADDRESS": ("#8d6e63", "6 3"),
    "BATCH_PROFILE": ("#1098ad", "2 3"),
    "BATCH_COHORT": ("#1098ad", ""),
    "SAME_BRANCH_DAYS": ("#1098ad", "2 3"),
}
DIRECT_STROKE = ("#adb5bd", "4 2 1 2")
HUB_STROKE = ("#ced4da", "3 3")
REASON_ORDER = {r.code: i for i, r in enumerate(sorted(LINK_REASONS, key=lambda r: -r.weight))}
MAIN_WIDTH, HEIGHT_MIN, HUB_COLUMN, MARGIN, LEGEND_HEIGHT = 600, 260, 170, 24, 64
LABEL_CHARS = 10


@dataclass(frozen=True)
class Node:
    node_id: str
    kind: str  # 'company' or an attr_kind
    label: str
    title: str
    is_hub: bool = False
    is_new: bool = False


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    reason: str  # a link reason, 'direct' (company to company) or 'hub'
    title: str


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[tuple]:
    return con.execute(sql, params).fetchall()


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("select count(*) from duckdb_tables() where table_name = ?", [name]).fetchone()[0])


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(con.execute("select count(*) from duckdb_columns() where table_name = ? and column_name = ?",
                            [table, column]).fetchone()[0])


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class ClusterRows:
    """What the pictures of one cluster are drawn from, as published."""
    members: list[tuple] = field(default_factory=list)  # uscc, company_name, trade_name, reg_date, first_open_date
    # value_id, attr_kind, value_display, is_hub, uscc, roles, reasons
    values: list[tuple] = field(default_factory=list)
    links: list[tuple] = field(default_factory=list)  # uscc_a, uscc_b, reason
    new: set[str] = field(default_factory=set)  # members new since the last run or the cluster's verdict


def load_clusters(con: duckdb.DuckDBPyConnection, run_id: str, cluster_ids: list[str]) -> dict[str, ClusterRows]:
    """The published rows of many clusters in a few queries (a report draws a thousand pictures)."""
    rows = {cid: ClusterRows() for cid in cluster_ids}
    verdict_flag = "new_since_verdict" if _has_column(con, "cluster_members", "new_since_verdict") else "false"
    for cid, *member, fresh in _rows(
            con, f"select cluster_id, uscc, company_name, trade_name, reg_date, first_open_date, {verdict_flag} "
                 "from cluster_members where run_id = ? and list_contains(?, cluster_id) order by cluster_id, uscc",
            [run_id, cluster_ids]):
        rows[cid].members.append(tuple(member))
        if fresh:
            rows[cid].new.add(member[0])
    if _has_table(con, "cluster_changes"):  # a new cluster has no new members: all of it is new
        for cid, companies in _rows(con, "select cluster_id, companies_added from cluster_changes where run_id = ? "
                                         "and list_contains(?, cluster_id) and change <> 'new'", [run_id, cluster_ids]):
            rows[cid].new.update(companies or [])
    if _has_table(con, "cluster_values"):  # published before cluster_values existed: companies and links only
        for cid, *value in _rows(
                con, "select cluster_id, value_id, attr_kind, value_display, is_hub, uscc, roles, reasons "
                     "from cluster_values where run_id = ? and list_contains(?, cluster_id) "
                     "order by cluster_id, value_id, uscc", [run_id, cluster_ids]):
            rows[cid].values.append(tuple(value))
    for cid, *link in _rows(con, "select cluster_id, uscc_a, uscc_b, reason from links where run_id = ? "
                                 "and list_contains(?, cluster_id) order by cluster_id, uscc_a, uscc_b",
                            [run_id, cluster_ids]):
        rows[cid].links.append(tuple(link))
    return rows


def new_members(con: duckdb.DuckDBPyConnection, run_id: str, cluster_id: str) -> set[str]:
    """Companies that joined since the last run (a new cluster has none: all of it is new) or since its verdict."""
    return load_clusters(con, run_id, [cluster_id])[cluster_id].new


def _words(lang: str, prefix: str, code: str) -> str:
    key = f"{prefix}.{code}"
    return SENTENCES[lang].get(key, code)


def cluster_graph(rows: ClusterRows, lang: str = "zh") -> tuple[list[Node], list[Edge]]:
    """The picture's nodes (one per member company and per shared value or hub) and edges."""
    nodes: list[Node] = []
    for uscc, name, trade, *_ in rows.members:
        name = mask_text(name or "")
        label = mask_text(trade or "") or name
        nodes.append(Node(uscc, "company", _short(label), name, is_new=uscc in rows.new))
    edges: list[Edge] = []
    seen: set[str] = set()
    carried: dict[str, set[str]] = {}
    for value_id, kind, display, is_hub, uscc, roles, reasons in rows.values:
        display = mask_text(display or "")
        if value_id not in seen:
            seen.add(value_id)
            nodes.append(Node(value_id, kind, _short(display, 12), f"{_words(lang, 'kind', kind)}: {display}",
                              is_hub=bool(is_hub)))
        role_words = ", ".join(_words(lang, "role", r) for r in roles or [])
        if is_hub:
            edges.append(Edge(uscc, value_id, "hub", role_words))
            continue
        carried.setdefault(uscc, set()).add(value_id)
        ordered = sorted(reasons or [], key=lambda r: REASON_ORDER.get(r, 99))
        words = ", ".join(_words(lang, "short", r) for r in ordered)
        edges.append(Edge(uscc, value_id, ordered[0] if ordered else "direct",
                          f"{words} ({role_words})" if role_words else words))
    for uscc_a, uscc_b, reason in rows.links:
        if carried.get(uscc_a, set()) & carried.get(uscc_b, set()):
            continue  # drawn through a value both carry
        edges.append(Edge(uscc_a, uscc_b, "direct", link_reason_words(reason, lang)))
    return nodes, edges


def _layout(nodes: list[Node], edges: list[Edge]) -> dict[str, tuple[float, float]]:
    """Positions of the non-hub nodes in the unit square: Fruchterman-Reingold from a circle, fixed seed."""
    main = [n.node_id for n in nodes if not n.is_hub]
    if not main:
        return {}
    index = {node_id: i for i, node_id in enumerate(main)}
    pairs = sorted({(min(index[e.source], index[e.target]), max(index[e.source], index[e.target]))
                    for e in edges if e.source in index and e.target in index and e.source != e.target})
    graph = igraph.Graph(n=len(main), edges=pairs)
    start = [[math.cos(2 * math.pi * i / len(main)), math.sin(2 * math.pi * i / len(main))] for i in range(len(main))]
    with _LAYOUT_LOCK:
        igraph.set_random_number_generator(random.Random(LAYOUT_SEED))
        try:
            coords = graph.layout_fruchterman_reingold(seed=start, niter=500).coords if len(main) > 1 else [[0, 0]]
        finally:
            igraph.set_random_number_generator(random)
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    return {node_id: ((xs[i] - min(xs)) / span_x, (ys[i] - min(ys)) / span_y) for node_id, i in index.items()}


def _shape(node: Node, x: float, y: float, legend: bool = False) -> str:
    """A node's shape; its class (company, value, hub, or legend) is what tests count against the published DB."""
    title = f"<title>{_e(node.title)}</title>"
    if node.kind == "company":  # fill and a white outline come from the enclosing group (NODE_GROUP)
        ring = f' stroke="{NEW_RING}" stroke-width="3"' if node.is_new else ""
        cls = "legend" if legend else "company new" if node.is_new else "company"
        return f'<circle class="{cls}" cx="{x:.0f}" cy="{y:.0f}" r="7"{ring}>{title}</circle>'
    fill, shape = KIND_STYLE.get(node.kind, ("#495057", "square"))
    stroke_none = ' stroke="none"'
    if node.is_hub:
        fill = HUB_FILL
    stroke = ' stroke="#495057" stroke-dasharray="2 2"' if node.is_hub else stroke_none
    cls = "legend" if legend else "hub" if node.is_hub else "value"
    s = 6
    if shape == "square":
        return (f'<rect class="{cls}" x="{x - s:.0f}" y="{y - s:.0f}" width="{2 * s}" height="{2 * s}" '
                f'fill="{fill}"{stroke}>{title}</rect>')
    points = {
        "diamond": [(0, -s - 1), (s + 1, 0), (0, s + 1), (-s - 1, 0)],
        "triangle": [(0, -s - 1), (s + 1, s), (-s - 1, s)],
        "down_triangle": [(0, s + 1), (s + 1, -s), (-s - 1, -s)],
    }[shape]
    text = " ".join(f"{x + dx:.0f},{y + dy:.0f}" for dx, dy in points)
    return f'<polygon class="{cls}" points="{text}" fill="{fill}"{stroke}>{title}</polygon>'


def _legend(lang: str, kinds: list[str], reasons: list[str], y: float, width: float) -> str:
    parts, x = [], MARGIN
    entries = [Node("_", "company", "", sentence("kind.company", lang))]
    entries += [Node("_", k, "", sentence(f"kind.{k}", lang)) for k in kinds]
    for entry in entries:
        parts.append(f"<g {NODE_GROUP}>{_shape(entry, x, y, legend=True)}</g>")
        label = entry.title.split("（")[0].split(" (")[0]
        parts.append(f'<text x="{x + 10:.0f}" y="{y + 4:.0f}">{_e(label)}</text>')
        x += 26 + 12 * len(label) if lang == "zh" else 20 + 6.5 * len(label)
    parts.append(f'<circle cx="{x:.0f}" cy="{y:.0f}" r="7" fill="{COMPANY_FILL}" stroke="{NEW_RING}" '
                 f'stroke-width="3"/><text x="{x + 10:.0f}" y="{y + 4:.0f}">{_e(sentence("page.new_member", lang))}'
                 "</text>")
    x, y = MARGIN, y + 20
    for reason in reasons:
        colour, dash = _stroke(reason)
        label = sentence("short.direct" if reason == "direct" else "kind.hub" if reason == "hub"
                         else f"short.{reason}", lang).split("（")[0].split(" (")[0]
        advance = 34 + (12 * len(label) if lang == "zh" else 6.5 * len(label))
        if x + advance > width:
            x, y = MARGIN, y + 16
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line x1="{x - 6:.0f}" y1="{y:.0f}" x2="{x + 14:.0f}" y2="{y:.0f}" stroke="{colour}" '
                     f'stroke-width="2"{dash_attr}/><text x="{x + 18:.0f}" y="{y + 4:.0f}">{_e(label)}</text>')
        x += advance
    return "".join(parts)


def _stroke(reason: str) -> tuple[str, str]:
    if reason == "hub":
        return HUB_STROKE
    return REASON_STROKE.get(reason, DIRECT_STROKE)


def cluster_network_svg(con: duckdb.DuckDBPyConnection, run_id: str, cluster_id: str, lang: str = "zh") -> str:
    """The cluster's companies and the values they share, as one self-contained inline <svg>."""
    return network_svg(load_clusters(con, run_id, [cluster_id])[cluster_id], cluster_id, lang)


def cluster_timeline_svg(con: duckdb.DuckDBPyConnection, run_id: str, cluster_id: str, lang: str = "zh") -> str:
    """Registrations and first account openings of the cluster's companies on one date axis."""
    return timeline_svg(load_clusters(con, run_id, [cluster_id])[cluster_id], cluster_id, lang)


def network_svg(rows: ClusterRows, cluster_id: str, lang: str = "zh") -> str:
    nodes, edges = cluster_graph(rows, lang)
    positions = _layout(nodes, edges)
    hubs = [n for n in nodes if n.is_hub]
    main_count = len(nodes) - len(hubs)
    side = max(HEIGHT_MIN, min(900, 60 * math.sqrt(max(main_count, 1))))
    height = max(side, 22 * len(hubs) + 2 * MARGIN)
    width = MAIN_WIDTH + (HUB_COLUMN if hubs else 0)
    plot_w, plot_h = MAIN_WIDTH - 2 * MARGIN - 60, height - 2 * MARGIN
    xy = {node_id: (MARGIN + 30 + px * plot_w, MARGIN + py * plot_h) for node_id, (px, py) in positions.items()}
    for i, hub in enumerate(hubs):
        xy[hub.node_id] = (MAIN_WIDTH + 16, MARGIN + (i + 0.5) * (plot_h / max(len(hubs), 1)))
    by_style: dict[tuple[str, str], list[str]] = {}
    for edge in edges:
        (x1, y1), (x2, y2) = xy[edge.source], xy[edge.target]
        # a company-to-company edge says its reasons; an edge to a value is the value's kind (legend, node title)
        title = f"<title>{_e(edge.title)}</title>" if edge.reason == "direct" else ""
        by_style.setdefault(_stroke(edge.reason), []).append(
            f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}">{title}</line>'
            if title else f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}"/>')
    lines = "".join(
        f'<g class="edges" stroke="{colour}" stroke-width="{1 if (colour, dash) == HUB_STROKE else 1.6}"'
        + (f' stroke-dasharray="{dash}"' if dash else "") + ">" + "".join(group) + "</g>"
        for (colour, dash), group in sorted(by_style.items()))
    shapes, labels = [], []
    for node in nodes:
        x, y = xy[node.node_id]
        shapes.append(_shape(node, x, y))
        weight = ' font-weight="bold"' if node.is_new else ""
        # labels near an edge run inwards, so a long branch name is not cut off by the picture's border
        side = "start" if node.is_hub or x < 90 else "end" if x > MAIN_WIDTH - 90 else "middle"
        anchor = f' text-anchor="{side}"'
        lx, ly = (x + 10, y + 4) if node.is_hub else (x - 8 if side == "start" else x + 8 if side == "end" else x,
                                                        y + 18)
        labels.append(f'<text x="{lx:.0f}" y="{ly:.0f}"{anchor}{weight}>{_e(node.label)}</text>')
    kinds = [k for k in KIND_STYLE if any(n.kind == k for n in nodes)]
    reasons = sorted({e.reason for e in edges}, key=lambda r: (REASON_ORDER.get(r, 99), r))
    legend = _legend(lang, kinds, reasons, height + 14, width)
    total_h = height + LEGEND_HEIGHT + 16 * max(0, len(reasons) - 4) // 2
    companies = sum(1 for n in nodes if n.kind == "company")
    label = sentence("page.picture_label", lang).format(cluster=cluster_id, companies=companies,
                                                       values=len(nodes) - companies)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="network" role="img" aria-label="{_e(label)}" '
            f'data-cluster="{_e(cluster_id)}" viewBox="0 0 {width:.0f} {total_h:.0f}" width="{width:.0f}" '
            f'height="{total_h:.0f}" font-family="sans-serif" font-size="10" fill="#222">'
            f"{lines}<g {NODE_GROUP}>{''.join(shapes)}</g><g>{''.join(labels)}</g>"
            f'<g font-size="10">{legend}</g></svg>')


def timeline_svg(cluster: ClusterRows, cluster_id: str, lang: str = "zh") -> str:
    fresh = cluster.new
    rows = [(uscc, reg, opened) for uscc, _, _, reg, opened in cluster.members]
    dates = [d for _, reg, opened in rows for d in (reg, opened) if d is not None]
    width, height, left, right = 640, 96, 70, 16
    label = sentence("page.timeline_label", lang).format(cluster=cluster_id)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" aria-label="{_e(label)}" '
            f'data-cluster="{_e(cluster_id)}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'font-family="sans-serif" font-size="10" fill="#222">')
    if not dates:
        return head + f'<text x="{left}" y="40">{_e(sentence("page.none", lang))}</text></svg>'
    first, last = min(dates), max(dates)
    span = max((last - first).days, 1)

    def x_of(day: date) -> float:
        return left + (day - first).days / span * (width - left - right)

    lanes = {"reg": 28, "open": 56}
    # one mark per lane, day and new/old: its height grows with how many companies it stands for
    counts: dict[tuple[str, date, bool], int] = {}
    for uscc, reg, opened in rows:
        for lane, day in (("reg", reg), ("open", opened)):
            if day is not None:
                key = (lane, day, uscc in fresh)
                counts[key] = counts.get(key, 0) + 1
    marks = []
    for (lane, day, is_new), n in sorted(counts.items()):
        x, y = x_of(day), lanes[lane]
        tall = min(4 + 3 * (n - 1), 20)
        colour = NEW_RING if is_new else COMPANY_FILL if lane == "reg" else OPENED_FILL
        marks.append(f'<rect x="{x - 2:.0f}" y="{y + 3 - tall:.0f}" width="4" height="{tall}" '
                     f'fill="{colour}"><title>{day.isoformat()} ×{n}</title></rect>')
    axis_y = 72
    ticks = []
    for fraction in (0, 0.5, 1):
        day = date.fromordinal(first.toordinal() + round(span * fraction))
        anchor = "start" if fraction == 0 else "end" if fraction == 1 else "middle"
        ticks.append(f'<line x1="{x_of(day):.0f}" y1="{axis_y}" x2="{x_of(day):.0f}" y2="{axis_y + 4}" '
                     f'stroke="#555"/><text x="{x_of(day):.0f}" y="{axis_y + 15}" text-anchor="{anchor}">'
                     f"{day.isoformat()}</text>")
    return (head + f'<text x="4" y="{lanes["reg"] + 4}">{_e(sentence("page.registered", lang))}</text>'
            f'<text x="4" y="{lanes["open"] + 4}">{_e(sentence("page.opened", lang))}</text>'
            f'<line x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}" stroke="#555"/>'
            + "".join(ticks) + "".join(marks) + "</svg>")
