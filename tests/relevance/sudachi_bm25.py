"""A baseline for the relevance benchmark: BM25 over SudachiPy-normalised tokens.

Usage: sudachi_bm25.py SESSIONS.jsonl QUERIES.jsonl
SESSIONS.jsonl: {"id": "event#session", "text": ...} per line (written by benches/relevance.rs).
QUERIES.jsonl: {"q": ...} per line. Prints, per query, a JSON list of the top 10 ids.
Needs: pip install sudachipy sudachidict_core rank_bm25 (exits 2 without them).
"""

import json
import sys
import unicodedata

try:
    from rank_bm25 import BM25Okapi
    from sudachipy import dictionary, tokenizer
except ImportError as e:
    print(f"missing Python package: {e.name}", file=sys.stderr)
    sys.exit(2)

# Mode A (the shortest units) so that a part of a compound is a token of its own.
TOKENIZER = dictionary.Dictionary(dict="core").tokenizer()
MODE = tokenizer.Tokenizer.SplitMode.A
SKIP = {"補助記号", "空白"}


def tokens(text):
    text = unicodedata.normalize("NFKC", text).lower()
    out = []
    # Sudachi refuses inputs over ~49 KB; sessions are far shorter, lines keep it safe.
    for line in text.split("\n"):
        for m in TOKENIZER.tokenize(line, MODE):
            if m.part_of_speech()[0] in SKIP:
                continue
            out.append(m.normalized_form().lower())
    return out


def main():
    sessions = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
    queries = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
    ids = [s["id"] for s in sessions]
    bm25 = BM25Okapi([tokens(s["text"]) for s in sessions])
    for q in queries:
        terms = tokens(q["q"])
        scores = bm25.get_scores(terms) if terms else [0.0] * len(ids)
        ranked = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: -scores[i])
        print(json.dumps([ids[i] for i in ranked[:10]], ensure_ascii=False))


main()
