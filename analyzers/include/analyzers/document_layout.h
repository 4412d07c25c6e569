// How a listing is laid out in a Xapian document: term prefixes, value
// slots and stored fields, defined once for the indexer and the query side.
//
// Indexing speed is bounded by term volume: Xapian spends about 2 µs per
// term per document here, so every term on every listing is weighed:
//  - title and description words get their own prefixes, so field weights
//    apply at query time and can be tuned without reindexing;
//  - brand and category are not indexed as words at all: their filter keys
//    (XB, XC) carry wdf 1 and are searched through a FieldVocabulary that
//    maps query words to keys (thousands of keys instead of millions of
//    per-listing terms);
//  - condition and shipping live only in value slots (filters use value
//    ranges); status gets a term only when sold (sold listings are the few);
//  - only stems are indexed (STEM_SOME's double indexing and positions on
//    descriptions cost ~4x in speed together), and no word carries
//    positions: nothing searches by them (proximity reranks
//    from the stored titles, highlights mark the stored text). Title
//    positions were 12% of the index and 8% of the build's CPU; phrase
//    matching would need them back (add_posting in index_title) and a
//    rebuild.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

#include "analyzers/frozen_generation.h"
#include "analyzers/listing.h"
#include "analyzers/stored_text_dictionary.h"
#include "analyzers/synonyms.h"
#include "analyzers/text_analyzer.h"

namespace analyzers {

enum class TextField { title, brand, category, description };

// Fields indexed as words under their own prefix.
struct TextFieldSpec {
    TextField field;
    std::string_view name;    // as used in configs and explanations
    std::string_view prefix;  // Xapian term prefix
};

inline constexpr std::array<TextFieldSpec, 2> word_fields{{
    {TextField::title, "title", "T"},
    {TextField::description, "description", "D"},
}};

// A listing's description is indexed as at most this many distinct terms,
// the first ones it uses that its title does not already have. Every term
// costs indexing time and index space (two thirds of a calibrated
// listing's terms were description words); sellers put what matters
// first, and a word of the title already matches there, with six times
// the weight.
inline constexpr std::size_t max_description_terms = 16;

namespace prefix {
inline constexpr std::string_view id = "Q";         // unique listing id (boolean)
inline constexpr std::string_view brand = "XB";     // canonical brand key, wdf 1
inline constexpr std::string_view category = "XC";  // one per level, wdf 1: "women", "women/tops & blouses", ...
}  // namespace prefix

// Only sold listings carry this term: hiding sold listings is AND_NOT on a
// short posting list, and on-sale listings pay nothing for it.
inline constexpr std::string_view sold_term = "XTsold";

// Value slots, for sorting, ranges and facets.
namespace slot {
inline constexpr Xapian::valueno price = 0;       // sortable_serialise(price)
inline constexpr Xapian::valueno created_at = 1;  // sortable_serialise(epoch seconds)
inline constexpr Xapian::valueno condition = 2;   // sortable_serialise(1..5)
inline constexpr Xapian::valueno brand = 3;       // brand as the seller wrote it
inline constexpr Xapian::valueno category = 4;    // full category path as written
inline constexpr Xapian::valueno shipping = 5;    // "seller" | "buyer"
inline constexpr Xapian::valueno status = 6;      // "on_sale" | "sold"
// The display text that no other slot holds: id, title, description
// snippet, seller id and image URL, each length-prefixed, all but the
// title compressed against the index's dictionary when it has one
// (stored_text_dictionary.h; see stored_fields.cpp for the formats). A
// value rather than document data: Xapian zlib-compresses document data
// one document at a time, which cost a quarter of indexing time; value
// chunks are stored as they are. It held the whole JSON object until
// issue 18: 370 bytes a listing, 40% of the index, mostly field names and
// copies of slots 0-6.
inline constexpr Xapian::valueno stored_fields = 7;
}  // namespace slot

// What slot 7 holds for a listing: compressed against `dictionary`, or
// as it is without one.
std::string stored_text_value(const Listing& listing, const StoredTextDictionary* dictionary = nullptr);
// The part of a listing's slot-7 text that is compressed: what a
// dictionary is trained on (StoredTextDictionary::train).
std::string compressed_stored_text(const Listing& listing);
// The readers below take the database a value was read from (a shard, or
// shards combined as one generation): a compressed value's dictionary is
// in its metadata. They throw std::runtime_error when it is not.
//
// The listing as stored for display, from slot 7 and the other slots.
Listing stored_listing_of(const Xapian::Document& document, const Xapian::Database& source);
// The JSON object of a document's stored fields, byte for byte what
// stored_fields_json(listing) gave when it was indexed.
std::string stored_fields_of(const Xapian::Document& document, const Xapian::Database& source);
// The text fields of a slot-7 value alone (id, title, description
// snippet, seller id, image URL): one slot read instead of eight.
Listing stored_text_of(std::string_view stored_value, const Xapian::Database& source);
// The title in a slot-7 value alone: reading titles with a value stream
// needs no other slot, and no dictionary (titles are never compressed).
std::string stored_title(std::string_view stored_value);
// Whether a slot-7 value holds the whole listing (an index written before
// issue 18): stored_text_of then gives every field, and no other slot is read.
bool holds_whole_listing(std::string_view stored_value);
// The shipping that slot 5 holds ("" when none).
Shipping shipping_in_slot(std::string_view value);
// The number a sortable_serialise slot holds (0 when the slot is empty).
double number_in_slot(const std::string& value);

std::string id_term(std::string_view listing_id);

// How listings' text became terms. A change to the analysis that changes
// the terms of some text bumps it: an index analysed otherwise than its
// queries misses those words until it is rebuilt. The build writes it into
// each shard's metadata; the follower and the query server warn when a
// shard names another.
//   1  no metadata: indexes built before 2026-12-01
//   2  thousands separators dropped from numbers ("10,000" -> "10000")
//   3  numbers joined by a hyphen keep it ("10-3" -> "10-3", not "103")
inline constexpr int analysis_version = 3;
inline constexpr const char* analysis_version_key = "analysis_version";
// The analysis version `shard` was built with (1 when it does not say).
int analysis_version_of(const Xapian::Database& shard);
// Why `shard` (at `name`) and this program analyse text differently, or
// empty when they do not.
std::string analysis_mismatch(const Xapian::Database& shard, const std::string& name);

// The unprefixed terms a title is indexed as (the word fields' "T" terms):
// each word's term, then its parts, in the title's order, repeats kept.
std::vector<std::string> title_terms(std::string_view title, TextAnalyzer& analyzer);

// Filter keys, normalised the same way at index and query time.
std::string brand_key(std::string_view brand, TextAnalyzer& analyzer, const BrandAliases& aliases);
// "Women/Tops & Blouses/Blouse" -> {"women", "women/tops & blouses", "women/tops & blouses/blouse"}
std::vector<std::string> category_keys(std::string_view category, TextAnalyzer& analyzer);

// "Women/Tops & Blouses/Blouse" cut to its first `levels` levels.
std::string category_prefix(const std::string& path, std::size_t levels);

// Builds Xapian documents for listings. Not thread-safe: one per thread.
class DocumentBuilder {
public:
    // Its analyzer keeps 65,536 stems (4 MB): descriptions bring a large
    // vocabulary. Slot 7's text is compressed against `dictionary` (none:
    // stored as it is); a shard's documents must name a dictionary its
    // metadata holds, so the indexer passes the shard's.
    explicit DocumentBuilder(const Lexicon& lexicon, std::shared_ptr<const StoredTextDictionary> dictionary = nullptr)
        : lexicon_(lexicon),
          analyzer_(AnalyzerOptions{.stem_cache_slots = 1 << 16}),
          dictionary_(std::move(dictionary)) {}

    Xapian::Document build(const Listing& listing);
    // Why the listing's brand or category cannot have its filter keys (the
    // normalised key is over Xapian's term limit), or empty if they fit.
    // The indexer refuses such a listing rather than index it without them.
    std::string filter_key_error(const Listing& listing);
    // Marks an indexed listing sold in place: its terms and stored text stay
    // as they are, so a "sold" feed record needs no full listing and loses
    // nothing.
    static void mark_sold(Xapian::Document& document);

private:
    // Adds the title's terms and returns them, unprefixed.
    std::vector<std::string> index_title(Xapian::Document& document, std::string_view title);
    void index_description(Xapian::Document& document, std::string_view description,
                           const std::vector<std::string>& title_terms);
    void add_key_terms(Xapian::Document& document, const Listing& listing);
    void add_values(Xapian::Document& document, const Listing& listing);

    const Lexicon& lexicon_;
    TextAnalyzer analyzer_;
    std::shared_ptr<const StoredTextDictionary> dictionary_;
};

}  // namespace analyzers
