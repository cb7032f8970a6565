"""PII masking: recall and false positives on tests/fixtures/pii_cases.jsonl, and masking/ingest speed.

    HF_HUB_OFFLINE=1 PYTHONPATH=src python benchmarks/pii.py [--rows 5000] [--json out.json]

Recall: share of personal values (per kind and overall) of which no trace survives masking (the value, with
zero-width characters removed, is not in the output). False positives: share of look-alike values (order
numbers, dates, prices, versions) that did not survive unchanged. Spacing: share of masks followed by the same
character as the value was (masking must not eat the space after it). Speed: ``mask_pii`` and
``ingest.items_from_table`` (clean + mask + checks) over the first ``--rows`` rows of the bundled sample's
tickets, best of 3. Run it with another checkout's ``src`` on PYTHONPATH for a before/after comparison.
"""
from __future__ import annotations

import argparse
import json
import re
import time
from collections import defaultdict
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "pii_cases.jsonl"
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")


def quality(mask) -> dict:
    cases = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]
    found, total = defaultdict(int), defaultdict(int)
    kept = fp_total = spaced = space_total = 0
    misses, false_pos = [], []
    for case in cases:
        out = mask(case["text"])
        for kind, value in case["pii"]:
            total[kind] += 1
            visible = _INVISIBLE.sub("", value)
            if visible not in out and value not in out:
                found[kind] += 1
                after = case["text"][case["text"].index(value) + len(value):][:1]
                if after:
                    space_total += 1
                    spaced += bool(re.search(r"\]" + re.escape(after), out))
            else:
                misses.append((kind, value))
        for value in case["keep"]:
            fp_total += 1
            if value in out:
                kept += 1
            else:
                false_pos.append((value, out))
    return {"recall": round(sum(found.values()) / sum(total.values()), 3),
            "recall_by_kind": {k: f"{found[k]}/{total[k]}" for k in sorted(total)},
            "false_positive_rate": round((fp_total - kept) / fp_total, 3), "false_positives": false_pos,
            "following_char_kept": round(spaced / max(space_total, 1), 3), "misses": misses,
            "pii_values": sum(total.values()), "look_alikes": fp_total}


def speed(rows: int) -> dict:
    from feedback2journey.config import Settings
    from feedback2journey.inputs.columns import detect_columns
    from feedback2journey.inputs.ingest import items_from_table
    from feedback2journey.inputs.read import read_table
    from feedback2journey.resources import sample_paths
    from feedback2journey.text.redact import mask_pii

    path = [p for p in sample_paths() if Path(p).name == "tickets.csv"][0]
    table = read_table(path)
    table.frame = pd.concat([table.frame] * (rows // len(table.frame) + 1), ignore_index=True).head(rows)
    cols = detect_columns(table.frame)
    texts = table.frame[cols.text[-1]].astype(str).tolist()
    best_mask = best_ingest = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for t in texts:
            mask_pii(t)
        best_mask = min(best_mask, time.perf_counter() - t0)
        t0 = time.perf_counter()
        items_from_table(table, "tickets", cols, Settings(), redact=True)
        best_ingest = min(best_ingest, time.perf_counter() - t0)
    return {"rows": rows, "mask_pii_texts_per_s": round(len(texts) / best_mask), "ingest_s": round(best_ingest, 3),
            "ingest_rows_per_s": round(rows / best_ingest)}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    from feedback2journey.text.redact import mask_pii

    result = {"quality": quality(mask_pii), "speed": speed(args.rows)}
    print(json.dumps(result, indent=1, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
