#include "analyzers/document_layout.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace analyzers {
namespace {

std::string prefixed(std::string_view prefix, std::string_view key) {
    std::string term(prefix);
    term += key;
    return term;
}

// Xapian rejects terms over 245 bytes. The indexer refuses listings whose
// keys are longer (filter_key_error); add_key_term still guards the limit.
constexpr std::size_t max_filter_term_bytes = 240;

// Key terms have wdf 1 (not boolean) so that BM25 can weight a brand or
// category match found through the FieldVocabulary.
void add_key_term(Xapian::Document& document, std::string_view prefix, std::string_view key) {
    if (key.empty()) return;
    std::string term = prefixed(prefix, key);
    if (term.size() <= max_filter_term_bytes) document.add_term(term);
}

std::string key_error(std::string_view field, std::string_view prefix, const std::string& key) {
    if (prefix.size() + key.size() <= max_filter_term_bytes) return {};
    return fmt::format("field '{}': {} bytes once normalised, over the limit of {}", field, key.size(),
                       max_filter_term_bytes - prefix.size());
}

}  // namespace

std::string id_term(std::string_view listing_id) { return prefixed(prefix::id, listing_id); }

int analysis_version_of(const Xapian::Database& shard) {
    const std::string written = shard.get_metadata(analysis_version_key);
    int version = 1;
    if (!written.empty()) std::from_chars(written.data(), written.data() + written.size(), version);
    return version;
}

std::string analysis_mismatch(const Xapian::Database& shard, const std::string& name) {
    const int version = analysis_version_of(shard);
    if (version == analysis_version) return {};
    return fmt::format("{} was analysed with version {} of the analysis and this program uses version {}: words "
                       "whose terms changed between them do not match until the index is rebuilt "
                       "(listing-indexer build)",
                       name, version, analysis_version);
}

std::string brand_key(std::string_view brand, TextAnalyzer& analyzer, const BrandAliases& aliases) {
    return aliases.canonical(analyzer.normalize(brand));
}

std::vector<std::string> category_keys(std::string_view category, TextAnalyzer& analyzer) {
    std::vector<std::string> keys;
    std::string path;
    std::size_t start = 0;
    while (start <= category.size()) {
        auto slash = category.find('/', start);
        if (slash == std::string_view::npos) slash = category.size();
        const std::string level = analyzer.normalize(category.substr(start, slash - start));
        if (level.empty()) break;
        if (!path.empty()) path.push_back('/');
        path += level;
        keys.push_back(path);
        start = slash + 1;
    }
    return keys;
}

Xapian::Document DocumentBuilder::build(const Listing& listing) {
    Xapian::Document document;
    index_description(document, listing.description, index_title(document, listing.title));
    add_key_terms(document, listing);
    add_values(document, listing);
    document.add_value(slot::stored_fields, stored_text_value(listing, dictionary_.get()));
    return document;
}

std::string DocumentBuilder::filter_key_error(const Listing& listing) {
    if (!listing.brand.empty()) {
        auto error = key_error("brand", prefix::brand, brand_key(listing.brand, analyzer_, lexicon_.brands));
        if (!error.empty()) return error;
    }
    const auto categories = category_keys(listing.category, analyzer_);
    if (categories.empty()) return {};
    return key_error("category", prefix::category, categories.back());  // the whole path: the longest key
}

std::vector<std::string> title_terms(std::string_view title, TextAnalyzer& analyzer) {
    std::vector<std::string> terms;
    for (Word& word : analyzer.analyze(title)) {
        terms.push_back(std::move(word.term));
        terms.insert(terms.end(), word.parts.begin(), word.parts.end());
    }
    return terms;
}

std::vector<std::string> DocumentBuilder::index_title(Xapian::Document& document, std::string_view title) {
    const std::string_view prefix = word_fields[0].prefix;
    std::vector<std::string> terms = title_terms(title, analyzer_);
    for (const std::string& term : terms) document.add_term(prefixed(prefix, term));
    return terms;
}

// Repeats of a kept term still count (BM25 weighs how often a word is
// used); a new term past the bound, or one the title has, is left out.
void DocumentBuilder::index_description(Xapian::Document& document, std::string_view description,
                                        const std::vector<std::string>& title_terms) {
    const std::string_view prefix = word_fields[1].prefix;
    std::vector<std::string> kept;
    const auto add = [&](const std::string& term) {
        const auto in = [&](const std::vector<std::string>& terms) {
            return std::find(terms.begin(), terms.end(), term) != terms.end();
        };
        if (in(title_terms)) return;
        if (!in(kept)) {
            if (kept.size() >= max_description_terms) return;
            kept.push_back(term);
        }
        document.add_term(prefixed(prefix, term));
    };
    for (const Word& word : analyzer_.analyze(description)) {
        add(word.term);
        for (const auto& part : word.parts) add(part);
    }
}

void DocumentBuilder::add_key_terms(Xapian::Document& document, const Listing& listing) {
    document.add_boolean_term(id_term(listing.id));
    add_key_term(document, prefix::brand, brand_key(listing.brand, analyzer_, lexicon_.brands));
    for (const auto& key : category_keys(listing.category, analyzer_)) add_key_term(document, prefix::category, key);
    if (listing.status == ListingStatus::sold) document.add_boolean_term(std::string(sold_term));
}

void DocumentBuilder::add_values(Xapian::Document& document, const Listing& listing) {
    document.add_value(slot::price, Xapian::sortable_serialise(listing.price));
    document.add_value(slot::created_at, Xapian::sortable_serialise(static_cast<double>(listing.created_at)));
    if (listing.condition != 0) document.add_value(slot::condition, Xapian::sortable_serialise(listing.condition));
    if (!listing.brand.empty()) document.add_value(slot::brand, listing.brand);
    if (!listing.category.empty()) document.add_value(slot::category, listing.category);
    if (listing.shipping != Shipping::unknown) document.add_value(slot::shipping, std::string(to_string(listing.shipping)));
    document.add_value(slot::status, std::string(to_string(listing.status)));
}

void DocumentBuilder::mark_sold(Xapian::Document& document) {
    document.add_boolean_term(std::string(sold_term));
    document.add_value(slot::status, std::string(to_string(ListingStatus::sold)));
    const std::string stored_value = document.get_value(slot::stored_fields);
    if (holds_whole_listing(stored_value)) {
        // A pre-issue-18 JSON value holds the status too: rewritten as text.
        Listing stored = listing_from_stored_json(stored_value);
        stored.status = ListingStatus::sold;
        document.add_value(slot::stored_fields, stored_text_value(stored));
    }
}

std::string category_prefix(const std::string& path, std::size_t levels) {
    std::size_t end = 0, from = 0;
    for (std::size_t level = 0; level < levels; ++level) {
        end = path.find('/', from);
        if (end == std::string::npos) return path;
        from = end + 1;
    }
    return path.substr(0, end);
}

}  // namespace analyzers
