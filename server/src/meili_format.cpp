#include "meili_format.h"

#include <algorithm>
#include <set>

#include "analyzers/listing.h"

namespace server {
namespace {

bool contains(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_text_attribute(std::string_view name) {
    return name == "title" || name == "description" || name == "brand" || name == "category";
}

// An optional field the listing has no value for is left out of the hit,
// as Meilisearch leaves out fields a document does not have.
bool has_value(const analyzers::Listing& listing, std::string_view name) {
    if (name == "description") return !listing.description.empty();
    if (name == "brand") return !listing.brand.empty();
    if (name == "category") return !listing.category.empty();
    if (name == "condition") return listing.condition != 0;
    if (name == "shipping") return listing.shipping != analyzers::Shipping::unknown;
    if (name == "seller_id") return !listing.seller_id.empty();
    if (name == "image_url") return !listing.image_url.empty();
    return true;
}

const std::string& text_of(const analyzers::Listing& listing, std::string_view name) {
    if (name == "title") return listing.title;
    if (name == "description") return listing.description;
    if (name == "brand") return listing.brand;
    return listing.category;
}

void write_value(analyzers::JsonWriter& json, const analyzers::Listing& listing, std::string_view name) {
    if (name == "id") json.value(listing.id);
    else if (is_text_attribute(name)) json.value(text_of(listing, name));
    else if (name == "price") json.value(listing.price);
    else if (name == "condition") json.value(listing.condition);
    else if (name == "shipping") json.value(analyzers::to_string(listing.shipping));
    else if (name == "status") json.value(analyzers::to_string(listing.status));
    else if (name == "created_at") json.value(listing.created_at);
    else if (name == "seller_id") json.value(listing.seller_id);
    else json.value(listing.image_url);
}

// The marked text of `name` from the engine, or the plain text when the
// engine marked nothing.
std::string marked_text(const query::Hit& hit, const analyzers::Listing& listing, std::string_view name) {
    for (const auto& [field, text] : hit.highlighted_fields) {
        if (field == name) return text;
    }
    return text_of(listing, name);
}

std::string replace_marks(std::string_view marked, std::string_view open, std::string_view close) {
    std::string out;
    out.reserve(marked.size());
    for (char c : marked) {
        if (c == match_open[0]) out += open;
        else if (c == match_close[0]) out += close;
        else out.push_back(c);
    }
    return out;
}

std::optional<std::size_t> crop_words(const HitFormat& format, std::string_view name) {
    for (const auto& [attribute, words] : format.crop) {
        if (attribute == name || attribute == "*") return words == 0 ? format.crop_length : words;
    }
    return std::nullopt;
}

bool shown(const HitFormat& format, std::string_view name) {
    return format.retrieve.empty() || contains(format.retrieve, name);
}

void write_formatted(analyzers::JsonWriter& json, const query::Hit& hit, const analyzers::Listing& listing,
                     const HitFormat& format) {
    const bool highlight_all = contains(format.highlight, "*");
    json.key("_formatted").begin_object();
    for (std::string_view name : listing_attributes) {
        if (!shown(format, name) || !has_value(listing, name)) continue;
        if (!is_text_attribute(name)) {
            json.key(name);
            write_value(json, listing, name);
            continue;
        }
        std::string text = marked_text(hit, listing, name);
        if (const auto words = crop_words(format, name)) text = crop_marked(text, *words, format.crop_marker);
        const bool highlighted = highlight_all || contains(format.highlight, name);
        json.field(name, highlighted ? replace_marks(text, format.pre_tag, format.post_tag) : replace_marks(text, "", ""));
    }
    json.end_object();
}

void write_matches_position(analyzers::JsonWriter& json, const query::Hit& hit, const analyzers::Listing& listing) {
    json.key("_matchesPosition").begin_object();
    for (std::string_view name : {"title", "description", "brand", "category"}) {
        const MarkedText text = unmark(marked_text(hit, listing, name));
        if (text.matches.empty()) continue;
        json.key(name).begin_array();
        for (const auto& match : text.matches) {
            json.begin_object().field("start", match.start).field("length", match.length).end_object();
        }
        json.end_array();
    }
    json.end_object();
}

}  // namespace

MarkedText unmark(std::string_view marked) {
    MarkedText text;
    text.plain.reserve(marked.size());
    std::size_t open_at = 0;
    bool open = false;
    for (char c : marked) {
        if (c == match_open[0]) {
            open_at = text.plain.size();
            open = true;
        } else if (c == match_close[0]) {
            if (open && text.plain.size() > open_at) text.matches.push_back({open_at, text.plain.size() - open_at});
            open = false;
        } else {
            text.plain.push_back(c);
        }
    }
    return text;
}

std::string crop_marked(std::string_view marked, std::size_t words, std::string_view marker) {
    struct Span {
        std::size_t begin, end;
    };
    std::vector<Span> tokens;
    const auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
    for (std::size_t at = 0; at < marked.size();) {
        while (at < marked.size() && is_space(marked[at])) ++at;
        if (at == marked.size()) break;
        const std::size_t begin = at;
        while (at < marked.size() && !is_space(marked[at])) ++at;
        tokens.push_back({begin, at});
    }
    if (words == 0) return "";
    if (tokens.size() <= words) return std::string(marked);
    std::size_t first_match = 0;
    const auto match = marked.find(match_open);
    if (match != std::string_view::npos) {
        while (first_match + 1 < tokens.size() && tokens[first_match].end <= match) ++first_match;
    }
    // The first match in the middle of the window, as far as the text allows.
    const std::size_t before = match == std::string_view::npos ? 0 : (words - 1) / 2;
    const std::size_t start = std::min(first_match - std::min(first_match, before), tokens.size() - words);
    const std::size_t end = start + words;
    std::string_view slice = marked.substr(tokens[start].begin, tokens[end - 1].end - tokens[start].begin);
    // Marks cut in two by the window are closed (or opened) inside it.
    int depth = 0;
    bool opened_before = false;
    for (char c : slice) {
        if (c == match_open[0]) ++depth;
        else if (c == match_close[0]) depth == 0 ? void(opened_before = true) : void(--depth);
    }
    std::string out;
    if (start > 0) out += marker;
    if (opened_before) out += match_open;
    out += slice;
    if (depth > 0) out += match_close;
    if (end < tokens.size()) out += marker;
    return out;
}

WordsMatched words_matched(const query::Hit& hit, std::size_t query_words, analyzers::TextAnalyzer& analyzer) {
    std::set<std::string> terms;
    for (const auto& [field, marked] : hit.highlighted_fields) {
        const MarkedText text = unmark(marked);
        for (const auto& match : text.matches) {
            for (const auto& word : analyzer.analyze(std::string_view(text.plain).substr(match.start, match.length))) {
                terms.insert(word.term);
            }
        }
    }
    return {.matched = std::min(terms.size(), query_words), .of = query_words};
}

void write_meili_hit(analyzers::JsonWriter& json, const query::Hit& hit, const HitFormat& format,
                     const std::optional<WordsMatched>& words) {
    const analyzers::Listing listing = analyzers::listing_from_stored_json(hit.stored_json);
    json.begin_object();
    for (std::string_view name : listing_attributes) {
        if (!shown(format, name) || !has_value(listing, name)) continue;
        json.key(name);
        write_value(json, listing, name);
    }
    if (format.formatted()) write_formatted(json, hit, listing, format);
    if (format.matches_position) write_matches_position(json, hit, listing);
    if (words && format.ranking_score) json.field("_rankingScore", words->score());
    if (words && format.ranking_score_details) {
        json.key("_rankingScoreDetails").begin_object().key("words").begin_object();
        json.field("order", 0).field("matchingWords", words->matched).field("maxMatchingWords", words->of);
        json.field("score", words->score()).end_object().end_object();
    }
    json.end_object();
}

}  // namespace server
