#include <doctest/doctest.h>

#include <algorithm>

#include "analyzers/document_layout.h"
#include "analyzers/index_layout.h"

using namespace analyzers;

namespace {

std::vector<std::string> terms_of(const Xapian::Document& document) {
    return {document.termlist_begin(), document.termlist_end()};
}

bool has_term(const Xapian::Document& document, const std::string& term) {
    const auto terms = terms_of(document);
    return std::find(terms.begin(), terms.end(), term) != terms.end();
}

Listing sample_listing() {
    Listing listing;
    listing.id = "L42";
    listing.title = "Lululemon Align Leggings";
    listing.description = "Worn twice";
    listing.brand = "Lululemon Athletica";
    listing.category = "Women/Athletic Apparel/Pants, Tights, Leggings";
    listing.price = 48;
    listing.condition = 2;
    listing.shipping = Shipping::seller;
    listing.created_at = 1767225600;
    listing.seller_id = "u1";
    return listing;
}

// Values written without a dictionary read from any database: this one is empty.
const Xapian::Database no_dictionary;

Lexicon test_lexicon() {
    TextAnalyzer analyzer;
    return parse_lexicon("", "lululemon athletica => lululemon\n", analyzer);
}

}  // namespace

TEST_CASE("title and description words get their own prefixes") {
    const Lexicon lexicon = test_lexicon();
    DocumentBuilder builder(lexicon);
    const Xapian::Document document = builder.build(sample_listing());
    CHECK(has_term(document, "Talign"));
    CHECK(has_term(document, "Dworn"));
    CHECK_FALSE(has_term(document, "Tworn"));
}

TEST_CASE("brand and category are key terms with canonical, normalised keys and no word terms") {
    const Lexicon lexicon = test_lexicon();
    DocumentBuilder builder(lexicon);
    const Xapian::Document document = builder.build(sample_listing());
    CHECK(has_term(document, "QL42"));
    CHECK(has_term(document, "XBlululemon"));
    CHECK(has_term(document, "XCwomen"));
    CHECK(has_term(document, "XCwomen/athletic apparel"));
    CHECK(has_term(document, "XCwomen/athletic apparel/pants, tights, leggings"));
    // Every term costs indexing time; this is the whole list.
    CHECK(terms_of(document) == std::vector<std::string>{"Dtwice", "Dworn", "QL42", "Talign", "Tleg", "Tlululemon",
                                                         "XBlululemon", "XCwomen", "XCwomen/athletic apparel",
                                                         "XCwomen/athletic apparel/pants, tights, leggings"});
}

TEST_CASE("a description adds at most max_description_terms new terms, none its title has") {
    const Lexicon lexicon = test_lexicon();
    DocumentBuilder builder(lexicon);
    Listing listing = sample_listing();
    listing.description = "leggings worn twice worn";
    for (char letter = 'a'; letter <= 'z'; ++letter) listing.description += std::string(" zz") + letter;
    const Xapian::Document document = builder.build(listing);
    std::size_t description_terms = 0;
    for (auto term = document.termlist_begin(); term != document.termlist_end(); ++term) {
        if ((*term)[0] == 'D') ++description_terms;
    }
    CHECK(description_terms == max_description_terms);
    CHECK_FALSE(has_term(document, "Dleg"));  // "leggings" is in the title
    CHECK(has_term(document, "Dzzn"));  // "worn", "twice", then "zza" to "zzn"
    CHECK_FALSE(has_term(document, "Dzzo"));
    for (auto term = document.termlist_begin(); term != document.termlist_end(); ++term) {
        if (*term == "Dworn") CHECK(term.get_wdf() == 2);  // repeats of a kept word still count
    }
}

TEST_CASE("only sold listings carry a status term") {
    const Lexicon lexicon = test_lexicon();
    DocumentBuilder builder(lexicon);
    Listing listing = sample_listing();
    CHECK_FALSE(has_term(builder.build(listing), "XTsold"));
    listing.status = ListingStatus::sold;
    CHECK(has_term(builder.build(listing), "XTsold"));
}

TEST_CASE("values hold sortable price and date, and display strings") {
    const Lexicon lexicon = test_lexicon();
    DocumentBuilder builder(lexicon);
    const Xapian::Document document = builder.build(sample_listing());
    CHECK(Xapian::sortable_unserialise(document.get_value(slot::price)) == 48);
    CHECK(Xapian::sortable_unserialise(document.get_value(slot::created_at)) == 1767225600);
    CHECK(document.get_value(slot::brand) == "Lululemon Athletica");
    CHECK(document.get_value(slot::status) == "on_sale");
    CHECK(document.get_value(slot::shipping) == "seller");
    CHECK(Xapian::sortable_unserialise(document.get_value(slot::condition)) == 2);
}

TEST_CASE("stored fields read back as the JSON of the listing indexed") {
    const Lexicon lexicon = test_lexicon();
    DocumentBuilder builder(lexicon);
    Listing listing = sample_listing();
    listing.price = 19.99;
    listing.description = std::string(300, 'x') + " tail";
    CHECK(stored_fields_of(builder.build(listing), no_dictionary) == stored_fields_json(listing));
    Listing sparse;  // no brand, category, condition, shipping, description or seller
    sparse.id = "L7";
    sparse.title = "Plain";
    sparse.price = 0;
    CHECK(stored_fields_of(builder.build(sparse), no_dictionary) == stored_fields_json(sparse));
}

// Guards generations indexed before issue 18, which keep the JSON object in
// slot 7, while a server or a follower still reads them.
TEST_CASE("a stored JSON value of an older index still reads, and marking it sold rewrites it") {
    Xapian::Document document;
    const Listing listing = sample_listing();
    document.add_value(slot::stored_fields, stored_fields_json(listing));
    CHECK(stored_fields_of(document, no_dictionary) == stored_fields_json(listing));
    CHECK(stored_title(stored_fields_json(listing)) == "Lululemon Align Leggings");
    DocumentBuilder::mark_sold(document);
    CHECK(stored_listing_of(document, no_dictionary).status == ListingStatus::sold);
    CHECK(stored_listing_of(document, no_dictionary).title == listing.title);
}

TEST_CASE("a title is read from the stored value alone") {
    const Lexicon lexicon = test_lexicon();
    DocumentBuilder builder(lexicon);
    CHECK(stored_title(builder.build(sample_listing()).get_value(slot::stored_fields)) == "Lululemon Align Leggings");
}

TEST_CASE("a listing's text fields are read from the stored value alone, the other slots left out") {
    const Lexicon lexicon = test_lexicon();
    DocumentBuilder builder(lexicon);
    const Xapian::Document document = builder.build(sample_listing());
    const Listing full = stored_listing_of(document, no_dictionary);
    const Listing text = stored_text_of(document.get_value(slot::stored_fields), no_dictionary);
    CHECK(text.id == full.id);
    CHECK(text.title == full.title);
    CHECK(text.description == full.description);
    CHECK(text.seller_id == full.seller_id);
    CHECK(text.brand.empty());
    CHECK(text.category.empty());
    CHECK(!full.brand.empty());
}

// Nothing searches by positions (phrases are not matched; proximity and
// highlights read the stored text), and they cost 12% of the index.
TEST_CASE("no word carries positions") {
    const Lexicon lexicon = test_lexicon();
    DocumentBuilder builder(lexicon);
    const Xapian::Document document = builder.build(sample_listing());
    for (auto term = document.termlist_begin(); term != document.termlist_end(); ++term) {
        CHECK_MESSAGE(term.positionlist_count() == 0, *term);
    }
}

TEST_CASE("marking sold keeps the terms and changes status everywhere") {
    const Lexicon lexicon = test_lexicon();
    DocumentBuilder builder(lexicon);
    Xapian::Document document = builder.build(sample_listing());
    const auto before = terms_of(document).size();
    DocumentBuilder::mark_sold(document);
    CHECK(has_term(document, "XTsold"));
    CHECK(terms_of(document).size() == before + 1);
    CHECK(document.get_value(slot::status) == "sold");
    CHECK(listing_from_stored_json(stored_fields_of(document, no_dictionary)).status == ListingStatus::sold);
}

TEST_CASE("listings are spread over shards by a stable hash") {
    CHECK(shard_of("L0000001", 4) == shard_of("L0000001", 4));
    std::vector<int> per_shard(4);
    for (int i = 0; i < 4000; ++i) ++per_shard[shard_of(std::to_string(i) + "L", 4)];
    for (int count : per_shard) CHECK(count > 800);
}

// Regression tests for issue 14, finding 8: a brand whose filter key did not
// fit Xapian's term limit was indexed without the key, silently.
TEST_CASE("a brand or category whose filter key would not fit Xapian's term limit is named") {
    const Lexicon lexicon = test_lexicon();
    DocumentBuilder builder(lexicon);
    Listing listing = sample_listing();
    CHECK(builder.filter_key_error(listing).empty());
    listing.brand = std::string(238, 'b');  // "XB" + 238 bytes: the longest key that fits
    CHECK(builder.filter_key_error(listing).empty());
    CHECK(has_term(builder.build(listing), "XB" + listing.brand));
    listing.brand = std::string(239, 'b');
    CHECK(builder.filter_key_error(listing) == "field 'brand': 239 bytes once normalised, over the limit of 238");
    // Normalisation can lengthen a brand: each "㍿" (3 bytes) becomes "株式会社" (12 bytes).
    listing.brand.clear();
    for (int i = 0; i < 20; ++i) listing.brand += "\xE3\x8D\xBF";
    CHECK(builder.filter_key_error(listing) == "field 'brand': 240 bytes once normalised, over the limit of 238");
    listing.brand = "Nike";
    listing.category = "Women/Tops/" + std::string(230, 'c');
    CHECK(builder.filter_key_error(listing) == "field 'category': 241 bytes once normalised, over the limit of 238");
}
