"""The address parser scored per field on real, hand-labelled addresses (Li et al., NAACL 2019).

    python bench/bench_real_addresses.py --data PATH/labelled_addresses.jsonl [--split test] [--show room 30]

The data has no licence: it is read only from the path given here and never copied into the repository.
Tune on `train`/`dev` only; quote `test`.

Scoring (the table of issue 13): for each field, accuracy over the addresses whose label has that field
("missing" = the parser gave nothing there, counted as wrong); "all four" = road, door number, building and
room all right, over the addresses whose label has at least one of the four (each one the label has must be
right; a field the label lacks is not judged).

With `--cpca`, cpca's batch `transform` (dev-only, `pip install -e ".[bench]"`) is scored the same way on the two
levels both tools return for these labels, city and district.

Mapping from NAACL labels to the parser's fields (both sides go through the parser's own text canonicalisation,
`canonical_batch`: NFKC, t2s, upper case, Chinese numerals before unit words -> digits):

- city <- `city`, scored like district.
- district <- `district`. The label is often short (`瓯海`, `安吉`, `石柱县`) where the parser returns the official
  name (`瓯海区`, `石柱土家族自治县`), so the parsed name is right when it equals the label or starts with it or with
  the label less its 区/县/市/旗 (two characters or more). A district renamed or merged since (江干区, now 上城区)
  is right when the gazetteer's rename table maps the written name to the parsed one.
- road <- `road` (the main road; `subroad` is a lane or section of it and not scored). Compared exactly.
- number (door number) <- `roadno`; `houseno` when the label has no `roadno` and the houseno is a bare `N号`
  (SOURCE.md: houseno is "the door number where no road is named"). Compared without a final 号.
- building <- `houseno` otherwise, split in the report into "with a unit word" (号楼/栋/幢/座/楼/#) and
  "bare" (digits and letters only, e.g. the `47` of `47-6-746`). Compared without the unit word.
- unit <- `cellno` (单元; also a stair 梯, a market aisle 街 or row 排), compared without that word or 号.
- floor <- `floorno`, compared without 楼/层/F.
- room <- `roomno`, compared without 室/号/房/房间/户.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shellring.matchers.address import parse_addresses  # noqa: E402
from shellring.matchers.divisions import gazetteer  # noqa: E402
from shellring.matchers.textnorm import canonical_batch  # noqa: E402

FIELDS = ["city", "district", "road", "number", "building", "building_word", "building_bare", "unit", "floor", "room"]
_STRIP = {
    "number": re.compile(r"号$"),
    "building": re.compile(r"(?:号楼|号馆|号|栋|幢|座|楼|#)$"),
    "unit": re.compile(r"(?:单元|号|梯|街|排)$"),
    "floor": re.compile(r"(?:楼层|楼|层|F)$"),
    "room": re.compile(r"(?:房间|室|号|房|户)$"),
}
_BUILDING_WORD = re.compile(r"(?:号楼|号馆|栋|幢|座|楼|#)$")
_DISTRICT_SUFFIX = re.compile(r"(?:区|县|市|旗)$")


def load(path: Path, splits: list[str]) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["split"] in splits:
                rows.append(r)
    return rows


def gold_fields(row: dict) -> dict[str, str]:
    """The label's value for each parser field (raw label text, first span of each label)."""
    spans: dict[str, str] = {}
    for label, text, _start, _end in row["spans"]:
        spans.setdefault(label, text)
    gold: dict[str, str] = {}
    if "district" in spans:
        gold["district"] = spans["district"]
    if "city" in spans:
        gold["city"] = spans["city"]
    if "road" in spans:
        gold["road"] = spans["road"]
    if "roadno" in spans:
        gold["number"] = spans["roadno"]
    house = spans.get("houseno")
    if house is not None:
        if "roadno" not in spans and re.fullmatch(r"[0-9０-９一二三四五六七八九十百零〇]+号", house):
            gold["number"] = house
        else:
            gold["building"] = house
    if "cellno" in spans:
        gold["unit"] = spans["cellno"]
    if "floorno" in spans:
        gold["floor"] = spans["floorno"]
    if "roomno" in spans:
        gold["room"] = spans["roomno"]
    return gold


def canon(values: list[str]) -> list[str]:
    return canonical_batch(values)


def norm(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip("-,，、 ")
    pattern = _STRIP.get(field)
    if pattern is not None:
        value = pattern.sub("", value)
    return value or None


def district_ok(parsed: str | None, gold: str) -> bool:
    if not parsed:
        return False
    core = _DISTRICT_SUFFIX.sub("", gold)
    if parsed == gold or (len(gold) >= 2 and parsed.startswith(gold)) or (len(core) >= 2 and parsed.startswith(core)):
        return True
    # a district renamed or merged since the address was written (江干区 -> 上城区): right when the gazetteer
    # maps the written name to the parsed one
    return any(d.level == 3 and d.name == parsed for d in gazetteer().full.get(gold, ()))


def parsed_fields(frame) -> list[dict[str, str | None]]:
    cols = frame.columns
    out = []
    for r in frame.iter_rows(named=True):
        building, unit = r["building"], r.get("unit") if "unit" in cols else None
        if "unit" not in cols and building and "/" in building:  # the parser before issue 13: building/unit
            building, unit = building.split("/", 1)
            building = building or None
        out.append({"city": r["city"], "district": r["district"], "road": r["road"], "number": r["number"],
                    "building": building, "unit": unit, "floor": r["floor"], "room": r["room"]})
    return out


def score(rows: list[dict], show: tuple[str, int] | None = None, with_cpca: bool = False) -> tuple[dict, int, float]:
    texts = [r["text"] for r in rows]
    t0 = time.perf_counter()
    frame = parse_addresses(texts)
    elapsed = time.perf_counter() - t0
    parsed = parsed_fields(frame)
    golds = [gold_fields(r) for r in rows]
    # canonicalise every gold value in one batch, as the parser canonicalises its input
    flat = [(i, k, v) for i, g in enumerate(golds) for k, v in g.items()]
    canon_values = canon([v for _, _, v in flat])
    for (i, k, _), c in zip(flat, canon_values, strict=True):
        golds[i][k] = c
    stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # n, right, missing
    all4 = [0, 0]
    shown = 0
    for row, gold, got in zip(rows, golds, parsed, strict=True):
        judged_four = []
        for field, value in gold.items():
            mine = got.get(field)
            if field in ("district", "city"):
                ok = district_ok(mine, value)
            else:
                ok = norm(field, mine) == norm(field, value)
            names = [field]
            if field == "building":
                names.append("building_word" if _BUILDING_WORD.search(value) else "building_bare")
            for name in names:
                s = stats[name]
                s[0] += 1
                s[1] += ok
                s[2] += not mine
            if field in ("road", "number", "building", "room"):
                judged_four.append(ok)
            if show and show[0] == field and not ok and shown < show[1]:
                shown += 1
                print(f"  {field}: want {value!r} got {mine!r}  | {row['text']}", file=sys.stderr)
        if judged_four:
            all4[0] += 1
            all4[1] += all(judged_four)
    stats["all four"] = [all4[0], all4[1], 0]
    if with_cpca:
        import cpca

        t0 = time.perf_counter()
        theirs = cpca.transform(texts)
        cpca_elapsed = time.perf_counter() - t0
        for field, column in (("cpca district", "区"), ("cpca city", "市")):
            s = stats[field]
            for gold, got in zip(golds, theirs[column].tolist(), strict=True):
                want = gold.get("district" if field == "cpca district" else "city")
                if want is None:
                    continue
                got = got if isinstance(got, str) else None
                s[0] += 1
                s[1] += district_ok(got, want)
                s[2] += not got
        stats["cpca seconds"] = [1, cpca_elapsed, 0]
    return stats, len(rows), elapsed


def table(results: dict[str, tuple[dict, int, float]]) -> str:
    splits = list(results)
    lines = ["| field | " + " | ".join(f"{s} acc (missing) n" for s in splits) + " |",
             "|---|" + "---|" * len(splits)]
    for field in FIELDS + ["all four", "cpca city", "cpca district"]:
        cells = []
        for s in splits:
            n, right, missing = results[s][0].get(field, [0, 0, 0])
            if not n:
                cells.append("-")
            elif field == "all four":
                cells.append(f"{100 * right / n:.1f}% {n}")
            else:
                cells.append(f"{100 * right / n:.1f}% ({100 * missing / n:.0f}%) {n}")
        lines.append(f"| {field} | " + " | ".join(cells) + " |")
    speed = " · ".join(f"{s}: {results[s][1]:,} addresses in {results[s][2]:.2f} s" for s in splits)
    if any("cpca seconds" in results[s][0] for s in splits):
        speed += "\ncpca.transform: " + " · ".join(
            f"{s}: {results[s][0]['cpca seconds'][1]:.2f} s" for s in splits)
    return "\n".join(lines) + "\n\n" + speed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="labelled_addresses.jsonl (not in the repository)")
    ap.add_argument("--split", nargs="+", default=["train", "dev", "test"], choices=["train", "dev", "test"])
    ap.add_argument("--show", nargs=2, metavar=("FIELD", "N"),
                    help="print N wrong FIELD values (train/dev only: never tune on test)")
    ap.add_argument("--cpca", action="store_true", help="score cpca (dev-only, the bench extra) on city/district")
    args = ap.parse_args()
    show = (args.show[0], int(args.show[1])) if args.show else None
    parse_addresses(["浙江省杭州市转塘街道"])  # load the gazetteer outside the timing
    results = {}
    for split in args.split:
        rows = load(args.data, [split])
        results[split] = score(rows, show if split != "test" else None, args.cpca)
    print(table(results))


if __name__ == "__main__":
    main()
