"""The README's rule and pipeline sections, rendered from the rule registry and the plan.

`python -m shellring.flows.pipeline.readme README.md` rewrites the parts between the markers
`<!-- generated:NAME -->` and `<!-- /generated:NAME -->`; a test fails when the README and the
registry disagree, so the README cannot drift from the rules the job applies.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from shellring.flows.core import rules
from shellring.flows.core.settings import Settings
from shellring.flows.core.sqlsteps import SqlStep
from shellring.flows.pipeline.plan import STAGES, stage_steps, writes

_SCALING = {
    None: "",
    "landline": " (× fixed_line_factor for landlines and 400 numbers)",
    "season": " (× room_reuse_factor between companies that arrived more than weak_days apart)",
    "rarity": " (scaled down above weak_rarity_size companies)",
}


def link_reason_table(settings: Settings | None = None) -> str:
    settings = settings or Settings()
    lines = ["| reason | family | weight | emitted by | evidence |", "|---|---|---|---|---|"]
    for reason in rules.LINK_REASONS:
        family = "own" if reason.family == reason.code else f"`{reason.family}`"
        lines.append(f"| `{reason.code}` | {family} | {settings.weights[reason.code]:g}{_SCALING[reason.scaled_by]} "
                     f"| `{reason.produced_by}` | {rules.sentence(f'reason.{reason.code}')} |")
    return "\n".join(lines)


def risk_term_table(settings: Settings | None = None) -> str:
    settings = settings or Settings()
    lines = ["| term | weight | thresholds | says |", "|---|---|---|---|"]
    for term in rules.RISK_TERMS:
        configured = settings.risk_terms[term.code]
        thresholds = ", ".join(f"{k}={v:g}" for k, v in configured.thresholds.items()) or "-"
        lines.append(f"| `{term.code}` | {configured.weight:g} | {thresholds} | "
                     f"{rules.sentence(f'risk.{term.code}')} |")
    return "\n".join(lines)


def verdict_table() -> str:
    lines = ["| verdict | on | effect |", "|---|---|---|"]
    lines += [f"| `{kind.code}` | {kind.target} | `{kind.effect.value}` |" for kind in rules.VERDICT_KINDS]
    return "\n".join(lines)


def pipeline_outline() -> str:
    lines = []
    for stage in STAGES:
        steps = []
        for step in stage_steps(stage):
            tables = ", ".join(writes(step)) or step.name  # a step that only sets up its stage's connection
            steps.append(f"`{tables}`" if isinstance(step, SqlStep) else f"`{tables}` (Python)")
        lines.append(f"- **{stage}**: " + " → ".join(steps))
    return "\n".join(lines)


SECTIONS = {
    "link-reasons": link_reason_table,
    "risk-terms": risk_term_table,
    "verdicts": verdict_table,
    "pipeline": pipeline_outline,
}


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- generated:{name} -->\n)(.*?)(<!-- /generated:{name} -->)", re.S)


def rendered(text: str) -> str:
    """The README text with every generated section rendered anew."""
    for name, render in SECTIONS.items():
        pattern = _pattern(name)
        if not pattern.search(text):
            raise ValueError(f"the README has no generated section {name!r}")
        text = pattern.sub(lambda m, r=render: m.group(1) + r() + "\n" + m.group(3), text)
    return text


def main(path: str = "README.md") -> None:
    readme = Path(path)
    readme.write_text(rendered(readme.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
