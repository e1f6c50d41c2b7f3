"""Published codes said in words, in any language the rule registry speaks.

The published DB keeps each cluster's reasons as sentence keys with their parameters (`clusters.reason_codes`,
`mitigation_codes`) and each link's evidence as reason codes with the shared value's masked display
(`links.evidence_codes`), so a report can be written in another language than the run's. Results published
before those columns existed fall back to the text the run wrote.
"""

from __future__ import annotations

import json
from functools import lru_cache

from shellring.flows.core.masking import mask_text
from shellring.flows.core.rules import sentence

# struct field in clusters.reason_codes -> the placeholder its sentences use
# the same branch, scope text or masked value recurs in thousands of links
_mask = lru_cache(maxsize=65536)(mask_text)

PLACEHOLDERS = {"pct": "{pct}", "value": "{value}", "made_by": "{by}", "made_on": "{on}", "added": "{added}",
                "risk": "{risk}"}


def _loads(codes: str | None) -> list[dict] | None:
    if not codes:
        return None
    return json.loads(codes)


def reason_lines(codes: str | None, fallback: str | None, lang: str) -> list[str]:
    """A cluster's reasons (or mitigations), strongest first, in `lang`; the published text if no codes."""
    parsed = _loads(codes)
    if parsed is None:
        return [part for part in (fallback or "").split("; ") if part]
    lines = []
    for item in parsed:
        text = "".join(sentence(key, lang) for key in item["keys"])
        for field, placeholder in PLACEHOLDERS.items():  # replace, as the SQL does: a name may hold braces
            if item.get(field) is not None:
                text = text.replace(placeholder, str(item[field]))
        lines.append(text)
    return lines


def link_reason_words(reasons: str | None, lang: str) -> str:
    """'SAME_ROOM+SAME_BUILDING' as short words: 'same room + same building'."""
    return " + ".join(sentence(f"short.{code}", lang) for code in (reasons or "").split("+") if code)


def evidence_text(codes: str | None, fallback: str | None, lang: str, value_chars: int | None = None) -> str:
    """A link's evidence in `lang`: each reason with the masked shared value (cut at value_chars if given), how
    many share it, days apart."""
    parsed = _loads(codes)
    if parsed is None:
        return _mask(fallback or "")
    parts = []
    for item in parsed:
        text = sentence(f"short.{item['reason']}", lang)
        if item.get("value"):
            value = _mask(str(item["value"]))
            if value_chars is not None and len(value) > value_chars:
                value = value[: value_chars - 1] + "…"
            text += " " + value
        if item.get("n_companies") is not None:
            text += sentence("page.shared_by", lang).replace("{n}", str(item["n_companies"]))
        if item.get("days_apart") is not None:
            text += sentence("page.days_apart", lang).replace("{days}", str(item["days_apart"]))
        parts.append(text)
    return "; ".join(parts)


def hub_why(hub: dict, lang: str) -> str:
    """Why a hub matters, from its published numbers."""
    def pct(share) -> str:
        return "" if share is None else f"{100 * share:.0f}%"

    return (sentence("page.hub_why", lang).replace("{n}", str(hub.get("n_companies")))
            .replace("{fast}", pct(hub.get("share_fast_open_7d"))).replace("{young}", pct(hub.get("share_rep_young")))
            .replace("{days}", str(hub.get("reg_span_days"))))


def change_word(change: str | None, lang: str) -> str:
    return sentence(f"change.{change}", lang) if change else ""
