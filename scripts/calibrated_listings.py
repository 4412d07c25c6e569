"""The calibrated (Mercari-like) and heavy listing profiles of scripts/generate_listings.py.

Every distribution comes from scripts/calibration/mercari_profile.json,
which scripts/calibrate_mercari.py derives from the real Mercari files, so
generating never reads ../shared:

- title and description lengths: drawn from the real word-count histograms
  (the heavy profile stretches them to the issue's heavy set: titles 7.2 and
  descriptions 50.5 words on average);
- words: Zipf over a vocabulary whose head is generic English (listing_words)
  and whose tail is synthetic, sized by the real Heaps curve for the words
  the requested count will write, with the real Zipf exponents and share of
  numbers; descriptions repeat some title words as real ones do;
- brands: the published number of Mercari brands; popularity from the
  sample's own counts, the Good-Turing share of unseen brands spread over
  the rest along a Zipf tail; names shaped like real ones (word counts, "&",
  "& Co.", "The ...", shared words such as "Kids", "Black", "New"), each
  brand with a home department and a few model words of its own;
- categories: a three-level tree of the published number of paths, split
  over departments as in the sample (Kids has many), popularity as brands;
- price per department, condition, who pays shipping by price, listing ages.

The "world" (vocabulary, brands, category tree) is built from a fixed seed,
so feeds generated with different --seed values (a base set and a follow
feed) share brands, categories and words.
"""

import bisect
import collections
import itertools
import json
import pathlib
import random

from listing_words import (CATEGORY_QUALIFIERS, DEPARTMENT_NOUNS, DESCRIPTION_HEAD, NUMERIC_TOKENS, TITLE_HEAD,
                           synthetic_words)

CALIBRATION = pathlib.Path(__file__).resolve().parent / "calibration" / "mercari_profile.json"
WORLD_SEED = 2026
SECONDS_PER_DAY = 86400
NO_DESCRIPTION = "No description yet"
MODEL_WORD_POOL = 20_000  # a brand's model words come from this many tail words
MAX_NAME_TRIES = 1000  # attempts at a brand name of a given length that no brand has yet
WORD_TABLE_SIZE = 4_000_000  # entries of a vocabulary's draw table: the rarest words keep one or two


# A brand: its name, its home department, and words of its own (model names) for titles.
Brand = collections.namedtuple("Brand", "name home models")
# Brand-name words placed by their own patterns rather than as plain words.
CONNECTORS = ("&", "co.", "co", "the", "by", "and", "of", "for")
GENERIC_BRAND_WORDS = [word for word in TITLE_HEAD if word.isalpha()]


class ProfileShape:
    """What a profile changes against the calibration: lengths and the size of the world."""

    def __init__(self, name, title_words_mean=None, description_words_mean=None, brands=None, categories=None):
        self.name = name
        self.title_words_mean = title_words_mean
        self.description_words_mean = description_words_mean
        self.brands = brands
        self.categories = categories


# The independent heavy set (issue 17): titles 7.2 words, descriptions
# 50.5, 4,000 brands, 1,300 categories.
SHAPES = {
    "calibrated": ProfileShape("calibrated"),
    "heavy": ProfileShape("heavy", title_words_mean=7.2, description_words_mean=50.5, brands=4000, categories=1300),
}


def load_calibration(path=CALIBRATION):
    with open(path, encoding="utf-8") as source:
        return json.load(source)


def histogram_mean(histogram):
    return sum(value * count for value, count in histogram) / sum(count for _, count in histogram)


def zipf_cumulative(count, exponent):
    return list(itertools.accumulate(rank ** -exponent for rank in range(1, count + 1)))


def popularity(counts_in_sample, wanted, tail_exponent):
    """Cumulative weights of `wanted` values, most popular first.

    The values the real sample shows keep their sample counts; the share of
    draws that goes to values it does not show is the Good-Turing estimate
    (the share of the sample's values seen once), spread over the rest of
    the `wanted` values along a Zipf tail.
    """
    total = sum(counts_in_sample)
    unseen = sum(1 for count in counts_in_sample if count == 1) / total
    head = [count / total * (1 - unseen) for count in counts_in_sample[:wanted]]
    first_tail_rank = len(head) + 1
    tail = [rank ** -tail_exponent for rank in range(first_tail_rank, wanted + 1)]
    tail_total = sum(tail) or 1.0
    return list(itertools.accumulate(head + [weight / tail_total * unseen for weight in tail]))


def heaps_vocabulary(vocabulary, tokens_to_write):
    """Distinct words a text of `tokens_to_write` words has, on the real Heaps curve."""
    scale = max(tokens_to_write, 1) / vocabulary["tokens"]
    return max(200, round(vocabulary["distinct"] * scale ** vocabulary["heaps_exponent"]))


def interpolate(quantiles, fraction):
    """The value at `fraction` (0..1) of a list of evenly spaced quantiles."""
    position = fraction * (len(quantiles) - 1)
    low = int(position)
    high = min(low + 1, len(quantiles) - 1)
    return quantiles[low] + (quantiles[high] - quantiles[low]) * (position - low)


class LengthSampler:
    """Word counts drawn from a real histogram, optionally stretched to another mean."""

    def __init__(self, histogram, target_mean, rng):
        # One entry per real listing: a uniform pick is a draw from the histogram.
        self.table = [value for value, count in histogram for _ in range(count)]
        self.stretch = target_mean / histogram_mean(histogram) if target_mean else 1.0
        self.rng = rng

    def draw(self):
        value = self.table[int(self.rng.random() * len(self.table))]
        if self.stretch == 1.0:
            return value
        return max(1, int(value * self.stretch + self.rng.random()))  # rounded up or down so the mean holds


def draw_table(items, weights, size):
    """A list of about `size` items, each repeated in proportion to its weight (at least once).

    Drawing uniformly from it (random.choices without weights) is several
    times faster than a weighted draw, which bisects the cumulative weights
    for every word; the rarest words keep one entry or two.
    """
    scale = size / sum(weights)
    table = []
    for item, weight in zip(items, weights):
        table.extend([item] * max(1, round(weight * scale)))
    return table


class World:
    """Vocabulary, brands and category tree: the same for every --seed."""

    def __init__(self, calibration, shape, listings):
        rng = random.Random(WORLD_SEED)
        self.calibration = calibration
        title_lengths = calibration["title_words"]["histogram"]
        written = calibration["description_words"]["histogram_written"]
        title_mean = shape.title_words_mean or histogram_mean(title_lengths)
        description_mean = shape.description_words_mean or histogram_mean(written)
        self.title_vocabulary_size = heaps_vocabulary(calibration["title_vocabulary"], listings * title_mean)
        self.description_vocabulary_size = heaps_vocabulary(calibration["description_vocabulary"],
                                                            listings * description_mean)
        heads = set(TITLE_HEAD) | set(DESCRIPTION_HEAD) | set(NUMERIC_TOKENS)
        largest = max(self.title_vocabulary_size, self.description_vocabulary_size, MODEL_WORD_POOL)
        # The same tail word has the same rank in titles and descriptions, so
        # a rare title word is rare in descriptions too.
        self.tail = synthetic_words(largest, seed=WORLD_SEED, exclude=heads)
        self.brands = self.make_brands(rng, shape.brands or calibration["brands"]["total_published"])
        self.departments, self.department_weights, self.paths = self.make_categories(
            rng, shape.categories or calibration["categories"]["total_published"])

    # -- brands ---------------------------------------------------------------

    def make_brands(self, rng, count):
        shape = self.calibration["brands"]
        word_counts = [value for value, _ in shape["name_words_histogram"]]
        word_weights = [weight for _, weight in shape["name_words_histogram"]]
        departments = list(self.calibration["categories"]["departments"])
        department_shares = [entry["listing_share"] for entry in self.calibration["categories"]["departments"].values()]
        names = {}
        while len(names) < count:
            words = rng.choices(word_counts, weights=word_weights)[0]
            # Short names collide more often (there are few generic single words):
            # retry at the same length so the word-count histogram holds.
            name = self.brand_name(rng, words)
            for _ in range(MAX_NAME_TRIES):
                if name.lower() not in names:
                    break
                name = self.brand_name(rng, words)
            if name.lower() not in names:
                home = rng.choices(departments, weights=department_shares)[0]
                models = [rng.choice(self.tail[:MODEL_WORD_POOL]).capitalize() for _ in range(rng.randint(2, 8))]
                if rng.random() < 0.4:
                    models.append(rng.choice(NUMERIC_TOKENS).upper())
                names[name.lower()] = Brand(name, home, models)
        brands = list(names.values())
        rng.shuffle(brands)  # popularity rank has nothing to do with how a name was made
        return brands

    def brand_name_word(self, rng):
        """A generic English word (as in "Old Navy") at the real share, else a made-up name."""
        if rng.random() < self.calibration["brands"]["generic_word_share"]:
            return rng.choice(GENERIC_BRAND_WORDS).capitalize()
        return rng.choice(self.tail[:MODEL_WORD_POOL]).capitalize()

    def brand_name(self, rng, words):
        """A name of `words` words, with the shared words and connectors at their real shares.

        The connectors only appear in names of three words or more, as in
        the real ones ("Tiffany & Co.", "The North Face", "Beats by Dre"),
        so their shares among those names are the real shares divided by the
        share of such names.
        """
        brands = self.calibration["brands"]
        shares = brands["name_word_shares"]
        parts = [self.brand_name_word(rng) for _ in range(words)]
        for word in shares:
            if word not in CONNECTORS and rng.random() < shares[word]:
                parts[rng.randrange(len(parts))] = word.capitalize()
        if words >= 3:
            long_share = sum(count for length, count in brands["name_words_histogram"] if length >= 3) / sum(
                count for _, count in brands["name_words_histogram"])
            roll = rng.random() * long_share
            if roll < shares["co."]:
                parts = parts[:words - 2] + ["&", "Co."] if rng.random() < 0.5 else parts[:words - 1] + ["Co."]
            elif (roll := roll - shares["co."]) < shares["&"]:
                parts = parts[:1] + ["&"] + parts[1:words - 1]
            elif (roll := roll - shares["&"]) < shares["the"]:
                parts = ["The"] + parts[:words - 1]
            elif roll - shares["the"] < shares["by"]:
                parts = parts[:1] + ["by"] + parts[1:words - 1]
        name = " ".join(parts)
        return name.upper() if rng.random() < 0.05 else name

    # -- categories -----------------------------------------------------------

    def make_categories(self, rng, total_paths):
        shape = self.calibration["categories"]
        departments = shape["departments"]
        seen_in_sample = sum(entry["distinct_paths_in_sample"] for entry in departments.values())
        paths_by_department = {}
        for department, entry in departments.items():
            wanted = max(entry["second_levels_in_sample"],
                         round(total_paths * entry["distinct_paths_in_sample"] / seen_in_sample))
            paths_by_department[department] = self.department_paths(rng, department,
                                                                    entry["second_levels_in_sample"], wanted)
        names = list(departments)
        weights = [departments[name]["listing_share"] for name in names]
        return names, list(itertools.accumulate(weights)), paths_by_department

    @staticmethod
    def category_name(rng, nouns, words):
        """A name of `words` words in the shapes Mercari's have: "Shoes", "Athletic Shoes",
        "Tops & Blouses", "Cases, Covers & Skins" (an "&" counts as a word)."""
        if words <= 2:
            noun = rng.choice(nouns).capitalize()
            return noun if words == 1 else f"{rng.choice(CATEGORY_QUALIFIERS).capitalize()} {noun}"
        picked = [noun.capitalize() for noun in rng.sample(nouns, min(len(nouns), words - 1))]
        return ", ".join(picked[:-1]) + " & " + picked[-1]

    def department_paths(self, rng, department, second_levels, wanted):
        nouns = DEPARTMENT_NOUNS[department]
        leaf_words = [value for value, _ in self.calibration["categories"]["leaf_name_words_histogram"]]
        leaf_weights = [weight for _, weight in self.calibration["categories"]["leaf_name_words_histogram"]]
        seconds = set()
        while len(seconds) < second_levels:
            seconds.add(self.category_name(rng, nouns, rng.choice((1, 1, 2, 3))))
        seconds = sorted(seconds)
        # Some second levels have many leaves, most a few (as "Women/Tops & Blouses" against "Women/Suits").
        weights = [rng.paretovariate(1.2) for _ in seconds]
        paths = set()
        def add_leaf(second, words):
            leaf = self.category_name(rng, nouns, words)
            if leaf != second:
                paths.add(f"{department}/{second}/{leaf}")

        for second in seconds:  # every second level has at least one leaf
            add_leaf(second, 1)
        while len(paths) < wanted:
            add_leaf(rng.choices(seconds, weights=weights)[0], rng.choices(leaf_words, weights=leaf_weights)[0])
        paths = sorted(paths)
        rng.shuffle(paths)
        return paths


class CalibratedGenerator:
    """Listings of the calibrated or heavy profile; the same options and seed give the same bytes."""

    def __init__(self, args, shape, calibration=None):
        self.args = args
        self.calibration = calibration or load_calibration()
        calibration = self.calibration
        self.world = World(calibration, shape, args.count)
        self.rng = random.Random(args.seed)
        rng = self.rng
        self.title_lengths = LengthSampler(calibration["title_words"]["histogram"], shape.title_words_mean, rng)
        placeholder = calibration["description_words"]["placeholder_share"]
        written_mean = None
        if shape.description_words_mean:  # keep the placeholder's three words in the mean, as Mercari's figure does
            written_mean = (shape.description_words_mean - 3 * placeholder) / (1 - placeholder)
        self.description_lengths = LengthSampler(calibration["description_words"]["histogram_written"],
                                                 written_mean, rng)
        self.title_words = self.population(TITLE_HEAD, self.world.title_vocabulary_size,
                                           calibration["title_vocabulary"])
        self.description_words = self.population(DESCRIPTION_HEAD, self.world.description_vocabulary_size,
                                                 calibration["description_vocabulary"])
        brands = calibration["brands"]
        self.brand_weights = popularity(brands["counts_in_sample"], len(self.world.brands), brands["zipf_exponent"])
        categories = calibration["categories"]
        self.path_weights = {department: popularity(categories["departments"][department]["path_counts_in_sample"],
                                                    len(paths), categories["zipf_exponent"])
                             for department, paths in self.world.paths.items()}
        self.seller_weights = zipf_cumulative(max(50, args.count // 20), 0.9)
        self.casing_shapes = list(calibration["title_casing"])
        self.casing_weights = list(itertools.accumulate(calibration["title_casing"].values()))
        self.conditions = [int(value) for value in calibration["condition"]]
        self.condition_weights = list(itertools.accumulate(calibration["condition"].values()))
        self.newest = args.start_time + args.days * SECONDS_PER_DAY
        self.title_word_share = calibration["description_vocabulary"]["title_word_share"]

    def population(self, head, size, vocabulary):
        """A draw table of words with Zipf weights, numbers mixed in at their real share."""
        words = head + self.world.tail[:max(0, size - len(head))]
        digit_share = vocabulary["digit_share"]
        word_weights = [rank ** -vocabulary["zipf_exponent"] for rank in range(1, len(words) + 1)]
        word_total = sum(word_weights)
        number_weights = [rank ** -1.0 for rank in range(1, len(NUMERIC_TOKENS) + 1)]
        number_scale = word_total * digit_share / (1 - digit_share) / sum(number_weights)
        weights = word_weights + [weight * number_scale for weight in number_weights]
        return draw_table(words + NUMERIC_TOKENS, weights, WORD_TABLE_SIZE)

    def pick(self, cumulative):
        return bisect.bisect_left(cumulative, self.rng.random() * cumulative[-1])

    def category(self, brand):
        rng = self.rng
        if rng.random() < self.calibration["categories"]["missing_share"]:
            return None
        if brand and rng.random() < self.calibration["brands"]["top_department_share"]:
            department = brand.home
        else:
            department = self.world.departments[self.pick(self.world.department_weights)]
        return self.world.paths[department][self.pick(self.path_weights[department])]

    def title(self, brand, category):
        rng = self.rng
        length = self.title_lengths.draw()
        lead = []
        if brand and rng.random() < self.calibration["brands"]["in_title_share"]:
            lead = brand.name.split()
            if rng.random() < 0.5:
                lead.append(rng.choice(brand.models))
        tail = []
        if category and rng.random() < self.calibration["categories"]["leaf_named_in_title_share"]:
            tail.append(category.rsplit("/", 1)[1].replace(",", "").split()[-1])
        if len(lead) + len(tail) > length:  # a short title: the brand's model word and the noun go first
            tail = []
            lead = lead[:max(length, len(brand.name.split()))] if lead else lead
        filler = max(0, length - len(lead) - len(tail))
        words = rng.choices(self.title_words, k=filler) if filler else []
        casing = self.casing_shapes[bisect.bisect_left(self.casing_weights, rng.random() * self.casing_weights[-1])]
        if casing == "title":
            words = [word.capitalize() for word in words]
            tail = [word.capitalize() for word in tail]
        elif casing == "mixed":
            words = [word.capitalize() if rng.random() < 0.5 else word for word in words]
        title = " ".join(lead + words + tail) or rng.choice(self.title_words)
        if casing == "upper":
            return title.upper()
        if casing == "lower":
            return title.lower()
        return title

    def description(self, title):
        rng = self.rng
        if rng.random() < self.calibration["description_words"]["placeholder_share"]:
            return NO_DESCRIPTION
        length = self.description_lengths.draw()
        words = rng.choices(self.description_words, k=length)
        # Real descriptions repeat some words of their title.
        title_words = title.lower().split()
        repeats = int(length * self.title_word_share + rng.random())
        for _ in range(repeats):
            words[int(rng.random() * length)] = title_words[int(rng.random() * len(title_words))]
        sentences, start = [], 0
        while start < length:
            end = min(length, start + 5 + int(rng.random() * 10))
            sentence = words[start:end]
            sentences.append(" ".join([sentence[0].capitalize()] + sentence[1:]) + ".")
            start = end
        return " ".join(sentences)

    def price(self, category):
        calibration = self.calibration["price"]
        department = category.split("/", 1)[0] if category else None
        quantiles = calibration["department_quantiles"].get(department, calibration["quantiles"])
        if self.rng.random() < calibration["zero_share"]:
            return 0
        return max(1, round(interpolate(quantiles, self.rng.random())))

    def shipping(self, price):
        shipping = self.calibration["shipping"]
        quintile = bisect.bisect_right(shipping["price_quintile_edges"], price)
        return "seller" if self.rng.random() < shipping["seller_share_by_price_quintile"][quintile] else "buyer"

    def created_at(self):
        age_days = interpolate(self.calibration["created_at"]["age_days_quantiles"], self.rng.random())
        return self.newest - int(age_days * SECONDS_PER_DAY)

    def listing(self, number):
        rng = self.rng
        args = self.args
        brand = None
        if rng.random() < self.calibration["brands"]["branded_share"]:
            brand = self.world.brands[self.pick(self.brand_weights)]
        category = self.category(brand)
        title = self.title(brand, category)
        listing = {"id": f"{args.id_prefix}{number:07d}", "title": title, "description": self.description(title)}
        if brand:
            listing["brand"] = brand.name
        if category:
            listing["category"] = category
        price = self.price(category)
        listing["price"] = price
        listing["condition"] = self.conditions[self.pick(self.condition_weights)]
        listing["shipping"] = self.shipping(price)
        listing["status"] = "sold" if rng.random() < args.sold_fraction else "on_sale"
        listing["created_at"] = self.created_at()
        listing["seller_id"] = f"u{self.pick(self.seller_weights) + 1}"
        return listing


def words_in(text):
    return len(text.split())


def mean_and_median(histogram):
    """Mean and median of a {value: count} histogram."""
    total = sum(histogram.values())
    if not total:
        return 0.0, 0
    mean = sum(value * count for value, count in histogram.items()) / total
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen * 2 >= total:
            return mean, value
    return mean, 0


class Summary:
    """What the generated listings look like, for the figures printed next to Mercari's."""

    def __init__(self):
        self.listings = 0
        self.title_words = {}
        self.description_words = {}
        self.brands = set()
        self.categories = set()
        self.unbranded = 0

    def add(self, listing):
        self.listings += 1
        count = words_in(listing["title"])
        self.title_words[count] = self.title_words.get(count, 0) + 1
        count = words_in(listing.get("description", ""))
        self.description_words[count] = self.description_words.get(count, 0) + 1
        if "brand" in listing:
            self.brands.add(listing["brand"])
        else:
            self.unbranded += 1
        if "category" in listing:
            self.categories.add(listing["category"])

    def report(self, profile, calibration):
        """Lines comparing the generated figures with Mercari's (or, for heavy, the issue's heavy set)."""
        title_mean, title_median = mean_and_median(self.title_words)
        description_mean, description_median = mean_and_median(self.description_words)
        brands = calibration["brands"]
        categories = calibration["categories"]
        reference = "Mercari"
        expected = [f"{calibration['title_words']['mean']:.2f}", f"{calibration['title_words']['median']:g}",
                    f"{calibration['description_words']['mean']:.2f}",
                    f"{calibration['description_words']['median']:g}",
                    f"{brands['total_published']:,} ({brands['distinct_in_sample']} in the 7,002-row sample)",
                    f"{categories['total_published']:,} ({categories['distinct_in_sample']} in the sample)",
                    f"{1 - brands['branded_share']:.1%}"]
        if profile == "heavy":
            reference = "issue's heavy set"
            expected = ["7.2", "-", "50.5", "-", "4,000", "1,300", "-"]
        rows = [("title words, mean", f"{title_mean:.2f}"), ("title words, median", f"{title_median}"),
                ("description words, mean", f"{description_mean:.2f}"),
                ("description words, median", f"{description_median}"),
                ("distinct brands", f"{len(self.brands):,}"), ("distinct categories", f"{len(self.categories):,}"),
                ("listings without a brand", f"{self.unbranded / max(1, self.listings):.1%}")]
        lines = [f"{'':27}{'generated (' + profile + ')':>24}   {reference}"]
        for (label, value), target in zip(rows, expected):
            lines.append(f"{label:27}{value:>24}   {target}")
        return lines
