#!/usr/bin/env python3
"""Generate realistic second-hand marketplace listings in the feed format.

Deterministic: the same --profile, --seed and options always give
byte-identical output, so the demo sample (data/sample_listings.jsonl) and
benchmark feeds can be regenerated anywhere. Three profiles:

- calibrated (default, the benchmarks' data): calibrated on the real Mercari
  listings through scripts/calibration/mercari_profile.json (title and
  description length distributions, Zipf vocabulary, ~4,800 brands with real
  name shapes, a ~1,300-path category tree, price, condition, shipping,
  ages); see scripts/calibrated_listings.py.
- heavy: the calibrated world stretched to the issue's heavy set (titles 7.2
  and descriptions 50.5 words on average, 4,000 brands, 1,300 categories).
- light: the original generator, unchanged: 60 hand-written brands, short
  descriptions, some Japanese listings and full-width digits. Brands follow
  a Zipf distribution; titles are built the way sellers write them (brand,
  model, product, size, condition words).

A summary of the generated distributions goes to stderr, next to Mercari's.

    scripts/generate_listings.py --profile light --count 3000 --seed 42 --output data/sample_listings.jsonl
    scripts/generate_listings.py --count 1000000 --output /tmp/listings-1m.jsonl
"""

import argparse
import bisect
import itertools
import json
import math
import random
import sys
import time

import calibrated_listings

# kind -> ({product noun: category path}, median price USD, price spread)
KINDS = {
    "sneakers": ({"Sneakers": "Men/Shoes/Athletic", "Running Shoes": "Women/Shoes/Athletic", "Shoes": "Men/Shoes/Athletic",
                  "Trainers": "Women/Shoes/Athletic", "Kids Sneakers": "Kids/Boys/Shoes", "Boots": "Women/Shoes/Boots"}, 70, 0.6),
    "apparel": ({"T-Shirt": "Men/Tops/T-shirts", "Graphic Tee": "Women/Tops & Blouses/T-Shirts",
                 "Hoodie": "Men/Sweats & Hoodies/Hoodie", "Leggings": "Women/Athletic Apparel/Pants, Tights, Leggings",
                 "Jacket": "Men/Coats & Jackets/Puffer", "Puffer Jacket": "Women/Coats & Jackets/Puffer",
                 "Sweater": "Women/Sweaters/Cardigan", "Jeans": "Women/Jeans/Slim, Skinny", "Dress": "Women/Dresses/Above Knee, Mini",
                 "Tank Top": "Women/Tops & Blouses/Tank, Cami", "Joggers": "Men/Athletic Apparel/Pants",
                 "Crewneck Sweatshirt": "Women/Sweats & Hoodies/Sweatshirt", "Blouse": "Women/Tops & Blouses/Blouse",
                 "Shorts": "Women/Athletic Apparel/Shorts"}, 25, 0.6),
    "bags": ({"Handbag": "Women/Women's Handbags/Shoulder Bag", "Tote Bag": "Women/Women's Handbags/Totes & Shoppers",
              "Crossbody Bag": "Women/Women's Handbags/Cross-Body", "Wallet": "Women/Women's Accessories/Wallets",
              "Purse": "Women/Women's Handbags/Shoulder Bag", "Backpack": "Women/Women's Handbags/Backpack Style"}, 80, 0.9),
    "phones": ({"Smartphone": "Electronics/Cell Phones & Accessories/Cell Phones & Smartphones",
                "Unlocked": "Electronics/Cell Phones & Accessories/Cell Phones & Smartphones",
                "Case": "Electronics/Cell Phones & Accessories/Cases, Covers & Skins",
                "Screen Protector": "Electronics/Cell Phones & Accessories/Screen Protectors"}, 250, 0.9),
    "audio": ({"Headphones": "Electronics/TV, Audio & Surveillance/Headphones",
               "Earbuds": "Electronics/TV, Audio & Surveillance/Headphones",
               "Speaker": "Electronics/TV, Audio & Surveillance/Speakers"}, 90, 0.7),
    "consoles": ({"Console": "Electronics/Video Games & Consoles/Consoles",
                  "Console Bundle": "Electronics/Video Games & Consoles/Consoles",
                  "Controller": "Electronics/Video Games & Consoles/Video Gaming Merchandise",
                  "Game": "Electronics/Video Games & Consoles/Games"}, 120, 0.9),
    "computers": ({"Laptop": "Electronics/Computers & Tablets/Laptops & Netbooks", "Tablet": "Electronics/Computers & Tablets/iPad",
                   "Keyboard": "Electronics/Computers & Tablets/Components & Parts",
                   "Gaming Mouse": "Electronics/Computers & Tablets/Components & Parts"}, 200, 0.9),
    "cameras": ({"Camera": "Electronics/Cameras & Photography/Digital Cameras",
                 "Lens": "Electronics/Cameras & Photography/Lenses & Filters"}, 300, 0.7),
    "toys": ({"Set": "Kids/Toys/Building Toys", "Figure": "Kids/Toys/Action Figures & Statues",
              "Doll": "Kids/Toys/Dolls & Accessories", "Plush": "Kids/Toys/Stuffed Animals & Plush",
              "Lot": "Kids/Toys/Cars & Vehicles"}, 30, 0.8),
    "collectibles": ({"Cards": "Vintage & Collectibles/Trading Cards/Pokémon", "Card Lot": "Vintage & Collectibles/Trading Cards/Pokémon",
                      "Booster Box": "Vintage & Collectibles/Trading Cards/Pokémon",
                      "Pop Figure": "Vintage & Collectibles/Collectibles/Figurine"}, 20, 1.0),
    "beauty": ({"Lipstick": "Beauty/Makeup/Lips", "Eyeshadow Palette": "Beauty/Makeup/Eyes", "Foundation": "Beauty/Makeup/Face",
                "Perfume": "Beauty/Fragrance/Women", "Body Mist": "Beauty/Fragrance/Women", "Serum": "Beauty/Skin Care/Face"}, 18, 0.6),
    "home": ({"Mug": "Home/Kitchen & Dining/Coffee & Tea Accessories", "Canister Set": "Home/Kitchen & Dining/Kitchen Canisters",
              "Candle": "Home/Home Décor/Candles & Holders", "Planter": "Home/Home Décor/Home Décor Accents"}, 20, 0.6),
    "jewelry": ({"Necklace": "Women/Jewelry/Necklaces", "Bracelet": "Women/Jewelry/Bracelets", "Earrings": "Women/Jewelry/Earrings",
                 "Ring": "Women/Jewelry/Rings", "Watch": "Women/Women's Accessories/Watches"}, 35, 0.9),
}

# brand -> (kinds it sells, models). Listed roughly by popularity: the Zipf
# weights follow this order.
BRANDS = [
    ("Nike", {"sneakers": ["Air Max 90", "Air Force 1", "Air Jordan 1", "Dunk Low", "Blazer Mid", "Pegasus 38"], "apparel": ["Tech Fleece", "Dri-FIT", "Sportswear"]}),
    ("PINK", {"apparel": ["Campus", "Everyday Lounge", "Logo"], "bags": ["Logo", "Campus"]}),
    ("Apple", {"phones": ["iPhone 12 Pro Max 128GB", "iPhone 11 64GB", "iPhone 13 mini", "iPhone XR", "iPhone SE"], "audio": ["AirPods Pro", "AirPods 2nd Gen", "AirPods Max"], "computers": ["iPad Air", "MacBook Air M1", "iPad Pro 11", "Magic Keyboard"]}),
    ("Victoria's Secret", {"apparel": ["Sleep", "Lounge"], "beauty": ["Bombshell", "Love Spell", "Angel"], "bags": ["Tote"]}),
    ("LuLaRoe", {"apparel": ["Irma", "Carly", "Cassie", "OS Leggings"]}),
    ("Lululemon", {"apparel": ["Align", "Wunder Under", "Define", "Scuba"], "bags": ["Everywhere Belt Bag"]}),
    ("Nintendo", {"consoles": ["Switch OLED", "Switch Lite", "3DS XL", "Game Boy Advance", "Mario Kart 8", "Zelda Breath of the Wild"]}),
    ("American Eagle", {"apparel": ["AE Next Level", "Mom", "Jegging"]}),
    ("Forever 21", {"apparel": ["Crop", "Basic"], "jewelry": ["Layered", "Gold Tone"]}),
    ("Sony", {"consoles": ["PS4 Slim 500GB", "PS5 Disc Edition", "PlayStation 4 Pro", "DualSense"], "audio": ["WH-1000XM4", "WF-1000XM3"], "cameras": ["Alpha a6000", "ZV-1"]}),
    ("Michael Kors", {"bags": ["Jet Set", "Selma", "Mercer"], "jewelry": ["Runway", "Pave"]}),
    ("Rae Dunn", {"home": ["Coffee", "Flour", "Sugar", "Mama"]}),
    ("Adidas", {"sneakers": ["Ultraboost", "Stan Smith", "Superstar", "NMD R1", "Yeezy Boost 350", "Samba"], "apparel": ["Trefoil", "Tiro"]}),
    ("Coach", {"bags": ["Tabby", "Willow", "Signature"], "jewelry": ["Signature"]}),
    ("Funko", {"collectibles": ["Pop! Marvel", "Pop! Disney", "Pop! Star Wars"]}),
    ("Samsung", {"phones": ["Galaxy S21 128GB", "Galaxy Note 20", "Galaxy A52"], "audio": ["Galaxy Buds Pro", "Galaxy Buds Live"]}),
    ("Disney", {"toys": ["Mickey Mouse", "Frozen Elsa", "Stitch"], "apparel": ["Minnie", "Parks"]}),
    ("Pokémon", {"collectibles": ["Charizard", "Pikachu", "Evolving Skies", "Base Set", "Scarlet & Violet"], "toys": ["Pikachu", "Eevee"]}),
    ("LEGO", {"toys": ["Star Wars Millennium Falcon", "Technic", "Harry Potter Hogwarts", "City", "Creator Expert"]}),
    ("Old Navy", {"apparel": ["Active", "Rockstar"]}),
    ("Under Armour", {"apparel": ["HeatGear", "Rival Fleece"], "sneakers": ["Curry 8", "HOVR"]}),
    ("Kate Spade", {"bags": ["Cameron", "Spencer", "Staci"], "jewelry": ["Spade"]}),
    ("The North Face", {"apparel": ["Nuptse 700", "Denali", "Thermoball"], "bags": ["Borealis", "Jester"]}),
    ("Levi's", {"apparel": ["501", "511 Slim", "Wedgie", "Trucker"]}),
    ("Razer", {"computers": ["BlackWidow", "DeathAdder", "Huntsman"], "audio": ["Kraken", "Hammerhead"]}),
    ("Free People", {"apparel": ["Movement", "We The Free", "Boho"]}),
    ("H&M", {"apparel": ["Divided", "Basic"]}),
    ("Zara", {"apparel": ["Trafaluc", "Basic"], "bags": ["City"]}),
    ("Uniqlo", {"apparel": ["Ultra Light Down", "Heattech", "Airism"]}),
    ("Tory Burch", {"bags": ["Miller", "Kira", "Ella"], "sneakers": ["Miller Sandals"]}),
    ("Louis Vuitton", {"bags": ["Neverfull MM", "Speedy 30", "Pochette"]}),
    ("Vans", {"sneakers": ["Old Skool", "Sk8-Hi", "Authentic"]}),
    ("Converse", {"sneakers": ["Chuck Taylor All Star", "Chuck 70", "Run Star Hike"]}),
    ("Dr. Martens", {"sneakers": ["1460", "Jadon", "Chelsea"]}),
    ("Patagonia", {"apparel": ["Better Sweater", "Nano Puff", "Retro-X", "Synchilla"], "bags": ["Black Hole"]}),
    ("Canon", {"cameras": ["EOS Rebel T7", "EOS 80D", "PowerShot G7 X", "EF 50mm f/1.8"]}),
    ("Bose", {"audio": ["QuietComfort 35 II", "SoundLink", "QC Earbuds"]}),
    ("Beats", {"audio": ["Studio3", "Solo3", "Powerbeats Pro"]}),
    ("Microsoft", {"consoles": ["Xbox One S", "Xbox Series X", "Halo Infinite"], "computers": ["Surface Pro 7"]}),
    ("Hot Wheels", {"toys": ["Treasure Hunt", "Redline", "Track Set"]}),
    ("Barbie", {"toys": ["Dreamhouse", "Fashionistas", "Vintage"]}),
    ("MAC", {"beauty": ["Ruby Woo", "Studio Fix", "Velvet Teddy"]}),
    ("Urban Decay", {"beauty": ["Naked", "All Nighter"]}),
    ("Too Faced", {"beauty": ["Better Than Sex", "Born This Way"]}),
    ("Fossil", {"jewelry": ["Gen 5", "Jacqueline"], "bags": ["Leather"]}),
    ("Pandora", {"jewelry": ["Moments", "Charm"]}),
    ("Ralph Lauren", {"apparel": ["Polo", "Big Pony"]}),
    ("Gap", {"apparel": ["Logo", "1969"]}),
    ("Hollister", {"apparel": ["Ultra High Rise"]}),
    ("Carter's", {"apparel": ["Baby", "Toddler"]}),
    ("Champion", {"apparel": ["Reverse Weave", "Powerblend"]}),
    ("Columbia", {"apparel": ["Bugaboo", "Benton Springs"]}),
    ("Jordan", {"sneakers": ["Retro 4", "Retro 11", "1 Mid"]}),
    ("Fitbit", {"audio": ["Charge 4", "Versa 2"]}),
    ("Anthropologie", {"home": ["Monogram", "Maeve"]}),
    ("Kylie Cosmetics", {"beauty": ["Lip Kit", "Kyshadow"]}),
    ("Bath & Body Works", {"beauty": ["Japanese Cherry Blossom", "Warm Vanilla Sugar"], "home": ["3-Wick"]}),
    ("Squishmallows", {"toys": ["8 inch", "16 inch"]}),
    ("Bape", {"apparel": ["Shark", "Camo"]}),
    ("Supreme", {"apparel": ["Box Logo"], "bags": ["Waist Bag"]}),
]

COLORS = ["Black", "White", "Grey", "Navy", "Red", "Blue", "Pink", "Green", "Beige", "Brown", "Olive", "Cream"]
APPAREL_SIZES = ["XS", "S", "M", "L", "XL", "Size M", "Size L", "Size S", "Size 8", "Size 28"]
SHOE_SIZES = ["Size 7", "Size 8", "Size 8.5", "Size 9", "Size 9.5", "Size 10", "Size 10.5", "Size 11", "Size 12", "27cm"]
TITLE_EXTRAS = ["NWT", "EUC", "New", "Brand New", "Vintage", "Bundle", "Lot of 3", "new with tags", "Rare",
                "Authentic", "Like New", "🔥", "Free Shipping", "3/4 sleeve", "HTF"]
CONDITION_NOTES = ["Worn once.", "Gently used, no stains or holes.", "Brand new with tags.", "Excellent used condition.",
                   "Some signs of wear, see photos.", "Never used, smoke-free home.", "Small scuff on the side.",
                   "Works perfectly, fully tested.", "Box included.", "No box.", "Minor scratches on the back."]
SHIPPING_NOTES = ["Ships next day.", "Bundle to save!", "Price is firm.", "Offers welcome.", "Ships in original box.",
                  "Will ship within 24 hours.", "No trades.", "Check out my other listings!"]
MEASUREMENTS = ["Measures 12 x 8 x 4 inches.", "Pit to pit 20 in.", "Inseam 30 in.", "Length 27 in.",
                "Battery health 89%.", "Approx 10.5 x 7 in."]

# Japanese listings: (title, description, brand, kind)
JAPANESE = [
    ("ナイキ エアマックス90 スニーカー ２７ｃｍ 中古品", "数回着用しました。目立つ傷や汚れはありません。箱なしで発送します。", "Nike", "sneakers"),
    ("ナイキのスニーカー27cm中古品", "通勤で使っていました。ソールに少し減りがあります。", "Nike", "sneakers"),
    ("ポケモンカード まとめ売り", "ポケモンカード約１００枚のまとめ売りです。キラカードも含みます。", "Pokémon", "collectibles"),
    ("ユニクロ ダウンジャケット Mサイズ 美品", "ウルトラライトダウンです。ワンシーズンのみ着用。", "Uniqlo", "apparel"),
    ("アディダス スタンスミス 白 24.5cm", "室内で試着のみ。未使用に近いです。", "Adidas", "sneakers"),
    ("任天堂スイッチ 有機ELモデル 本体", "動作確認済みです。付属品は全て揃っています。", "Nintendo", "consoles"),
    ("iPhone 12 Pro 128GB SIMフリー 中古", "バッテリー最大容量８５％。画面に傷はありません。", "Apple", "phones"),
    ("ルルレモン レギンス サイズ4 新品未使用", "タグ付きの新品です。サイズが合わなかったため出品します。", "Lululemon", "apparel"),
    ("コーチ ショルダーバッグ シグネチャー 美品", "使用回数は少なく、角擦れもほとんどありません。", "Coach", "bags"),
    ("ディズニー ミッキー ぬいぐるみ", "東京ディズニーランドで購入しました。", "Disney", "toys"),
    ("ソニー ワイヤレスヘッドホン WH-1000XM4 ブラック", "ノイズキャンセリング良好です。ケース付き。", "Sony", "audio"),
    ("レゴ スターウォーズ ミレニアムファルコン 中古", "組み立て済み、パーツ欠品なしを確認しています。", "LEGO", "toys"),
]

SECONDS_PER_DAY = 86400


def zipf_cumulative_weights(count, exponent):
    """Cumulative Zipf weights for ranks 1..count, for bisect sampling."""
    return list(itertools.accumulate(1.0 / (rank ** exponent) for rank in range(1, count + 1)))


class ListingGenerator:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.brand_weights = zipf_cumulative_weights(len(BRANDS), 1.1)
        self.seller_weights = zipf_cumulative_weights(max(50, args.count // 20), 0.9)
        self.kind_names = sorted(KINDS)
        self.nouns = {kind: list(KINDS[kind][0]) for kind in KINDS}

    def pick_zipf(self, cumulative):
        return bisect.bisect_left(cumulative, self.rng.random() * cumulative[-1])

    def price(self, kind):
        _, median, spread = KINDS[kind]
        value = median * math.exp(self.rng.gauss(0, spread))
        if value < 20:
            return max(1, round(value))
        if self.rng.random() < 0.3:
            return round(value) - 0.01
        return int(round(value / 5.0) * 5) or 5

    def size_for(self, kind):
        if kind == "sneakers":
            return self.rng.choice(SHOE_SIZES)
        if kind == "apparel":
            return self.rng.choice(APPAREL_SIZES)
        return ""

    def english_title(self, brand, model, kind, noun):
        rng = self.rng
        parts = []
        if brand:
            parts.append(brand)
        if model and rng.random() < 0.8:
            parts.append(model)
        if rng.random() < 0.35:
            parts.append(rng.choice(COLORS))
        parts.append(noun)
        size = self.size_for(kind)
        if size and rng.random() < 0.7:
            parts.append(size)
        if rng.random() < 0.3:
            parts.append(rng.choice(TITLE_EXTRAS))
        title = " ".join(parts)
        if rng.random() < 0.03:
            title = title.upper()
        return title

    def english_description(self, kind):
        rng = self.rng
        if rng.random() < 0.05:
            return "No description yet"
        sentences = [rng.choice(CONDITION_NOTES)]
        for _ in range(rng.randint(0, 4)):
            sentences.append(rng.choice(SHIPPING_NOTES + MEASUREMENTS + CONDITION_NOTES))
        if kind in ("apparel", "sneakers") and rng.random() < 0.3:
            sentences.append(f"Fits true to size, {self.size_for(kind).lower() or 'one size'}.")
        return " ".join(sentences)

    def listing(self, number):
        rng = self.rng
        args = self.args
        if rng.random() < args.japanese_fraction:
            title, description, brand, kind = rng.choice(JAPANESE)
            model = None
        elif rng.random() < 0.3:
            brand, model = "", None
            kind = rng.choice(self.kind_names)
        else:
            brand, models_by_kind = BRANDS[self.pick_zipf(self.brand_weights)]
            kind = rng.choice(sorted(models_by_kind))
            model = rng.choice(models_by_kind[kind])
        noun = None
        if model is not None or not brand:
            noun = rng.choice(self.nouns[kind])
            title = self.english_title(brand, model, kind, noun)
            description = self.english_description(kind)
        listing = {
            "id": f"{args.id_prefix}{number:07d}",
            "title": title,
            "description": description,
        }
        if brand:
            listing["brand"] = brand
        categories = KINDS[kind][0]
        listing["category"] = categories[noun] if noun else categories[self.nouns[kind][0]]
        listing["price"] = self.price(kind)
        listing["condition"] = rng.choices((1, 2, 3, 4, 5), weights=(25, 30, 30, 10, 5))[0]
        listing["shipping"] = "seller" if rng.random() < 0.55 else "buyer"
        listing["status"] = "sold" if rng.random() < args.sold_fraction else "on_sale"
        listing["created_at"] = args.start_time + int(rng.random() * args.days * SECONDS_PER_DAY)
        listing["seller_id"] = f"u{self.pick_zipf(self.seller_weights) + 1}"
        return listing



def update_of(rng, listing):
    """The listing sent again: sold, or at a lower price."""
    changed = dict(listing)
    if rng.random() < 0.5:
        changed["status"] = "sold"
    else:
        changed["price"] = max(1, round(listing["price"] * rng.uniform(0.6, 0.95)))
    return changed


def write_line(out, record):
    out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    out.write("\n")


def make_generator(args):
    if args.profile == "light":
        return ListingGenerator(args)
    return calibrated_listings.CalibratedGenerator(args, calibrated_listings.SHAPES[args.profile])


def sample_feed(path, wanted, rng, on_sale_only=False):
    """A uniform sample of `wanted` listings of an existing feed (one pass, reservoir sampling)."""
    reservoir, seen = [], 0
    with open(path, encoding="utf-8") as feed:
        for line in feed:
            if '"op"' in line or (on_sale_only and '"status":"sold"' in line):
                continue
            seen += 1
            if len(reservoir) < wanted:
                reservoir.append(line)
            elif (slot := rng.randrange(seen)) < wanted:
                reservoir[slot] = line
    if not reservoir:
        raise SystemExit(f"generate_listings: no listings in {path}")
    return [json.loads(line) for line in reservoir]


def generate(args, out, summary):
    generator = make_generator(args)
    show_progress = args.output != "-"
    keep_for_updates = args.updates_fraction > 0 or args.deletes_fraction > 0
    kept = []
    existing = []
    if args.mix_updates_from:
        existing = sample_feed(args.mix_updates_from, args.count, random.Random(args.seed + 1))
    for number in range(1, args.count + 1):
        listing = generator.listing(number)
        write_line(out, listing)
        summary.add(listing)
        if existing:
            write_line(out, update_of(generator.rng, existing[(number - 1) % len(existing)]))
        if keep_for_updates:
            kept.append(listing)
        if show_progress and number % 100_000 == 0:
            print(f"{number} listings", file=sys.stderr)
    rng = generator.rng
    for _ in range(int(args.updates_fraction * args.count)):
        write_line(out, update_of(rng, rng.choice(kept)))
    for _ in range(int(args.deletes_fraction * args.count)):
        write_line(out, {"op": "delete", "id": rng.choice(kept)["id"]})


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=("calibrated", "heavy", "light"), default="calibrated",
                        help="calibrated (Mercari-like, default), heavy (the issue's heavy set) or light "
                             "(the original generator)")
    parser.add_argument("--count", type=int, default=3000, help="listings to generate (default 3000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--output", default="-", help="output file, or - for stdout (default)")
    parser.add_argument("--start-time", type=int, default=1767225600, help="earliest created_at (default 2026-01-01)")
    parser.add_argument("--days", type=int, default=60, help="days that created_at spreads over (default 60)")
    parser.add_argument("--sold-fraction", type=float, default=0.08, help="share of sold listings (default 0.08)")
    parser.add_argument("--japanese-fraction", type=float, default=None,
                        help="light profile: share of Japanese listings (default 0.05); the calibrated and heavy "
                             "profiles have none, as Mercari US has none")
    parser.add_argument("--id-prefix", default="L", help="listing id prefix (default L)")
    parser.add_argument("--updates-fraction", type=float, default=0,
                        help="then re-send this share of listings with a new price or sold (default 0)")
    parser.add_argument("--deletes-fraction", type=float, default=0,
                        help="then delete this share of listings (default 0)")
    parser.add_argument("--mix-updates-from", metavar="FEED",
                        help="after each new listing, an update (sold, or a lower price) of a listing of FEED, "
                             "an existing feed: a mixed feed for `listing-indexer follow` (2 x COUNT lines)")
    args = parser.parse_args()
    if args.count < 0:
        parser.error("--count must not be negative")
    if args.profile == "light":
        args.japanese_fraction = 0.05 if args.japanese_fraction is None else args.japanese_fraction
    elif args.japanese_fraction:
        parser.error(f"--japanese-fraction: the {args.profile} profile has no Japanese listings (use --profile light)")
    return args


def main():
    args = parse_arguments()
    summary = calibrated_listings.Summary()
    started = time.monotonic()
    if args.output == "-":
        generate(args, sys.stdout, summary)
    else:
        with open(args.output, "w", encoding="utf-8") as out:
            generate(args, out, summary)
    print(f"{summary.listings} listings, profile {args.profile}, in {time.monotonic() - started:.1f} s",
          file=sys.stderr)
    for line in summary.report(args.profile, calibrated_listings.load_calibration()):
        print(line, file=sys.stderr)


if __name__ == "__main__":
    main()
