#!/usr/bin/env python3
"""Latency of the query server, one client at a time: p50/p90/p99 in ms.

Sends each query of a marketplace-like query set (top-20 hits with exact
brand and category facets and price stats, as the app asks) to a running
search-server, after a warm-up round, and prints client-side latency
percentiles and the server's own took_ms percentiles.
"""

import argparse
import http.client
import json
import time
import urllib.parse

QUERIES = [
    "nike", "nike air max", "nike air max 90", "air force 1", "adidas ultraboost", "yeezy", "iphone",
    "iphone 12 pro max 128gb", "iphone 11", "airpods", "airpods pro", "lululemon leggings", "lululemon align",
    "pokemon cards", "pokemon charizard", "lego star wars", "funko pop", "switch oled", "nintendo switch",
    "ps4", "ps5", "playstation 4", "michael kors bag", "coach purse", "louis vuitton neverfull", "kate spade wallet",
    "north face jacket", "patagonia fleece", "levis 501", "free people dress", "vans old skool", "converse",
    "dr martens", "razer keyboard", "bose headphones", "beats", "canon camera", "hoodie", "t-shirt", "tshirt",
    "sneakers size 10", "vintage", "bundle", "nwt", "dress", "jeans", "boots", "ナイキ スニーカー", "スニーカー",
    "ポケモンカード", "rae dunn mug", "squishmallows", "barbie dreamhouse", "hot wheels", "bath body works candle",
    "makeup palette", "perfume", "necklace", "watch", "",
]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rounds", type=int, default=10, help="times through the query set (default 10)")
    parser.add_argument("--facets", default="brand,category,price", help="facets to ask for ('' for none)")
    args = parser.parse_args()

    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    client_ms, server_ms = [], []

    def run(query):
        parameters = {"q": query, "limit": "20"}
        if args.facets:
            parameters["facets"] = args.facets
        started = time.perf_counter()
        connection.request("GET", "/v1/search?" + urllib.parse.urlencode(parameters))
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise SystemExit(f"{query!r}: HTTP {response.status}: {body[:200]!r}")
        return elapsed, json.loads(body)["took_ms"]

    for query in QUERIES:  # warm-up: caches, facet columns
        run(query)
    for _ in range(args.rounds):
        for query in QUERIES:
            client, server = run(query)
            client_ms.append(client)
            server_ms.append(server)
    print(f"queries:          {len(client_ms)} ({len(QUERIES)} distinct, facets: {args.facets or 'none'})")
    for name, values in (("client latency", client_ms), ("server took_ms", server_ms)):
        print(f"{name + ':':17} p50 {percentile(values, 0.5):.2f} ms, p90 {percentile(values, 0.9):.2f} ms, "
              f"p99 {percentile(values, 0.99):.2f} ms, max {max(values):.2f} ms")


if __name__ == "__main__":
    main()
