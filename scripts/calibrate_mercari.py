#!/usr/bin/env python3
"""Derive the calibrated listing profile from the real Mercari files.

Reads the Mercari files of ../shared/data/mercari (see
../shared/data/README.md) and writes scripts/calibration/mercari_profile.json:
numbers only (histograms, shares, quantiles, fitted exponents), no listing
text, so that scripts/generate_listings.py --profile calibrated never needs
../shared. Run it again when the files change:

    scripts/calibrate_mercari.py                      # ../shared/data/mercari -> scripts/calibration/
    scripts/calibrate_mercari.py --data-dir DIR --output FILE

What comes from where:
- mercari_train_5k.tsv + mercari_test_2k.tsv (7,002 listings): title and
  description word counts, word frequencies (Zipf and Heaps exponents),
  casing, brands (share, popularity, name shapes), categories, condition,
  shipping.
- mercari_train_5k.tsv only (the test file has no price): prices.
- mercari_us_scraped_300.csv: listing ages (the photo URLs carry the upload
  time in epoch seconds), the only dates in the files.

A 7,002-row sample cannot show how many brands and categories the whole
marketplace has (most of them are rare): the totals are the published
figures of the full Kaggle train.tsv (1,482,535 rows: 4,809 brands, 1,287
category paths). The popularity of the brands and categories the sample
shows is their sorted counts (numbers, no names); the share of listings
that goes to the ones it does not show is the Good-Turing estimate (the
share of brands seen once), spread over the rest along a Zipf tail whose
exponent is the one at which the published number of brands, drawn as often
as the sample has branded rows, shows as many distinct brands as the sample.
"""

import argparse
import bisect
import collections
import csv
import json
import math
import pathlib
import re
import statistics
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data" / "mercari"
DEFAULT_OUTPUT = REPO / "scripts" / "calibration" / "mercari_profile.json"

KAGGLE_FILES = ("mercari_train_5k.tsv", "mercari_test_2k.tsv")
SCRAPED_FILE = "mercari_us_scraped_300.csv"
NO_DESCRIPTION = "No description yet"  # Mercari's placeholder for an empty description
# Published figures of the full Kaggle train.tsv that the files are cut from.
FULL_SET_ROWS = 1_482_535
FULL_SET_BRANDS = 4_809
FULL_SET_CATEGORIES = 1_287
# Generic words whose share among brand names is measured: the words that
# multi-word brands share ("Tiffany & Co.", "The North Face", "Kids Korner").
BRAND_SHARED_WORDS = ("&", "co.", "co", "the", "by", "and", "of", "for", "new", "kids", "baby", "black",
                      "american", "home", "beauty", "girl", "boy", "york", "supply", "company", "collection",
                      "jeans", "sport", "sports", "design", "designs", "gold", "diamond", "pink", "little")
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
QUANTILE_STEPS = 100


def tokens(text):
    return WORD.findall(text.lower())


def read_kaggle(data_dir):
    csv.field_size_limit(sys.maxsize)
    rows = []
    for name in KAGGLE_FILES:
        with open(data_dir / name, newline="", encoding="utf-8") as tsv:
            rows.extend(csv.DictReader(tsv, delimiter="\t"))
    return rows


def histogram(values):
    return [[value, count] for value, count in sorted(collections.Counter(values).items())]


def summary(values):
    return {"mean": round(statistics.mean(values), 3), "median": statistics.median(values),
            "p90": sorted(values)[int(0.9 * len(values))], "max": max(values)}


def quantiles(values, steps=QUANTILE_STEPS):
    ordered = sorted(values)
    return [ordered[min(len(ordered) - 1, round(step * (len(ordered) - 1) / steps))] for step in range(steps + 1)]


def rank_frequency_slope(counter, first_rank=10, last_rank=1000):
    """Least-squares slope of log frequency over log rank: the Zipf exponent of the head."""
    frequencies = sorted(counter.values(), reverse=True)[first_rank - 1:last_rank]
    xs = [math.log(rank) for rank in range(first_rank, first_rank + len(frequencies))]
    ys = [math.log(frequency) for frequency in frequencies]
    mean_x, mean_y = statistics.mean(xs), statistics.mean(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
    return round(-slope, 4)


def heaps(texts):
    """Distinct words against words read, and the Heaps exponent between a tenth and all of them."""
    seen, read, points = set(), 0, []
    checkpoints = {len(texts) // 10, len(texts)}
    for number, text in enumerate(texts, 1):
        words = tokens(text)
        read += len(words)
        seen.update(words)
        if number in checkpoints:
            points.append((read, len(seen)))
    (small_read, small_seen), (all_read, all_seen) = points
    return {"tokens": all_read, "distinct": all_seen,
            "heaps_exponent": round(math.log(all_seen / small_seen) / math.log(all_read / small_read), 4)}


def expected_distinct(exponent, population, draws):
    """Expected number of distinct values in `draws` draws from a Zipf(exponent) over `population` values."""
    weights = [rank ** -exponent for rank in range(1, population + 1)]
    total = sum(weights)
    return sum(1 - (1 - weight / total) ** draws for weight in weights)


def zipf_exponent_for(population, draws, distinct_seen):
    """The Zipf exponent at which `draws` draws over `population` values show `distinct_seen` of them."""
    low, high = 0.3, 3.0
    for _ in range(40):
        middle = (low + high) / 2
        if expected_distinct(middle, population, draws) > distinct_seen:
            low = middle  # too many distinct: popularity must be steeper
        else:
            high = middle
    return round((low + high) / 2, 4)


def title_casing(titles):
    shapes = collections.Counter()
    for title in titles:
        words = [word for word in title.split() if any(ch.isalpha() for ch in word)]
        if not words:
            shapes["other"] += 1
        elif title.upper() == title:
            shapes["upper"] += 1
        elif title.lower() == title:
            shapes["lower"] += 1
        elif all(word[0].isupper() or not word[0].isalpha() for word in words):
            shapes["title"] += 1
        else:
            shapes["mixed"] += 1
    return {shape: round(count / len(titles), 4) for shape, count in sorted(shapes.items())}


def digit_share(texts):
    words = [word for text in texts for word in tokens(text)]
    return round(sum(1 for word in words if any(ch.isdigit() for ch in word)) / len(words), 4)


def text_profile(rows):
    titles = [row["name"] for row in rows]
    descriptions = [row["item_description"] for row in rows]
    written = [text for text in descriptions if text != NO_DESCRIPTION]
    title_counter = collections.Counter(word for text in titles for word in tokens(text))
    description_counter = collections.Counter(word for text in written for word in tokens(text))
    # How often a description repeats words of its own title.
    repeated, description_words = 0, 0
    for row in rows:
        if row["item_description"] == NO_DESCRIPTION:
            continue
        title_words = set(tokens(row["name"]))
        words = tokens(row["item_description"])
        repeated += sum(1 for word in words if word in title_words)
        description_words += len(words)
    return {
        "title_words": {**summary([len(text.split()) for text in titles]),
                        "histogram": histogram(len(text.split()) for text in titles)},
        "description_words": {
            **summary([len(text.split()) for text in descriptions]),
            "placeholder_share": round((len(descriptions) - len(written)) / len(descriptions), 4),
            "histogram_written": histogram(len(text.split()) for text in written)},
        "title_vocabulary": {**heaps(titles), "zipf_exponent": rank_frequency_slope(title_counter),
                             "digit_share": digit_share(titles)},
        "description_vocabulary": {**heaps(written), "zipf_exponent": rank_frequency_slope(description_counter),
                                   "digit_share": digit_share(written),
                                   "title_word_share": round(repeated / description_words, 4)},
        "title_casing": title_casing(titles),
    }


def brand_profile(rows):
    branded = [row for row in rows if row["brand_name"]]
    popularity = collections.Counter(row["brand_name"] for row in branded)
    names = list(popularity)
    name_words = [name.lower().split() for name in names]
    # A brand word is generic when it is also an ordinary word of other
    # listings' descriptions (a brand's own listings excluded would be
    # stricter; five uses keep names that are only ever brands out).
    description_counter = collections.Counter(
        word for row in rows if row["item_description"] != NO_DESCRIPTION for word in tokens(row["item_description"]))
    all_words = [word for words in name_words for word in words if WORD.fullmatch(word)]
    generic = sum(1 for word in all_words if description_counter[word] >= 5)
    # How concentrated a brand is: the share of its listings in its most common department.
    departments = collections.defaultdict(collections.Counter)
    for row in branded:
        departments[row["brand_name"]][row["category_name"].split("/")[0]] += 1
    frequent = [counter for brand, counter in departments.items() if popularity[brand] >= 10]
    return {
        "branded_share": round(len(branded) / len(rows), 4),
        "distinct_in_sample": len(names),
        "singletons_in_sample": sum(1 for count in popularity.values() if count == 1),
        "counts_in_sample": sorted(popularity.values(), reverse=True),
        "total_published": FULL_SET_BRANDS,
        "zipf_exponent": zipf_exponent_for(FULL_SET_BRANDS, len(branded), len(names)),
        "in_title_share": round(sum(1 for row in branded if row["brand_name"].lower() in row["name"].lower())
                                / len(branded), 4),
        "name_words_histogram": histogram(len(words) for words in name_words),
        "name_word_shares": {word: round(sum(1 for words in name_words if word in words) / len(names), 4)
                             for word in BRAND_SHARED_WORDS},
        "generic_word_share": round(generic / len(all_words), 4),
        "top_department_share": round(statistics.mean(max(counter.values()) / sum(counter.values())
                                                      for counter in frequent), 4),
    }


def category_profile(rows):
    paths = [row["category_name"] for row in rows if row["category_name"]]
    popularity = collections.Counter(paths)
    departments = collections.Counter(path.split("/")[0] for path in paths)
    counts_by_department = collections.defaultdict(list)
    for path, count in popularity.items():
        counts_by_department[path.split("/")[0]].append(count)
    second_level = {"/".join(path.split("/")[:2]) for path in popularity}
    leaf_names = {path.split("/", 2)[2] for path in popularity if path.count("/") >= 2}
    # How often the title names the leaf category (a word of four or more letters of it).
    named = 0
    for row in rows:
        if row["category_name"].count("/") >= 2:
            leaf_words = {word.rstrip("s") for word in tokens(row["category_name"].split("/", 2)[2]) if len(word) >= 4}
            title_words = {word.rstrip("s") for word in tokens(row["name"])}
            named += bool(leaf_words & title_words)
    return {
        "missing_share": round((len(rows) - len(paths)) / len(rows), 4),
        "distinct_in_sample": len(popularity),
        "total_published": FULL_SET_CATEGORIES,
        "zipf_exponent": zipf_exponent_for(FULL_SET_CATEGORIES, len(paths), len(popularity)),
        "departments": {name: {"listing_share": round(count / len(paths), 4),
                               "distinct_paths_in_sample": len(counts_by_department[name]),
                               "second_levels_in_sample": sum(1 for path in second_level
                                                              if path.split("/")[0] == name),
                               "path_counts_in_sample": sorted(counts_by_department[name], reverse=True)}
                        for name, count in departments.most_common()},
        "leaf_name_words_histogram": histogram(len(name.split()) for name in leaf_names),
        "leaf_name_ampersand_share": round(sum("&" in name for name in leaf_names) / len(leaf_names), 4),
        "leaf_name_comma_share": round(sum("," in name for name in leaf_names) / len(leaf_names), 4),
        "leaf_named_in_title_share": round(named / len(rows), 4),
    }


def price_profile(rows):
    priced = [(float(row["price"]), row) for row in rows if row.get("price")]
    prices = [price for price, _ in priced]
    by_department = collections.defaultdict(list)
    for price, row in priced:
        by_department[row["category_name"].split("/")[0] or "(none)"].append(price)
    ordered = sorted(prices)
    quintile_edges = [ordered[len(ordered) * step // 5] for step in range(1, 5)]
    seller_pays = collections.defaultdict(lambda: [0, 0])
    for price, row in priced:
        bucket = bisect.bisect_right(quintile_edges, price)
        seller_pays[bucket][0] += row["shipping"] == "1"
        seller_pays[bucket][1] += 1
    return {
        "price": {"rows": len(prices), "zero_share": round(sum(1 for price in prices if price == 0) / len(prices), 4),
                  "quantiles": quantiles(prices),
                  "department_quantiles": {department: quantiles(values, 20)
                                           for department, values in sorted(by_department.items())
                                           if len(values) >= 50}},
        "shipping": {"seller_share": round(sum(1 for row in rows if row["shipping"] == "1") / len(rows), 4),
                     "price_quintile_edges": quintile_edges,
                     "seller_share_by_price_quintile": [round(seller_pays[bucket][0] / seller_pays[bucket][1], 4)
                                                        for bucket in range(5)]},
    }


def age_profile(data_dir):
    """Listing ages from the upload times in the scraped listings' photo URLs."""
    with open(data_dir / SCRAPED_FILE, newline="", encoding="utf-8") as scraped:
        rows = list(csv.DictReader(scraped))
    times = []
    for row in rows:
        match = re.search(r"\?(\d{10,13})", row["photoLarge1"])
        if match:
            value = int(match.group(1))
            times.append(value // 1000 if value > 10**11 else value)
    newest = max(times)
    ages = [(newest - value) / 86400 for value in times]
    return {
        "created_at": {"rows": len(times), "age_days_quantiles": [round(age, 2) for age in quantiles(ages, 20)]},
        "status": {"scraped_status_counts": dict(collections.Counter(row["status"] for row in rows)),
                   "sold_share": None,
                   "note": "not in the files: the Kaggle rows are all sold items and the scraped ones all "
                           "'trading'; the generator keeps --sold-fraction"},
        "scraped_title_words_mean": round(statistics.mean(len(row["name"].split()) for row in rows), 3),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=pathlib.Path, default=DEFAULT_DATA_DIR,
                        help=f"folder with the Mercari files (default {DEFAULT_DATA_DIR})")
    parser.add_argument("--output", type=pathlib.Path, default=DEFAULT_OUTPUT, help=f"default {DEFAULT_OUTPUT}")
    args = parser.parse_args()
    missing = [name for name in (*KAGGLE_FILES, SCRAPED_FILE) if not (args.data_dir / name).is_file()]
    if missing:
        raise SystemExit(f"calibrate_mercari: {', '.join(missing)} not found in {args.data_dir}: the real "
                         f"Mercari files live in ../shared/data/mercari (see ../shared/data/README.md); "
                         f"the committed {DEFAULT_OUTPUT.relative_to(REPO)} keeps working without them")

    rows = read_kaggle(args.data_dir)
    condition = collections.Counter(row["item_condition_id"] for row in rows)
    profile = {
        "about": "Derived by scripts/calibrate_mercari.py from the Mercari files in ../shared/data/mercari: "
                 "numbers only. Word counts split on whitespace, as the issue's figures do.",
        "source": {"kaggle_rows": len(rows), "full_set_rows_published": FULL_SET_ROWS},
        **text_profile(rows),
        "brands": brand_profile(rows),
        "categories": category_profile(rows),
        **price_profile(rows),
        "condition": {value: round(count / len(rows), 4) for value, count in sorted(condition.items())},
        **age_profile(args.data_dir),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(profile, indent=1, ensure_ascii=False)
    # Lists of numbers on one line each: a readable file of a few hundred lines.
    text = re.sub(r"\[[-0-9.,\s]*\]", lambda match: " ".join(match.group(0).split()), text)
    with open(args.output, "w", encoding="utf-8") as out:
        out.write(text + "\n")
    print(f"calibrate_mercari: {len(rows)} listings -> {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
