#!/usr/bin/env python3
"""Learn the ranking's numbers by coordinate ascent on half of the judged queries.

Starts from a ranking config, and in each round tries every parameter a step
up and a step down (all tries of a round in one `listing-relevance eval` call),
keeps the one change that gains most nDCG@10 on the training half (the queries
whose hash puts them in half 1 of `eval`'s split), and stops when no change
gains more than --min-gain. The other half is never looked at while tuning:
its gain is printed at the end as the check that the numbers generalise.
The result is a plain ranking config (the server reads it as it is).

  scripts/tune_ranking.py --index var/homedepot/index \\
      --judgments ../shared/data/relevance-dev/homedepot_dev.csv \\
      --columns search_term,product_uid,relevance \\
      --baseline var/homedepot/bm25.conf --start data/ranking.conf --output var/tuned.conf
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

# parameter -> (relative step, lowest, highest, the code's default when the
# start config leaves the key out: query/include/query/ranking.h)
DEFAULT_PARAMETERS = {
    "bm25.k1": (0.3, 0.2, 3.0, 1.2),
    "bm25.b": (0.15, 0.1, 1.0, 0.5),
    "relax.word_bonus": (0.3, 0.0, 200.0, 30),
    "relax.idf_bonus": (None, 0.0, 20.0, 0),  # None: steps of 1 (from 0)
    "relax.function_word_share": (0.3, 0.0, 1.0, 1),
    "proximity.weight": (0.4, 0.0, 60.0, 0),
    "head_noun.weight": (0.4, 0.0, 60.0, 0),
    "synonym.weight": (0.15, 0.1, 1.0, 0.8),
    "typo.one_weight": (0.2, 0.05, 1.0, 0.5),
    "prefix.weight": (0.15, 0.05, 1.0, 0.9),
    "split_join.weight": (0.15, 0.05, 1.0, 0.8),
    "exact.weight": (0.2, 0.0, 5.0, 0),
    "related.weight": (0.2, 0.0, 5.0, 0),
    "typo.two_weight": (0.2, 0.05, 1.0, 0.3),
    "relax.other_word_share": (0.3, 0.0, 1.0, 1),
    "proximity.window": (0.5, 10, 400, 50),
}


def read_config(path):
    """The config's lines, and its settings as a dict (later lines win)."""
    with open(path) as f:
        lines = f.read().splitlines()
    settings = {}
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if "=" in text:
            key, value = (part.strip() for part in text.split("=", 1))
            settings[key] = value
    return lines, settings


def write_config(path, base_lines, changes):
    """`base_lines` with each changed key's value replaced (or appended)."""
    out, seen = [], set()
    for line in base_lines:
        text = line.split("#", 1)[0].strip()
        key = text.split("=", 1)[0].strip() if "=" in text else None
        if key in changes:
            out.append(f"{key} = {changes[key]:.4g}")
            seen.add(key)
        else:
            out.append(line)
    for key, value in changes.items():
        if key not in seen:
            out.append(f"{key} = {value:.4g}")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def neighbours(value, step, lowest, highest):
    if step is None:
        candidates = [value + 1, value - 1]
    else:
        candidates = [value * (1 + step), value * (1 - step)] if value > 0 else [lowest + (highest - lowest) * 0.05]
    return [round(c, 4) for c in candidates if lowest <= c <= highest and abs(c - value) > 1e-9]


def evaluate(args, configs):
    """Per config, the gain over the baseline on (training half, check half, all)."""
    command = [args.relevance, "eval", "--index", args.index, "--judgments", args.judgments,
               "--columns", args.columns, "--ranking", args.baseline, "--against", ",".join(configs), "--json"]
    if args.data_dir:
        command += ["--data-dir", args.data_dir]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"tune_ranking: listing-relevance eval failed:\n{run.stderr[-2000:]}")
    report = json.loads(run.stdout[run.stdout.index("{"):])
    return [(c["gain_half_0"]["mean"], c["gain_half_1"]["mean"], c["gain"]["mean"]) for c in report["configs"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", required=True)
    parser.add_argument("--judgments", required=True)
    parser.add_argument("--columns", default="query,listing_id,grade")
    parser.add_argument("--baseline", required=True, help="the config gains are measured against (plain BM25)")
    parser.add_argument("--start", required=True, help="the config to start from")
    parser.add_argument("--output", required=True, help="where to write the tuned config")
    parser.add_argument("--data-dir", help="passed to listing-relevance eval")
    parser.add_argument("--parameters", help="comma-separated subset of: " + ", ".join(DEFAULT_PARAMETERS))
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--min-gain", type=float, default=0.0005)
    parser.add_argument("--relevance", default=os.environ.get("RELEVANCE_BIN", "./build/relevance/listing-relevance"))
    args = parser.parse_args()

    names = args.parameters.split(",") if args.parameters else list(DEFAULT_PARAMETERS)
    unknown = [n for n in names if n not in DEFAULT_PARAMETERS]
    if unknown:
        sys.exit(f"tune_ranking: unknown parameters {unknown}; known: {', '.join(DEFAULT_PARAMETERS)}")
    base_lines, settings = read_config(args.start)
    from_start = {}
    work = tempfile.mkdtemp(prefix="tune-ranking-")
    start_config = os.path.join(work, "start.conf")
    write_config(start_config, base_lines, {})
    best_train, best_check, best_all = evaluate(args, [start_config])[0]
    print(f"start: gain {best_all:+.4f} (training half {best_train:+.4f}, check half {best_check:+.4f})", flush=True)

    def current(name):
        if name in from_start:
            return from_start[name]
        return float(settings.get(name, DEFAULT_PARAMETERS[name][3]))

    for round_number in range(1, args.rounds + 1):
        tries = []
        for name in names:
            step, lowest, highest, _ = DEFAULT_PARAMETERS[name]
            for value in neighbours(current(name), step, lowest, highest):
                changes = dict(from_start, **{name: value})
                path = os.path.join(work, f"r{round_number}-{name}-{value}.conf")
                write_config(path, base_lines, changes)
                tries.append((name, value, path))
        results = evaluate(args, [path for _, _, path in tries])
        (name, value, _), (train, check, overall) = max(zip(tries, results), key=lambda pair: pair[1][0])
        if train - best_train < args.min_gain:
            print(f"round {round_number}: no change gains {args.min_gain} on the training half; done", flush=True)
            break
        from_start[name] = value
        best_train, best_check, best_all = train, check, overall
        print(f"round {round_number}: {name} = {value:g}: training half {train:+.4f}, check half {check:+.4f}",
              flush=True)
    write_config(args.output, base_lines, from_start)
    print(f"tuned: {', '.join(f'{k} = {v:g}' for k, v in from_start.items()) or 'nothing changed'}")
    print(f"gain over the baseline: all {best_all:+.4f}, training half {best_train:+.4f}, check half {best_check:+.4f}")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
