#!/usr/bin/python3
"""A learned re-ranking, to see what a ranking signal could still add before
building it into the engine: LambdaMART (xgboost's rank:ndcg) over the
default ranking's top 100 for every Home Depot dev query, with 16 features
of the query and title (the engine's score and rank, the title's length,
how many of the typed words it has as written and their IDF share, where
the first one stands, numbers, the brand's size, ...). Trained on one half
of the queries (split by a CRC of the query text, as `listing-relevance
eval` splits them) and scored on the other, both ways round, so every
figure is on queries the model never saw. Prints each model's feature
importance (total gain).

Needs Debian's python3-xgboost (apt-get install python3-xgboost; an
experiment's tool, not the product's: the engine reads plain numbers from
data/ranking.conf), hence /usr/bin/python3.

    build/server/search-server --index var/homedepot/index --port 18160 --cache-entries 0 &
    /usr/bin/python3 scripts/ltr_homedepot.py --port 18160 --rounds 400 --depth 1
"""
import argparse
import os
import sys
import zlib
from collections import Counter

import numpy as np
import xgboost as xgb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_homedepot import load_replay, words  # noqa: E402

FEATURES = ["score", "score/top", "rank", "title_len", "matched", "matched/typed", "matched/title", "first_pos",
            "last_word_typed", "numbers", "brand_freq", "query_len", "bigrams", "idf_coverage", "hits", "ties"]


def features(query, hits, idf, first_words):
    """One row of FEATURES per hit."""
    typed = words(query)
    typed_set = set(typed)
    typed_idf = sum(idf.get(w, 8) for w in typed_set) or 1
    top_score = hits[0][1] if hits else 1
    rows = []
    for rank, (listing, score, title) in enumerate(hits):
        tw = words(title)
        tset = set(tw)
        matched = typed_set & tset
        first = next((n for n, w in enumerate(tw) if w in typed_set), 99)
        bigrams = sum(1 for a, b in zip(typed, typed[1:]) if any(x == a and y == b for x, y in zip(tw, tw[1:])))
        ties = sum(1 for _, s, _ in hits if s == score)
        rows.append([score, score / top_score if top_score else 0, rank, len(tw), len(matched),
                     len(matched) / max(1, len(typed_set)), len(matched) / max(1, len(tset)), first,
                     1.0 if tw and tw[-1] in typed_set else 0.0,
                     sum(1 for w in tw if w[0].isdigit()),
                     first_words.get(title.split()[0].lower(), 0) if title.split() else 0,
                     len(typed), bigrams, sum(idf.get(w, 8) for w in matched) / typed_idf, len(hits), ties])
    return rows

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True, help="a search-server on the Home Depot index")
    parser.add_argument("--rounds", type=int, default=400, help="boosting rounds")
    parser.add_argument("--depth", type=int, default=1, help="tree depth (1: an additive model, one feature a tree)")
    parser.add_argument("--eta", type=float, default=0.1, help="learning rate")
    args = parser.parse_args()
    replay, products = load_replay(args.port)
    judgments, top, idf = replay.judgments, replay.top, replay.idf
    first_words = Counter(t.split()[0].lower() for t in (p["product_title"] for p in products) if t.split())
    base = replay.evaluate(lambda q, hits: [l for l, _, _ in hits])
    print("replayed default nDCG@10 %.4f halves %.4f %.4f" % base)
    halves = [[q for q in top if zlib.crc32(q.encode()) % 2 == h and top[q]] for h in (0, 1)]
    models = {}
    for train_half in (0, 1):
        X, y, groups = [], [], []
        for q in halves[train_half]:
            rows = features(q, top[q], idf, first_words)
            X += rows
            y += [judgments[q].get(l, 0) for l, _, _ in top[q]]
            groups.append(len(rows))
        d = xgb.DMatrix(np.array(X), label=np.array(y))
        d.set_group(groups)
        models[train_half] = xgb.train({"objective": "rank:ndcg", "eta": args.eta, "max_depth": args.depth,
                                        "eval_metric": "ndcg@10", "min_child_weight": 5}, d, args.rounds)
    def rerank(q, hits):
        if not hits:
            return []
        model = models[1 - zlib.crc32(q.encode()) % 2]  # the model that never saw this query's half
        pred = model.predict(xgb.DMatrix(np.array(features(q, hits, idf, first_words))))
        order = sorted(range(len(hits)), key=lambda i: (-pred[i], i))
        return [hits[i][0] for i in order]
    names = FEATURES
    for half, model in models.items():
        gain = model.get_score(importance_type="total_gain")
        total = sum(gain.values())
        print("half %d trained:" % half, ", ".join("%s %.0f%%" % (names[int(k[1:])], 100 * v / total)
                                                 for k, v in sorted(gain.items(), key=lambda kv: -kv[1])))
    result = replay.evaluate(rerank)
    print("LambdaMART (held-out half) nDCG@10 %.4f (%+.4f) halves %+.4f %+.4f"
          % (result[0], result[0] - base[0], result[1] - base[1], result[2] - base[2]))


if __name__ == "__main__":
    main()
