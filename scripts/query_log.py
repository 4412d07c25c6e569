#!/usr/bin/env python3
"""Write a query log for the benchmarks: one /v1/search request path per line.

Real marketplace query logs are heavily skewed: a few hundred queries make
up most traffic and a long tail of rarer ones follows. Two kinds of log:

Long tail (with --listings, the benchmarks' log): DISTINCT queries of 1 to 4
words taken from the titles and brands of a listings file, each a full v1
request (top 20 with exact brand and category facets), of these classes:
  plain   words as they stand in a title or brand; a set share of them
          (--few-share) match fewer than 20 listings with all their words,
          so the default ranking relaxes them;
  prefix  the last word cut mid-word, as typed (--prefix-share);
  typo    one edit in one word: a neighbouring key, a letter dropped,
          doubled or swapped (--typo-share);
and, on any of them, a filter taken from the source listing (brand,
category, price range or condition; --filter-share) and a sort (price_asc,
price_desc, newest; --sort-share). Each request's all-words match count is
counted once, by a search-server on --index with relaxation and spelling
correction off (relax.min_matches = 0, spelling.auto_correct = 0; exact
totals, filters applied). Writes two files:
  OUTPUT               --count requests drawn by Zipf popularity over the
                       distinct ones (broad queries more popular): what wrk
                       (scripts/wrk_queries.lua) replays;
  OUTPUT.classes.tsv   one row per distinct request, most popular first:
                       rank, request, shape, filter, sort, words, all_words:
                       what scripts/bench_query.py replays and reports by class.

Vocabulary (no --listings): distinct queries from the light generator's
vocabulary (brands, models, products, colours; the latency benchmark's 60
queries first), top 20 with brand and category facets and price stats, 25%
with a filter or a sort, written as the weighted log only (scripts/soak.sh).

    scripts/query_log.py --listings var/bench/listings.jsonl --index var/bench/index --output var/bench/queries.txt
    scripts/query_log.py --count 20000 --output var/bench/queries.txt

The search-server binary is $SERVER_BIN (default build/server/search-server).
Deterministic for a given seed, listings file and index.
"""

import argparse
import bisect
import contextlib
import http.client
import itertools
import json
import math
import os
import pathlib
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

from generate_listings import sample_feed

REPO = pathlib.Path(__file__).resolve().parent.parent
SERVER_BIN = os.environ.get("SERVER_BIN", str(REPO / "build" / "server" / "search-server"))
LONG_TAIL_FACETS = "brand,category"
RELAX_THRESHOLD = 20  # the default ranking config's relax.min_matches
CLASS_COLUMNS = ("rank", "request", "shape", "filter", "sort", "words", "all_words")
SORTS = ("price_asc", "price_desc", "newest")
SORT_WEIGHTS = (40, 25, 35)
FILTER_KINDS = ("brand", "category", "price", "condition")
FILTER_WEIGHTS = (30, 30, 25, 15)
QUERY_WORDS = (1, 2, 3, 4)
QUERY_WORD_WEIGHTS = (30, 35, 22, 13)
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
PRICE_STEPS = (5, 10, 20, 25, 50, 100, 200, 500, 1000)
FUNCTION_WORDS = {"&", "a", "an", "and", "by", "for", "in", "of", "on", "or", "the", "to", "with"}


# -- the vocabulary log (light data) -------------------------------------------

def vocabulary_queries(rng):
    """The latency benchmark's queries (the popular head) first, then the rest."""
    from bench_query import QUERIES
    from generate_listings import BRANDS, COLORS, KINDS
    queries = []
    for brand, models_by_kind in BRANDS:
        queries.append(brand.lower())
        for kind, models in models_by_kind.items():
            for model in models:
                queries.append(f"{brand} {model}".lower())
                queries.append(model.lower())
            for noun in KINDS[kind][0]:
                queries.append(f"{brand} {noun}".lower())
    for kind, (nouns, _, _) in KINDS.items():
        for noun in nouns:
            queries.append(noun.lower())
            queries.extend(f"{color} {noun}".lower() for color in COLORS)
    tail = [query for query in dict.fromkeys(queries) if query not in QUERIES]
    rng.shuffle(tail)
    return list(QUERIES) + tail


def vocabulary_request(query, rng):
    parameters = {"q": query, "limit": "20", "facets": "brand,category,price"}
    roll = rng.random()
    if roll < 0.10:
        parameters["sort"] = rng.choice(["price_asc", "price_desc", "newest"])
    elif roll < 0.20:
        parameters["price_max"] = str(rng.choice([20, 50, 100]))
    elif roll < 0.25:
        parameters["condition"] = "1,2"
    return "/v1/search?" + urllib.parse.urlencode(parameters)


def write_weighted_log(path, distinct, request_of, count, exponent, rng):
    """`count` request paths drawn by Zipf popularity over `distinct` ranks; request_of(rank index) makes one."""
    weights = list(itertools.accumulate(1.0 / rank ** exponent for rank in range(1, distinct + 1)))
    with open(path, "w", encoding="utf-8") as out:
        for _ in range(count):
            out.write(request_of(bisect.bisect_left(weights, rng.random() * weights[-1])) + "\n")


# -- the long-tail log (from a listings file) ----------------------------------

def words_of(text):
    """Lower-cased words as a buyer types them: punctuation around words dropped."""
    words = (word.strip(".,!?()[]{}\"'*:;") for word in text.lower().split())
    return [word for word in words if word and any(ch.isalnum() for ch in word)]


def neighbour_key(letter, rng):
    for row in KEYBOARD_ROWS:
        position = row.find(letter)
        if position >= 0:
            choices = [row[index] for index in (position - 1, position + 1) if 0 <= index < len(row)]
            return rng.choice(choices)
    return letter


def one_edit(word, rng):
    """The word with one typing mistake, never at its first letter."""
    position = rng.randrange(1, len(word))
    kind = rng.choice(("substitute", "delete", "insert", "transpose"))
    if kind == "substitute":
        return word[:position] + neighbour_key(word[position], rng) + word[position + 1:]
    if kind == "delete":
        return word[:position] + word[position + 1:]
    if kind == "insert":
        return word[:position] + neighbour_key(word[position], rng) + word[position:]
    if position == len(word) - 1:
        position -= 1
    return word[:position] + word[position + 1] + word[position] + word[position + 2:]


def title_words_for_query(listing, rng):
    words = words_of(listing["title"])
    if not words:
        return []
    wanted = min(len(words), rng.choices(QUERY_WORDS, weights=QUERY_WORD_WEIGHTS)[0])
    if rng.random() < 0.7:  # a run of the title, as people retype what they saw
        start = rng.randrange(len(words) - wanted + 1)
        return words[start:start + wanted]
    positions = sorted(rng.sample(range(len(words)), wanted))
    return [words[position] for position in positions]


def brand_words_for_query(listing, rng):
    words = words_of(listing["brand"])[:4]
    extra = words_of(listing["title"])
    if extra and len(words) < 4 and rng.random() < 0.4:  # "nike hoodie"
        words.append(rng.choice(extra))
    return words


def shaped(words, shape, rng):
    """The words as typed for a shape, or None when the shape does not fit them."""
    if shape == "prefix":
        last = words[-1]
        if len(last) < 3 or not last.isalpha():
            return None
        return words[:-1] + [last[:rng.randrange(2, len(last))]]
    if shape == "typo":
        candidates = [index for index, word in enumerate(words) if len(word) >= 4 and word.isalpha()]
        if not candidates:
            return None
        index = rng.choice(candidates)
        mistyped = one_edit(words[index], rng)
        return None if mistyped == words[index] else words[:index] + [mistyped] + words[index + 1:]
    return words


def price_range(price, rng):
    """A range a buyer would type that contains the price."""
    upper = next((step for step in PRICE_STEPS if step >= price), None)
    if upper is None or rng.random() < 0.3:
        lower = max((step for step in PRICE_STEPS if step <= price), default=0)
        return {"price_min": str(lower)}
    if rng.random() < 0.5:
        return {"price_max": str(upper)}
    lower = max((step for step in PRICE_STEPS if step < upper and step <= price), default=0)
    return {"price_min": str(lower), "price_max": str(upper)}


def filter_of(listing, rng):
    """A filter the source listing passes: (name for the class file, parameters)."""
    kinds = [(kind, weight) for kind, weight in zip(FILTER_KINDS, FILTER_WEIGHTS)
             if kind == "price" or listing.get(kind)]
    kind = rng.choices([kind for kind, _ in kinds], weights=[weight for _, weight in kinds])[0]
    if kind == "brand":
        return "brand", {"brand": listing["brand"]}
    if kind == "category":
        levels = listing["category"].split("/")
        return "category", {"category": "/".join(levels[:rng.randint(1, len(levels))])}
    if kind == "condition":
        condition = listing["condition"]
        return "condition", {"condition": "1,2" if condition <= 2 and rng.random() < 0.5 else str(condition)}
    return "price", price_range(listing["price"], rng)


class Candidate:
    def __init__(self, words, shape, filter_name, sort, parameters):
        self.words = words
        self.shape = shape
        self.filter = filter_name
        self.sort = sort
        self.parameters = parameters
        self.all_words = None

    def request(self, extra=None, without=()):
        parameters = {"q": " ".join(self.words), "limit": "20", "facets": LONG_TAIL_FACETS, **self.parameters}
        if self.sort:
            parameters["sort"] = self.sort
        parameters.update(extra or {})
        for name in without:
            parameters.pop(name, None)
        return "/v1/search?" + urllib.parse.urlencode(parameters)


def make_candidate(listing, shape, args, rng):
    if listing.get("brand") and rng.random() < args.brand_share:
        words = brand_words_for_query(listing, rng)
    else:
        words = title_words_for_query(listing, rng)
    if not words or all(word in FUNCTION_WORDS for word in words):
        return None  # nobody searches for "for" or "& the"
    words = shaped(words, shape, rng)
    if not words:
        return None
    filter_name, parameters = None, {}
    if rng.random() < args.filter_share:
        filter_name, parameters = filter_of(listing, rng)
    sort = rng.choices(SORTS, weights=SORT_WEIGHTS)[0] if rng.random() < args.sort_share else None
    return Candidate(words, shape, filter_name, sort, parameters)


def free_port():
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def require_server():
    if not os.access(SERVER_BIN, os.X_OK):
        raise SystemExit(f"query_log: no search-server at {SERVER_BIN}: build it (scripts/setup.sh) or set SERVER_BIN")


@contextlib.contextmanager
def counting_server(index):
    """A search-server on the index whose totals are all-words match counts."""
    require_server()
    config = (REPO / "data" / "ranking.conf").read_text(encoding="utf-8")
    config = re.sub(r"(?m)^relax\.min_matches\s*=.*$", "relax.min_matches = 0", config)
    config = re.sub(r"(?m)^spelling\.auto_correct\s*=.*$", "spelling.auto_correct = 0", config)
    with tempfile.TemporaryDirectory() as scratch:
        ranking = pathlib.Path(scratch) / "all-words.conf"
        ranking.write_text(config, encoding="utf-8")
        port = free_port()
        log = open(pathlib.Path(scratch) / "server.log", "w")
        server = subprocess.Popen([SERVER_BIN, "--index", str(index), "--port", str(port), "--cache-entries", "0",
                                   "--ranking", str(ranking)], stdout=log, stderr=subprocess.STDOUT)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for _ in range(600):
                try:
                    connection.request("GET", "/healthz")
                    connection.getresponse().read()
                    break
                except OSError:
                    connection.close()
                    if server.poll() is not None:
                        raise SystemExit(f"query_log: search-server stopped: {log.name}")
                    time.sleep(0.1)
            yield connection
        finally:
            server.terminate()
            server.wait()
            log.close()


def count_all_words(connection, candidates):
    """Each candidate's exact all-words total (facets asked for, so totals are exact; no sort)."""
    for number, candidate in enumerate(candidates, 1):
        connection.request("GET", candidate.request(extra={"limit": "1", "facets": "brand"}, without=("sort",)))
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"query_log: {candidate.request()}: HTTP {response.status}: {body[:200]!r}")
        answer = json.loads(body)
        if answer.get("relaxed"):
            raise SystemExit("query_log: the counting server relaxed a query: is relax.min_matches still set?")
        candidate.all_words = answer["total"]
        if number % 1000 == 0:
            print(f"query_log: counted {number}/{len(candidates)}", file=sys.stderr)


def draw_candidates(listings, args, rng):
    """More candidates than needed, of every shape, distinct by request."""
    shapes = ("plain", "prefix", "typo")
    plain_share = 1 - args.prefix_share - args.typo_share
    wanted = {"plain": round(args.distinct * plain_share * 2.5),
              "prefix": round(args.distinct * args.prefix_share),
              "typo": round(args.distinct * args.typo_share)}
    found = {shape: {} for shape in shapes}
    for _ in range(sum(wanted.values()) * 20):
        shape = rng.choices(shapes, weights=[wanted[shape] - len(found[shape]) for shape in shapes])[0]
        candidate = make_candidate(rng.choice(listings), shape, args, rng)
        if candidate:
            found[shape].setdefault(candidate.request(), candidate)
        if all(len(found[shape]) >= wanted[shape] for shape in shapes):
            break
    return found


def select(found, args):
    """The distinct set: plain queries with the wanted share of few all-words matches, and the rest."""
    plain_wanted = args.distinct - len(found["prefix"]) - len(found["typo"])
    few = [candidate for candidate in found["plain"].values() if candidate.all_words < RELAX_THRESHOLD]
    many = [candidate for candidate in found["plain"].values() if candidate.all_words >= RELAX_THRESHOLD]
    few_wanted = min(len(few), round(plain_wanted * args.few_share))
    many_wanted = min(len(many), plain_wanted - few_wanted)
    if few_wanted + many_wanted < plain_wanted or few_wanted < round(plain_wanted * args.few_share):
        print(f"query_log: warning: only {len(few)} plain queries with fewer than {RELAX_THRESHOLD} all-words "
              f"matches and {len(many)} with more among the candidates", file=sys.stderr)
    return few[:few_wanted] + many[:many_wanted] + list(found["prefix"].values()) + list(found["typo"].values())


def bucket_of(count):
    for limit, name in ((0, "0"), (RELAX_THRESHOLD - 1, "1-19"), (999, "20-999"), (100_000, "1k-100k")):
        if count <= limit:
            return name
    return ">100k"


def long_tail_log(args):
    require_server()  # before minutes of sampling
    rng = random.Random(args.seed)
    listings = sample_feed(args.listings, max(20_000, 8 * args.distinct), rng, on_sale_only=True)
    found = draw_candidates(listings, args, rng)
    candidates = [candidate for shape in found.values() for candidate in shape.values()]
    print(f"query_log: {len(candidates)} candidate requests from {len(listings)} sampled listings; counting "
          f"their all-words matches on {args.index}", file=sys.stderr)
    with counting_server(args.index) as connection:
        count_all_words(connection, candidates)
    chosen = select(found, args)
    # Popularity: broad queries are typed more often than narrow ones, with plenty of exceptions.
    chosen.sort(key=lambda candidate: -(math.log10(1 + candidate.all_words) + rng.gauss(0, 1.5)))
    requests = [candidate.request() for candidate in chosen]
    write_weighted_log(args.output, len(requests), requests.__getitem__, args.count, args.exponent, rng)
    classes = args.output + ".classes.tsv" if not args.output.endswith(".txt") else args.output[:-4] + ".classes.tsv"
    with open(classes, "w", encoding="utf-8") as out:
        out.write("\t".join(CLASS_COLUMNS) + "\n")
        for rank, candidate in enumerate(chosen, 1):
            row = (rank, candidate.request(), candidate.shape, candidate.filter or "-", candidate.sort or "-",
                   len(candidate.words), candidate.all_words)
            out.write("\t".join(str(value) for value in row) + "\n")
    report(chosen, args.output, classes, args.count)


def report(chosen, log, classes, count):
    total = len(chosen)

    def share(test):
        return f"{sum(1 for candidate in chosen if test(candidate)) / total:.1%}"

    print(f"{count} requests over {total} distinct -> {log}; classes -> {classes}")
    print("shapes:   " + ", ".join(f"{shape} {share(lambda c, s=shape: c.shape == s)}"
                                   for shape in ("plain", "prefix", "typo")))
    print(f"filters:  {share(lambda c: c.filter)} (" + ", ".join(
        f"{kind} {share(lambda c, k=kind: c.filter == k)}" for kind in FILTER_KINDS) + ")")
    print(f"sorts:    {share(lambda c: c.sort)}")
    print(f"few all-words matches (< {RELAX_THRESHOLD}, relaxed by the default ranking): "
          f"{share(lambda c: c.all_words < RELAX_THRESHOLD)} of all, "
          f"{sum(1 for c in chosen if c.shape == 'plain' and c.all_words < RELAX_THRESHOLD)} plain queries")
    buckets = ("0", "1-19", "20-999", "1k-100k", ">100k")
    print("all-words matches: " + ", ".join(f"{name} {share(lambda c, n=name: bucket_of(c.all_words) == n)}"
                                            for name in buckets))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", required=True, help="the weighted log (the class file goes beside it)")
    parser.add_argument("--count", type=int, default=20000, help="requests in the weighted log (default 20000)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--exponent", type=float, default=1.0, help="Zipf exponent of query popularity")
    long_tail = parser.add_argument_group("long-tail log")
    long_tail.add_argument("--listings", help="listings file (JSON lines) to take queries from")
    long_tail.add_argument("--index", help="the index built from it, for the all-words match counts")
    long_tail.add_argument("--distinct", type=int, default=2500, help="distinct requests (default 2500)")
    long_tail.add_argument("--few-share", type=float, default=0.3,
                           help=f"share of plain queries with fewer than {RELAX_THRESHOLD} all-words matches "
                                "(default 0.3)")
    long_tail.add_argument("--prefix-share", type=float, default=0.15, help="share of prefixes (default 0.15)")
    long_tail.add_argument("--typo-share", type=float, default=0.10, help="share of one-edit typos (default 0.10)")
    long_tail.add_argument("--filter-share", type=float, default=0.25, help="share with a filter (default 0.25)")
    long_tail.add_argument("--sort-share", type=float, default=0.15, help="share with a sort (default 0.15)")
    long_tail.add_argument("--brand-share", type=float, default=0.2,
                           help="share of queries from a branded listing's brand rather than its title "
                                "(default 0.2)")
    args = parser.parse_args()

    if args.listings:
        if not args.index:
            parser.error("--listings needs --index (the index built from the listings) to count all-words matches")
        long_tail_log(args)
        return
    rng = random.Random(args.seed)
    queries = vocabulary_queries(rng)
    write_weighted_log(args.output, len(queries), lambda rank: vocabulary_request(queries[rank], rng), args.count,
                       args.exponent, rng)
    print(f"{args.count} requests over {len(queries)} distinct queries -> {args.output}")


if __name__ == "__main__":
    main()
