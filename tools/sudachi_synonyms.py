#!/usr/bin/env python3
"""Builds src/search/sudachi/{lexemes,index}.txt from SudachiDict's synonym dictionary.

Source: the npm package `sudachi-synonyms-dictionary` (Apache-2.0; SudachiDict's
synonyms.txt as JSON). Run from the repository root:

    (cd /tmp && npm pack sudachi-synonyms-dictionary && tar xzf sudachi-synonyms-dictionary-*.tgz)
    python3 tools/sudachi_synonyms.py /tmp/package/sudachi-synonyms-dictionary.json

Only one *lexeme* is a synonym set here (one group id and vocabulary number: spelling
variants, the English spelling, translations and abbreviations of one word), never a
whole group (near-synonyms such as 曖昧 / 不明確), which would cost precision.

lexemes.txt: one lexeme per line, its forms separated by tabs.
index.txt: `key<TAB>byte offset of the lexeme's line`, sorted by key (UTF-8 bytes): every
form allowed to trigger an expansion (SudachiDict's expand-control flag 0). The key is
the form in NFKC, lowercased, without whitespace and `・`; src/search/lexicon.rs computes
the same key and a unit test checks every line of the index against it.
"""
import collections
import json
import sys
import unicodedata


def key(form: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKC", form).lower() if not c.isspace() and c != "・"
    )


def main(path: str) -> None:
    groups = json.load(open(path, encoding="utf-8"))
    lexemes = collections.OrderedDict()
    for group in groups:
        for item in group["items"]:
            if item["expandControl"] == 2:  # kept by SudachiDict as a deletion record
                continue
            form = item["midashi"].strip()
            if not form or "\t" in form or "\n" in form:
                continue
            lexemes.setdefault((group["id"], item["vocabularyNumber"]), []).append(
                (form, item["expandControl"] == 0)
            )
    out_lexemes = []
    index = []
    offset = 0
    for forms in lexemes.values():
        seen = {}
        for form, triggers in forms:
            k = key(form)
            if k:
                seen.setdefault(k, [form, False])
                seen[k][1] |= triggers
        if len(seen) < 2:
            continue
        line = "\t".join(form for form, _ in seen.values()) + "\n"
        for k, (_, triggers) in seen.items():
            if triggers:
                index.append((k, offset))
        out_lexemes.append(line)
        offset += len(line.encode("utf-8"))
    index.sort(key=lambda e: (e[0].encode("utf-8"), e[1]))
    with open("src/search/sudachi/lexemes.txt", "w", encoding="utf-8", newline="\n") as f:
        f.writelines(out_lexemes)
    with open("src/search/sudachi/index.txt", "w", encoding="utf-8", newline="\n") as f:
        f.writelines(f"{k}\t{o}\n" for k, o in index)
    print(f"{len(out_lexemes)} lexemes, {len(index)} keys")


if __name__ == "__main__":
    main(sys.argv[1])
