"""Word lists for the calibrated listing generator: generic English only.

Nothing here is copied from real listings. The heads of the title and
description vocabularies are ordinary English and marketplace words, most
frequent first (as a seller would use them); category names are built from
generic product nouns per department; the long tail of the vocabulary
(model names, rare words) and most brand-name words are synthetic,
pronounceable words made from syllables, deterministic for a seed.
"""

import random

# The head of the title vocabulary, roughly most frequent first.
TITLE_HEAD = """
new size bundle for black and set nwt free top white pink shirt lot case dress small medium large
with of leggings bag shoes shorts jacket women's men's tank jeans gold silver blue red kids baby
girls boys vintage cute iphone brand mini bra lace leather sweater hoodie skirt pants tee t-shirt
boots sandals necklace bracelet earrings ring watch wallet purse backpack tote collection limited
edition authentic original rare used like only box tags bnwt euc nib sealed lipstick palette
eyeshadow makeup lotion perfume spray mist cream oil brush body face lip eye hair nail polish
mug cup bottle tumbler blanket pillow candle frame sign decor toy doll figure game games card
cards book books charger cable headphones speaker controller console camera phone screen cover
plus pro max slim high low waist long short sleeve crop graphic floral striped denim cotton
velvet fleece wool knit plaid camo green purple grey gray navy brown beige yellow orange cream
rose heart star moon cat dog bear unicorn mermaid princess summer winter holiday christmas
halloween party wedding bridal sport athletic running yoga gym workout travel home kitchen
""".split()

# The head of the description vocabulary: common English, most frequent first.
DESCRIPTION_HEAD = """
the and a for new in to with is size of i on brand free you condition it shipping no this are
or used worn never my will but all price great have not be only one has so just can fits
good like tags box any please was perfect included bundle in some small comes very wear color
first questions items item original ask me two excellent also great if they out there more
from by at smoke pet home clean never washed gently retail worn once firm offers ship same day
fast bought still ships save listings other check out my closet authentic sealed unopened
tested works perfectly light signs wear minor scratches stains holes tear pilling fading
bottom top back front side inside outside pocket pockets zipper strap straps button buttons
material soft comfortable stretchy true fit runs large little bit length width inches approx
measures cm oz ml pieces piece set pair pairs full half left right each both
""".split()

# Generic product nouns and qualifiers per department, to name categories.
DEPARTMENT_NOUNS = {
    "Women": """tops blouses dresses jeans skirts sweaters cardigans coats jackets shoes boots sandals
        heels flats sneakers jewelry necklaces earrings bracelets rings handbags totes wallets
        clutches swimwear bikinis lingerie bras panties sleepwear pajamas robes leggings tights
        pants shorts rompers jumpsuits suits blazers vests maternity accessories scarves hats
        belts sunglasses watches hair athletic apparel socks slippers costumes""".split(),
    "Men": """tops shirts polos tees sweaters hoodies sweatshirts coats jackets vests shoes boots
        sneakers loafers sandals pants jeans shorts suits blazers ties belts wallets watches hats
        caps bags backpacks socks underwear sleepwear athletic apparel swimwear accessories
        sunglasses jewelry""".split(),
    "Kids": """toys girls boys baby toddler infant dolls puzzles games blocks figures plush
        strollers car seats carriers diapering nursery bedding feeding bottles bibs gear
        bath potty safety dresses tops bottoms shoes outerwear sets pajamas costumes books
        learning crafts vehicles trains playsets outdoor sports swim accessories backpacks
        furniture decor""".split(),
    "Beauty": """makeup lips eyes face cheeks skin care fragrance nails hair tools brushes
        sets kits bath body lotions oils masks cleansers serums moisturizers sunscreen
        perfume cologne polish treatments styling accessories mirrors bags""".split(),
    "Electronics": """phones cases covers skins chargers cables headphones earbuds speakers audio
        cameras lenses photography laptops tablets computers components parts consoles games
        controllers accessories tv video surveillance smart home wearables gps drones
        batteries media players storage networking printers monitors""".split(),
    "Home": """kitchen dining bedding bath decor candles holders storage organization furniture
        lighting rugs curtains pillows throws frames wall art seasonal cleaning laundry
        cookware bakeware tableware drinkware mugs tools garden patio office pets""".split(),
    "Vintage & Collectibles": """trading cards figurines antiques coins stamps toys dolls
        bags purses clothing jewelry accessories electronics books magazines records music
        glass ceramics pottery art prints posters signs advertising pins patches memorabilia
        sports autographs comics games""".split(),
    "Other": """books office supplies shipping pet automotive tools music instruments crafts
        party gifts cards wrapping fabric yarn outdoor seasonal hobbies magazines software
        tickets other""".split(),
    "Handmade": """jewelry accessories art bags purses clothing home decor paper goods crafts
        dolls toys pets weddings candles soaps knitting crochet sewing woodworking glass
        ceramics prints stickers""".split(),
    "Sports & Outdoors": """fitness exercise golf fan shop apparel footwear camping hiking
        cycling fishing hunting water sports team sports outdoors games equipment dance
        ballet yoga running tennis skateboarding""".split(),
}

# Qualifiers that leaf category names combine with nouns ("Athletic Shoes").
CATEGORY_QUALIFIERS = """athletic casual formal outdoor indoor vintage classic mini slim skinny
    wide long short cross-body shoulder everyday travel novelty educational electronic
    wireless digital""".split()

# Size and number tokens; the first ones are the most frequent.
NUMERIC_TOKENS = [str(number) for number in range(1, 13)] + [
    "2t", "3t", "4t", "5t", "xs", "xl", "xxl", "1x", "2x", "3x", "6m", "12m", "18m", "24m",
    "7.5", "8.5", "9.5", "10.5", "11.5", "14", "16", "18", "20", "24", "25", "30", "32", "34", "36",
    "40", "50", "100", "16gb", "32gb", "64gb", "128gb", "256gb", "2pc", "3pc", "4pc", "5pc",
    "100ml", "50ml", "3.4oz", "1.7oz", "8oz", "2016", "2017", "2018", "2019", "2020", "4k", "1080p"]

ONSETS = ["", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
          "br", "ch", "cl", "cr", "dr", "fl", "gr", "kr", "pl", "pr", "sh", "sk", "sl", "st", "tr", "th"]
VOWELS = ["a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou", "y"]
CODAS = ["", "", "", "n", "r", "l", "s", "x", "m", "t", "nd", "rk", "st"]


def synthetic_words(count, seed, exclude=()):
    """`count` distinct pronounceable made-up words, the same for the same seed."""
    rng = random.Random(seed)
    seen = set(exclude)
    words = []
    while len(words) < count:
        syllables = rng.choices((1, 2, 3, 4), weights=(2, 6, 4, 1))[0]
        word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(syllables)) + rng.choice(CODAS)
        if len(word) >= 3 and word not in seen:
            seen.add(word)
            words.append(word)
    return words
