#!/usr/bin/env python3
"""Write a synthetic query log for load tests: one /v1/search path per line.

Real marketplace query logs are heavily skewed: a few hundred queries (a
brand, a brand and model, a product) make up most traffic, and a long
tail of rarer ones follows. This draws DISTINCT queries from the listing
generator's vocabulary (brands, models, products, colours, the latency
benchmark's query set) and writes COUNT requests sampled by Zipf
popularity, each asking for the top 20 with brand and category facets and
price stats, some with filters or a sort. Deterministic for a given seed.

    scripts/query_log.py --count 20000 --output var/bench/queries.txt
"""

import argparse
import bisect
import itertools
import random
import urllib.parse

from bench_query import QUERIES
from generate_listings import BRANDS, COLORS, KINDS


def distinct_queries(rng):
    """The latency benchmark's queries (the popular head) first, then the rest."""
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


def request_path(query, rng):
    parameters = {"q": query, "limit": "20", "facets": "brand,category,price"}
    roll = rng.random()
    if roll < 0.10:
        parameters["sort"] = rng.choice(["price_asc", "price_desc", "newest"])
    elif roll < 0.20:
        parameters["price_max"] = str(rng.choice([20, 50, 100]))
    elif roll < 0.25:
        parameters["condition"] = "1,2"
    return "/v1/search?" + urllib.parse.urlencode(parameters)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20000, help="requests to write (default 20000)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--exponent", type=float, default=1.0, help="Zipf exponent of query popularity")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    queries = distinct_queries(rng)
    weights = list(itertools.accumulate(1.0 / rank ** args.exponent for rank in range(1, len(queries) + 1)))
    with open(args.output, "w", encoding="utf-8") as out:
        for _ in range(args.count):
            query = queries[bisect.bisect_left(weights, rng.random() * weights[-1])]
            out.write(request_path(query, rng) + "\n")
    print(f"{args.count} requests over {len(queries)} distinct queries -> {args.output}")


if __name__ == "__main__":
    main()
