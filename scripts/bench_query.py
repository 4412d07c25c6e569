#!/usr/bin/env python3
"""Latency of the query server, one client at a time: p50/p90/p99 in ms.

Against a running search-server (start it with --cache-entries 0 to
measure matching rather than the result cache), after a warm-up round:

- with --log (a long-tail log from scripts/query_log.py --listings): each
  distinct request of the log's class file (LOG with .txt replaced by
  .classes.tsv), as written there (top 20 with exact brand and category
  facets; --facets overrides them), once per round; prints the percentiles
  overall, per query class (plain, prefix, typo, filter, sort) and per
  all-words match count bucket, with the distribution of those counts;
- without it: the 60 popular marketplace queries below (top 20 with exact
  brand and category facets and price stats), 10 rounds.

    python3 scripts/bench_query.py --port 18080 --log var/bench/queries.txt
    python3 scripts/bench_query.py --port 18080 --log var/bench/queries.txt --facets ''
    python3 scripts/bench_query.py --port 18080
"""

import argparse
import csv
import http.client
import json
import socket
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


RELAX_THRESHOLD = 20  # the default ranking config's relax.min_matches
MATCH_BUCKETS = ((0, "0"), (RELAX_THRESHOLD - 1, "1-19"), (999, "20-999"), (100_000, "1k-100k"), (None, ">100k"))
SHAPES = ("plain", "prefix", "typo")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bucket_of(count):
    return next(name for limit, name in MATCH_BUCKETS if limit is None or count <= limit)


class SocketClient:
    """One keep-alive HTTP/1.1 connection over a plain socket, as a C client
    would hold it: http.client parses each response's headers with the email
    package, which added 0.2 ms to the client's p50 (the two clients side by
    side on one server, 2026-12-03), a tenth of a median search. Each
    search returns (client ms: from sending the request to its last byte
    read, the parsed answer)."""

    def __init__(self, port):
        self.port = port
        self.connect()

    def connect(self):
        self.socket = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def read_until_headers_end(self):
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.socket.recv(65536)
            if not chunk:
                raise ConnectionResetError("the server closed the connection")
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        return head

    def search(self, path):
        try:
            return self.search_once(path)
        except ConnectionError:  # the server closed an idle connection: once more on a new one
            self.socket.close()
            self.connect()
            return self.search_once(path)

    def search_once(self, path):
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode()
        started = time.perf_counter()
        self.socket.sendall(request)
        head = self.read_until_headers_end()
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise SystemExit(f"{path}: the answer has no Content-Length: {head[:200]!r}")
        while len(self.buffer) < length:
            chunk = self.socket.recv(max(65536, length - len(self.buffer)))
            if not chunk:
                raise SystemExit("bench_query: the server closed the connection mid-answer")
            self.buffer += chunk
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}: {body[:200]!r}")
        return elapsed, json.loads(body)


class Client:
    """One keep-alive connection through http.client; each search returns
    (client ms, the parsed answer)."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def search(self, path):
        started = time.perf_counter()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}: {body[:200]!r}")
        return elapsed, json.loads(body)


def with_facets(path, facets):
    """The request with its facets replaced (None: as it is; '': none)."""
    if facets is None:
        return path
    route, _, query = path.partition("?")
    parameters = [(name, value) for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True)
                  if name != "facets"]
    if facets:
        parameters.append(("facets", facets))
    return route + "?" + urllib.parse.urlencode(parameters)


def percentiles_line(values):
    return (f"p50 {percentile(values, 0.5):.2f} ms, p90 {percentile(values, 0.9):.2f} ms, "
            f"p99 {percentile(values, 0.99):.2f} ms, max {max(values):.2f} ms")


def new_client(args):
    return Client(args.port) if args.client == "http.client" else SocketClient(args.port)


def popular_queries(args):
    """The 60 popular queries, as the benchmark has always run them."""
    client = new_client(args)
    facets = "brand,category,price" if args.facets is None else args.facets
    client_ms, server_ms = [], []

    def run(query):
        parameters = {"q": query, "limit": "20"}
        if facets:
            parameters["facets"] = facets
        elapsed, answer = client.search("/v1/search?" + urllib.parse.urlencode(parameters))
        return elapsed, answer["took_ms"]

    for query in QUERIES:  # warm-up: caches, facet columns
        run(query)
    for _ in range(args.rounds or 10):
        for query in QUERIES:
            elapsed, took = run(query)
            client_ms.append(elapsed)
            server_ms.append(took)
    print(f"queries:          {len(client_ms)} ({len(QUERIES)} distinct, facets: {facets or 'none'})")
    for name, values in (("client latency", client_ms), ("server took_ms", server_ms)):
        print(f"{name + ':':17} {percentiles_line(values)}")


def classes_path(log):
    """The class file scripts/query_log.py writes beside a log."""
    return log[:-4] + ".classes.tsv" if log.endswith(".txt") else log + ".classes.tsv"


def read_classes(log):
    path = classes_path(log)
    try:
        with open(path, encoding="utf-8", newline="") as classes:
            rows = list(csv.DictReader(classes, delimiter="\t"))
    except FileNotFoundError:
        raise SystemExit(f"bench_query: no class file {path}: write the log with scripts/query_log.py --listings")
    for row in rows:
        row["all_words"] = int(row["all_words"])
    return path, rows


def class_rows(rows):
    """(label, predicate) for each class reported."""
    groups = [("all", lambda row: True)]
    groups += [(shape, lambda row, shape=shape: row["shape"] == shape) for shape in SHAPES]
    groups += [("filter", lambda row: row["filter"] != "-"), ("sort", lambda row: row["sort"] != "-"),
               ("no filter, no sort", lambda row: row["filter"] == "-" and row["sort"] == "-")]
    groups += [(f"all-words {name}", lambda row, name=name: bucket_of(row["all_words"]) == name)
               for _, name in MATCH_BUCKETS]
    return groups


def long_tail(args):
    classes_path, rows = read_classes(args.log)
    client = new_client(args)
    requests = [with_facets(row["request"], args.facets) for row in rows]
    for path in requests:  # warm-up: page cache, term caches, facet columns
        client.search(path)
    samples = [[] for _ in rows]
    took = []
    served = {"relaxed": 0, "corrected": 0, "cached": 0, "empty": 0}
    rounds = args.rounds or 1
    for _ in range(rounds):
        for number, path in enumerate(requests):
            elapsed, answer = client.search(path)
            samples[number].append(elapsed)
            took.append(answer["took_ms"])
            served["relaxed"] += bool(answer.get("relaxed"))
            served["corrected"] += bool(answer.get("corrected"))
            served["cached"] += bool(answer.get("cached"))
            served["empty"] += answer["total"] == 0
    total = len(rows) * rounds
    facets = urllib.parse.parse_qs(urllib.parse.urlparse(requests[0]).query).get("facets", ["none"])[0]
    print(f"requests:   {len(rows)} distinct from {classes_path}, {rounds} round(s) after a warm-up round; "
          f"top 20, facets: {facets}")
    if served["cached"]:
        print(f"WARNING: {served['cached']} answers came from the result cache: start the server with "
              f"--cache-entries 0 to measure matching")
    print("all-words matches (counted when the log was written, relaxation and correction off): " + ", ".join(
        f"{name} {sum(1 for row in rows if bucket_of(row['all_words']) == name) / len(rows):.1%}"
        for _, name in MATCH_BUCKETS))
    print(f"as served:  relaxed {served['relaxed'] / total:.1%}, spelling corrected "
          f"{served['corrected'] / total:.1%}, no results {served['empty'] / total:.1%}")
    print(f"{'client ms':20} {'requests':>8} {'share':>7} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>8}")
    for label, belongs in class_rows(rows):
        values = [value for row, values in zip(rows, samples) if belongs(row) for value in values]
        if not values:
            continue
        print(f"{label:20} {len(values):8} {len(values) / total:7.1%} {percentile(values, 0.5):7.2f} "
              f"{percentile(values, 0.9):7.2f} {percentile(values, 0.99):7.2f} {max(values):8.2f}")
    print(f"server took_ms: {percentiles_line(took)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--log", help="a long-tail log from scripts/query_log.py --listings (its class file is used)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="times through the queries (default: 1 over a long-tail log, 10 over the 60 popular)")
    parser.add_argument("--facets", default=None,
                        help="facets to ask for instead of the log's ('' for none; the 60 popular queries "
                             "default to brand,category,price)")
    parser.add_argument("--client", choices=("socket", "http.client"), default="socket",
                        help="the HTTP client: a plain keep-alive socket (default), or Python's http.client, "
                             "which adds 0.1 ms or more of its own per request (the figures before 2026-12-03)")
    args = parser.parse_args()
    if args.log:
        long_tail(args)
    else:
        popular_queries(args)


if __name__ == "__main__":
    main()
