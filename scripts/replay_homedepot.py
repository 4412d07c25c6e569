#!/usr/bin/env python3
"""Replays the default ranking's top 100 for every Home Depot dev query and
re-ranks them offline, to see whether a re-ranking idea could pay before
building it into the engine. nDCG@10 as `listing-relevance eval` counts it
(gain = relevance - 1, unjudged listings gain nothing), over all queries and
over each half (split by a CRC of the query text). Prints:

  - the replayed default (within 0.001 of `eval`: the engine's ties are
    broken the same way, by docid);
  - an oracle that breaks exact score ties by the judgments: how much room
    there is among listings that match a query equally well;
  - ties broken by what a title shows instead: its length, where the first
    typed word stands, how many numbers it has, how many titles start
    with its first word (a brand's size);
  - pseudo-relevance feedback (RM-style): the words the best k titles share,
    weighted by tf/length x IDF, the m strongest, each adding
    alpha x its weight to the titles of the top 100 that have it; with a
    tiny alpha it only breaks ties.

    build/server/search-server --index var/homedepot/index --port 18160 --cache-entries 0 &
    python3 scripts/replay_homedepot.py --port 18160
"""

import argparse
import csv
import http.client
import json
import math
import re
import urllib.parse
import zlib
from collections import Counter, defaultdict

DEV = "../shared/data/relevance-dev/homedepot_dev.csv"
PRODUCTS = "../shared/data/relevance-dev/homedepot_products.csv"
WORD = re.compile(r"[a-z0-9]+")


def words(text):
    """Lowercased words, a plural 's' dropped: crude, but the same for query and title."""
    out = []
    for word in WORD.findall(text.lower()):
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


def read_csv(path):
    with open(path, encoding="utf-8", errors="replace") as handle:
        return list(csv.DictReader(handle))


def fetch_top(port, queries):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    top = {}
    for query in queries:
        connection.request("GET", "/v1/search?" + urllib.parse.urlencode({"q": query, "limit": 100}))
        answer = json.loads(connection.getresponse().read())
        top[query] = [(hit["listing"]["id"], hit["score"], hit["listing"]["title"]) for hit in answer.get("hits", [])]
    return top


class Replay:
    def __init__(self, judgments, top, idf):
        self.judgments, self.top, self.idf = judgments, top, idf

    def ndcg(self, query, ids):
        gains = self.judgments[query]
        dcg = sum(gains.get(listing, 0) / math.log2(rank + 2) for rank, listing in enumerate(ids[:10]))
        ideal = sorted(gains.values(), reverse=True)[:10]
        idcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(ideal))
        return dcg / idcg if idcg > 0 else 0

    def evaluate(self, rerank):
        totals, counts = [0.0, 0.0], [0, 0]
        for query, hits in self.top.items():
            half = zlib.crc32(query.encode()) % 2
            totals[half] += self.ndcg(query, rerank(query, hits))
            counts[half] += 1
        return sum(totals) / sum(counts), totals[0] / counts[0], totals[1] / counts[1]

    def oracle_ties(self, query, hits):
        gains = self.judgments[query]
        order = sorted((-score, -gains.get(listing, 0), rank, listing) for rank, (listing, score, _) in enumerate(hits))
        return [listing for *_, listing in order]

    @staticmethod
    def ties_by(key):
        """Exact score ties broken by key(query, title), ascending, then as before."""
        def rerank(query, hits):
            order = sorted((-score, key(query, title), rank, listing) for rank, (listing, score, title) in enumerate(hits))
            return [listing for *_, listing in order]
        return rerank

    def feedback(self, k, m, alpha):
        def rerank(query, hits):
            typed = set(words(query))
            expansion = Counter()
            for _, _, title in hits[:k]:
                title_words = words(title)
                for word in set(title_words):
                    if word not in typed and word in self.idf:
                        expansion[word] += title_words.count(word) / len(title_words) * self.idf[word]
            strongest = dict(expansion.most_common(m))
            scale = max(strongest.values(), default=1)
            order = []
            for rank, (listing, score, title) in enumerate(hits):
                present = set(words(title))
                bonus = alpha * sum(weight / scale for word, weight in strongest.items() if word in present)
                order.append((-(score + bonus), rank, listing))
            return [listing for *_, listing in sorted(order)]
        return rerank


def load_replay(port):
    """The judgments, the products and their words' IDF, and the top 100 the
    server on `port` gives for every dev query: (replay, products)."""
    judgments = defaultdict(dict)
    for row in read_csv(DEV):
        judgments[row["search_term"]][row["product_uid"]] = float(row["relevance"]) - 1
    products = read_csv(PRODUCTS)
    document_frequency = Counter()
    for product in products:
        document_frequency.update(set(words(product["product_title"])))
    idf = {word: math.log(len(products) / (1 + count)) for word, count in document_frequency.items()}
    return Replay(judgments, fetch_top(port, sorted(judgments)), idf), products


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True, help="a search-server on the Home Depot index")
    args = parser.parse_args()

    replay, products = load_replay(args.port)

    base = replay.evaluate(lambda query, hits: [listing for listing, _, _ in hits])
    print("replayed default      nDCG@10 %.4f  halves %.4f %.4f" % base)
    tied = sum(1 for hits in replay.top.values() for rank in range(min(10, len(hits)))
               if [score for _, score, _ in hits].count(hits[rank][1]) > 1)
    slots = sum(min(10, len(hits)) for hits in replay.top.values())
    print("top-10 places whose score ties another's: %d of %d" % (tied, slots))
    oracle = replay.evaluate(replay.oracle_ties)
    print("ties broken by the judgments (oracle)  %.4f (%+.4f)" % (oracle[0], oracle[0] - base[0]))
    first_words = Counter(title.split()[0].lower() for title in (p["product_title"] for p in products) if title.split())

    def first_typed_word_at(query, title):
        typed = set(words(query))
        return next((n for n, word in enumerate(words(title)) if word in typed), 99)

    tie_breakers = {
        "title length in words": lambda query, title: len(words(title)),
        "first typed word earliest": first_typed_word_at,
        "fewer numbers": lambda query, title: sum(1 for word in words(title) if word[0].isdigit()),
        "brand with most titles first": lambda query, title: -first_words[title.split()[0].lower()] if title.split() else 0,
    }
    for name, key in tie_breakers.items():
        result = replay.evaluate(replay.ties_by(key))
        print("ties by %-28s %.4f (%+.4f)  halves %+.4f %+.4f"
              % (name, result[0], result[0] - base[0], result[1] - base[1], result[2] - base[2]))
    for k, m, alpha in ((5, 5, 1), (10, 5, 1), (10, 10, 3), (20, 10, 10), (5, 5, 1e-4), (10, 10, 1e-4), (50, 10, 1e-4)):
        result = replay.evaluate(replay.feedback(k, m, alpha))
        print("feedback k=%-2d m=%-2d alpha=%-6g %.4f (%+.4f)  halves %+.4f %+.4f"
              % (k, m, alpha, result[0], result[0] - base[0], result[1] - base[1], result[2] - base[2]))


if __name__ == "__main__":
    main()
