#!/usr/bin/env python3
"""Query-variant benchmark: does a listing still come up when its title is
typed the way buyers type on a phone?

For a sample of real Mercari listings (../shared/data/mercari), each title
is searched as itself and as variants: cut mid-word (still being typed), one
typo in a word, two words run together, one word split in two, and with
case, full-width and accent changes. A variant counts as placed when its
listing is in the top 10 AND the changed word itself is highlighted in that
hit (found through the word, not merely through the other words by
relaxation). Variants no engine could place are skipped: those whose
intended words match ten or more other listings.

Needs a running search-server over an index that holds the Mercari
listings (scripts/bench_variants.sh builds one, with a 1M background).

    scripts/bench_variants.py --port 8080 --tsv ../shared/data/mercari/mercari_train_5k.tsv
"""

import argparse
import csv
import html
import json
import random
import re
import statistics
import sys
import time
import unicodedata
import urllib.parse
import urllib.request

GOALS = {"exact": 0.98, "prefix": 0.90, "typo": 0.85, "joined": 0.85, "split": 0.85, "case/width/accent": None,
         "  prefix, 2 letters typed": None, "  prefix, 3+ letters typed": None}
TOP = 10
MAX_SHARING = 10  # a variant whose intended words match this many other listings is skipped
WORD = re.compile(r"[A-Za-z]+")


def search(port, text, extra=None):
    params = {"q": text, "limit": str(TOP)}
    params.update(extra or {})
    url = f"http://127.0.0.1:{port}/v1/search?" + urllib.parse.urlencode(params)
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:
        body = json.load(response)
    return body, (time.perf_counter() - started) * 1000


def letters_words(title):
    """(start, end, word) of each run of ASCII letters in the title."""
    return [(m.start(), m.end(), m.group()) for m in WORD.finditer(title)]


def highlighted_spans(marked):
    """Character spans of the <em> parts of a highlighted title, in the plain title."""
    spans, plain_length, position = [], 0, 0
    for part in re.split(r"(<em>|</em>)", marked):
        if part == "<em>":
            position = plain_length
        elif part == "</em>":
            spans.append((position, plain_length))
        else:
            plain_length += len(html.unescape(part))
    return spans


def word_is_marked(hit, start, end):
    spans = highlighted_spans(hit["highlighted_title"])
    return any(s < end and e > start for s, e in spans)


# Each variant: (text to search, intended text for the skip rule, [(start, end)] of the changed words
# in the title) or None when the title offers nothing to change.

def exact(title, rng):
    words = letters_words(title)
    if not words:
        return None
    start, end, _ = rng.choice(words)
    return title, title, [(start, end)]


def prefix(title, rng):
    words = [w for w in letters_words(title) if len(w[2]) >= 4]
    if not words:
        return None
    start, end, word = rng.choice(words)
    typed = rng.randint(2, len(word) - 1)
    return title[:start + typed], title[:end], [(start, end)]


def typo(title, rng):
    words = [w for w in letters_words(title) if len(w[2]) >= 5]
    if not words:
        return None
    start, end, word = rng.choice(words)
    i = rng.randrange(1, len(word) - 1)  # buyers rarely miss the first letter
    kind = rng.choice(["substitute", "delete", "insert", "transpose"])
    letters = "abcdefghijklmnopqrstuvwxyz"
    if kind == "substitute":
        changed = word[:i] + rng.choice([c for c in letters if c != word[i].lower()]) + word[i + 1:]
    elif kind == "delete":
        changed = word[:i] + word[i + 1:]
    elif kind == "insert":
        changed = word[:i] + rng.choice(letters) + word[i:]
    else:
        changed = word[:i] + word[i + 1] + word[i] + word[i + 2:] if i + 1 < len(word) else word[:i - 1] + word[i] + word[i - 1]
    if changed.lower() == word.lower():
        return None
    return title[:start] + changed + title[end:] + " ", title, [(start, end)]


def joined(title, rng):
    words = letters_words(title)
    pairs = [(a, b) for a, b in zip(words, words[1:])
             if title[a[1]:b[0]] == " " and len(a[2]) >= 3 and len(b[2]) >= 3]
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    return title[:a[1]] + title[b[0]:] + " ", title, [(a[0], a[1]), (b[0], b[1])]


def split(title, rng):
    words = [w for w in letters_words(title) if len(w[2]) >= 6]
    if not words:
        return None
    start, end, word = rng.choice(words)
    at = rng.randint(3, len(word) - 3)
    return title[:start + at] + " " + title[start + at:] + " ", title, [(start, end)]


def case_width_accent(title, rng):
    words = [w for w in letters_words(title) if len(w[2]) >= 3]
    if not words:
        return None
    start, end, word = rng.choice(words)
    kind = rng.choice(["upper", "lower", "fullwidth", "accent"])
    if kind == "upper":
        changed = word.upper()
    elif kind == "lower":
        changed = word.lower()
    elif kind == "fullwidth":
        changed = "".join(chr(ord(c) + 0xFEE0) for c in word)
    else:
        vowels = [i for i, c in enumerate(word) if c.lower() in "aeiou"]
        if not vowels:
            return None
        i = rng.choice(vowels)
        changed = word[:i] + unicodedata.normalize("NFC", word[i] + "\u0301") + word[i + 1:]
    return title[:start] + changed + title[end:] + " ", title, [(start, end)]


VARIANTS = {"exact": exact, "prefix": prefix, "typo": typo, "joined": joined, "split": split,
            "case/width/accent": case_width_accent}


def typed_letters(text):
    """Letters of the last, partly typed word of a prefix variant."""
    words = WORD.findall(text)
    return len(words[-1]) if words else 0


def sharing(port, intended, cache):
    """Other listings matching every intended word (no typos, no relaxation)."""
    if intended not in cache:
        body, _ = search(port, intended + " ", {"matching": "all"})
        cache[intended] = body["total"]
    return cache[intended]


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="a running search-server")
    parser.add_argument("--tsv", required=True, help="a Mercari .tsv file (the listings the index holds, ids m<train_id>)")
    parser.add_argument("--listings", type=int, default=400, help="listings sampled (default 400)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-misses", type=int, default=0, help="print this many missed variants per class")
    parser.add_argument("--skip-port", type=int,
                        help="decide which variants to skip on this server instead (the one a change is compared "
                             "with: the skip rule counts matches, which a matching change moves)")
    args = parser.parse_args()

    csv.field_size_limit(sys.maxsize)
    with open(args.tsv, newline="", encoding="utf-8") as tsv:
        rows = [(f"m{row['train_id']}", row["name"]) for row in csv.DictReader(tsv, delimiter="\t")]
    rng = random.Random(args.seed)
    sample = rng.sample(rows, min(args.listings, len(rows)))
    shared_cache = {}
    results = {name: {"placed": 0, "tried": 0, "skipped": 0, "client_ms": [], "server_ms": [], "misses": []}
               for name in GOALS}
    for listing_id, title in sample:
        for name, make in VARIANTS.items():
            variant = make(title, rng)
            if variant is None:
                continue
            text, intended, changed = variant
            classes = [results[name]]
            if name == "prefix":
                classes.append(results["  prefix, 2 letters typed" if typed_letters(text) == 2 else "  prefix, 3+ letters typed"])
            if sharing(args.skip_port or args.port, intended, shared_cache) - 1 >= MAX_SHARING:
                for stats in classes:
                    stats["skipped"] += 1
                continue
            body, client_ms = search(args.port, text)
            hit = next((h for h in body["hits"] if h["listing"]["id"] == listing_id), None)
            placed = hit is not None and all(word_is_marked(hit, s, e) for s, e in changed)
            for stats in classes:
                stats["tried"] += 1
                stats["client_ms"].append(client_ms)
                stats["server_ms"].append(body["took_ms"])
                if placed:
                    stats["placed"] += 1
                else:
                    stats["misses"].append((text, title, "not in the top 10" if hit is None else "word not matched"))

    print(f"{len(sample)} Mercari listings, variants placed = listing in the top {TOP} with the changed word highlighted")
    print(f"{'class':<26} {'tried':>6} {'skipped':>8} {'placed':>8} {'goal':>6}   {'client p50':>10} {'p99':>7}   {'server p50':>10} {'p99':>7}")
    for name, stats in results.items():
        tried = stats["tried"]
        share = stats["placed"] / tried if tried else float("nan")
        goal = GOALS[name]
        verdict = "" if goal is None else ("ok" if share >= goal else "BELOW")
        print(f"{name:<26} {tried:>6} {stats['skipped']:>8} {share:>8.1%} {'' if goal is None else f'{goal:.0%}':>6}"
              f"   {percentile(stats['client_ms'], 0.5):>10.2f} {percentile(stats['client_ms'], 0.99):>7.2f}"
              f"   {percentile(stats['server_ms'], 0.5):>10.2f} {percentile(stats['server_ms'], 0.99):>7.2f}  {verdict}")
        for text, title, why in stats["misses"][:args.show_misses if not name.startswith(" ") else 0]:
            print(f"    missed ({why}): {text!r}  <- {title!r}")


if __name__ == "__main__":
    main()
