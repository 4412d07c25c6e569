// How a listing is laid out in a Xapian document: term prefixes, value
// slots and stored fields, defined once for the indexer and the query side.
//
// Text fields get their own term prefix so that field weights are applied at
// query time (and can be tuned without reindexing). Only titles carry
// positions: positions on long descriptions cost ~4x in indexing speed and
// the title is where phrase matches and highlights matter. Only stems are
// indexed (no unstemmed duplicates) for the same reason.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

#include "analyzers/listing.h"
#include "analyzers/synonyms.h"
#include "analyzers/text_analyzer.h"

namespace analyzers {

enum class TextField { title, brand, category, description };

struct TextFieldSpec {
    TextField field;
    std::string_view name;    // as used in configs and explanations
    std::string_view prefix;  // Xapian term prefix
    bool positions;           // index word positions (phrases, highlights)
};

inline constexpr std::array<TextFieldSpec, 4> text_fields{{
    {TextField::title, "title", "T", true},
    {TextField::brand, "brand", "B", false},
    {TextField::category, "category", "C", false},
    {TextField::description, "description", "D", false},
}};

// Boolean filter terms, one per listing unless noted.
namespace prefix {
inline constexpr std::string_view id = "Q";              // unique listing id
inline constexpr std::string_view brand = "XB";          // canonical brand key
inline constexpr std::string_view category = "XC";       // one per level: "women", "women/tops & blouses", ...
inline constexpr std::string_view condition = "XN";      // "1" .. "5"
inline constexpr std::string_view shipping = "XS";       // "seller" | "buyer"
inline constexpr std::string_view status = "XT";         // "on_sale" | "sold"
inline constexpr std::string_view seller = "XU";         // seller id
}  // namespace prefix

// Value slots, for sorting, ranges and facets.
namespace slot {
inline constexpr Xapian::valueno price = 0;       // sortable_serialise(price)
inline constexpr Xapian::valueno created_at = 1;  // sortable_serialise(epoch seconds)
inline constexpr Xapian::valueno condition = 2;   // sortable_serialise(1..5)
inline constexpr Xapian::valueno brand = 3;       // brand as the seller wrote it
inline constexpr Xapian::valueno category = 4;    // full category path as written
inline constexpr Xapian::valueno shipping = 5;    // "seller" | "buyer"
inline constexpr Xapian::valueno status = 6;      // "on_sale" | "sold"
}  // namespace slot

std::string id_term(std::string_view listing_id);

// Filter keys, normalised the same way at index and query time.
std::string brand_key(std::string_view brand, TextAnalyzer& analyzer, const BrandAliases& aliases);
// "Women/Tops & Blouses/Blouse" -> {"women", "women/tops & blouses", "women/tops & blouses/blouse"}
std::vector<std::string> category_keys(std::string_view category, TextAnalyzer& analyzer);

// Builds Xapian documents for listings. Not thread-safe: one per thread.
class DocumentBuilder {
public:
    explicit DocumentBuilder(const Lexicon& lexicon) : lexicon_(lexicon) {}

    Xapian::Document build(const Listing& listing);
    // Marks an indexed listing sold in place: its terms stay as they are, so
    // a "sold" feed record needs no full listing and loses nothing.
    static void mark_sold(Xapian::Document& document);

private:
    void index_text(Xapian::Document& document, const TextFieldSpec& spec, std::string_view text);
    void add_filter_terms(Xapian::Document& document, const Listing& listing);
    void add_values(Xapian::Document& document, const Listing& listing);

    const Lexicon& lexicon_;
    TextAnalyzer analyzer_;
};

}  // namespace analyzers
