#include "meili_api.h"

#include <algorithm>
#include <limits>
#include <optional>

#include <chrono>
#include <set>

#include <fmt/format.h>
#include <simdjson.h>

#include "analyzers/json_writer.h"
#include "analyzers/listing.h"
#include "analyzers/text_analyzer.h"
#include "meili_format.h"
#include "query/filter_expression.h"
#include "query/request_checks.h"

namespace server {
namespace {

using query::FacetCounts;
using query::FacetRequest;
using query::FacetValueCount;
using query::FilterError;
using query::FilterExpression;
using query::Filters;
using query::Hit;
using query::SearchRequest;
using query::SearchResult;
using query::SearchService;
using query::SortOrder;
using query::StatusFilter;

using simdjson::dom::element;
using simdjson::dom::element_type;

// The most a response may hold: 1,000 hits with highlights are a few MB;
// tags repeated around every matched word could make tens (30 kB tags on
// 1,000 hits made 74 MB).
constexpr std::size_t max_response_bytes = 8 * 1024 * 1024;
// InstantSearch sends one query per refined facet, a handful.
constexpr std::size_t max_multi_search_queries = 20;

[[noreturn]] void refuse(ErrorCode code, std::string message) {
    throw ApiErrorException({.code = code, .message = std::move(message)});
}

element parse_body(simdjson::dom::parser& parser, std::string_view body) {
    element root;
    if (auto error = parser.parse(body.data(), body.size()).get(root)) {
        refuse(ErrorCode::bad_request, fmt::format("The json payload provided is malformed. {}.", simdjson::error_message(error)));
    }
    if (root.type() != element_type::OBJECT) refuse(ErrorCode::bad_request, "The json payload must be an object.");
    return root;
}

void check_index(std::string_view index_uid) {
    if (index_uid != meili_index_uid) {
        refuse(ErrorCode::index_not_found, fmt::format("Index `{}` not found.", index_uid));
    }
}

std::string string_of(element value, std::string_view field, ErrorCode code) {
    std::string_view text;
    if (value.get_string().get(text)) refuse(code, fmt::format("Invalid value type at `.{}`: expected a string.", field));
    return std::string(text);
}

// A string the engine reads as text: at most `max_bytes`, and UTF-8 (simdjson
// already refuses a body that is not, lone surrogates included: the rule is
// checked here too, where the text is taken, as on the v1 route).
std::string text_of(element value, std::string_view field, ErrorCode code, std::size_t max_bytes) {
    std::string text = string_of(value, field, code);
    if (text.size() > max_bytes) {
        refuse(code, fmt::format("Invalid value at `.{}`: {} bytes; the limit is {}.", field, text.size(), max_bytes));
    }
    if (!query::is_valid_utf8(text)) refuse(code, fmt::format("Invalid value at `.{}`: not valid UTF-8.", field));
    return text;
}

std::size_t count_of(element value, std::string_view field, ErrorCode code) {
    std::int64_t number = 0;
    if (value.get_int64().get(number) || number < 0) {
        refuse(code, fmt::format("Invalid value at `.{}`: expected a positive integer.", field));
    }
    return static_cast<std::size_t>(number);
}

std::vector<std::string> strings_of(element value, std::string_view field, ErrorCode code) {
    simdjson::dom::array array;
    if (value.get_array().get(array)) refuse(code, fmt::format("Invalid value type at `.{}`: expected an array.", field));
    std::vector<std::string> strings;
    for (element item : array) strings.push_back(string_of(item, field, code));
    return strings;
}

constexpr ErrorCode filter_error = ErrorCode::invalid_search_filter;

// filter: a string, or an array whose items are ANDed, each a string or an
// array of strings that are ORed.
FilterExpression filter_expression_of(element value, ErrorCode code) {
    try {
        if (value.type() == element_type::STRING) return query::parse_filter(string_of(value, "filter", code));
        if (value.type() != element_type::ARRAY) refuse(code, "Invalid value type at `.filter`: expected a string or an array.");
        FilterExpression all{FilterExpression::Kind::all_of};
        simdjson::dom::array items;
        if (value.get_array().get(items)) refuse(code, "Invalid value type at `.filter`.");
        for (element item : items) {
            if (item.type() == element_type::STRING) {
                all.children.push_back(query::parse_filter(string_of(item, "filter", code)));
                continue;
            }
            FilterExpression any{FilterExpression::Kind::any_of};
            for (const auto& text : strings_of(item, "filter", code)) any.children.push_back(query::parse_filter(text));
            all.children.push_back(std::move(any));
        }
        query::check_filter_size(all);
        return all;
    } catch (const FilterError& error) {
        refuse(code, error.what());
    }
}

FilterExpression filter_of(element value) { return filter_expression_of(value, filter_error); }

bool mentions_status(const FilterExpression& expression) {
    if (expression.attribute == "status") return true;
    for (const auto& child : expression.children) {
        if (mentions_status(child)) return true;
    }
    return false;
}

// Buyers' usual filters (an AND of per-field choices) become plain Filters,
// which facets and sorting handle fast; returns false for anything else.
bool merge_simple(const FilterExpression& expression, Filters& filters) {
    using Kind = FilterExpression::Kind;
    if (expression.kind == Kind::all_of) {
        for (const auto& child : expression.children) {
            if (!merge_simple(child, filters)) return false;
        }
        return true;
    }
    if (expression.kind == Kind::any_of) {  // brand = A OR brand = B
        std::vector<std::string> brands;
        for (const auto& child : expression.children) {
            if (child.kind != Kind::compare || child.attribute != "brand" || child.op != "=") return false;
            brands.push_back(child.values[0]);
        }
        if (!filters.brands.empty()) return false;
        filters.brands = std::move(brands);
        return true;
    }
    if (expression.kind == Kind::one_of && expression.attribute == "brand" && filters.brands.empty()) {
        filters.brands = expression.values;
        return true;
    }
    if (expression.kind != Kind::compare) return false;
    const std::string& attribute = expression.attribute;
    const std::string& value = expression.values[0];
    if (attribute == "brand" && expression.op == "=" && filters.brands.empty()) {
        filters.brands = {value};
        return true;
    }
    if (attribute.rfind("category", 0) == 0 && expression.op == "=" && filters.category.empty()) {
        filters.category = value;
        return true;
    }
    if (attribute == "shipping" && expression.op == "=" && filters.shipping.empty()) {
        filters.shipping = value;
        return true;
    }
    if (attribute == "price" && (expression.op == ">=" || expression.op == "<=")) {
        auto& bound = expression.op == ">=" ? filters.price_min : filters.price_max;
        if (bound) return false;
        bound = std::strtod(value.c_str(), nullptr);
        return true;
    }
    return false;
}

void apply_filter(element value, Filters& filters) {
    const FilterExpression expression = filter_of(value);
    if (mentions_status(expression)) filters.status = StatusFilter::any;
    Filters simple = filters;
    if (merge_simple(expression, simple)) {
        filters = std::move(simple);
    } else {
        filters.expression = std::make_shared<const FilterExpression>(expression);
    }
}

// Every facet a search may ask for, as `facets: ["*"]` names them.
const std::vector<std::string> all_facets{"brand", "category.lvl0", "category.lvl1", "category.lvl2", "condition",
                                          "shipping", "status", "price", "created_at"};

void apply_facets(const std::vector<std::string>& names, FacetRequest& facets) {
    for (const auto& name : names) {
        if (name == "*") {
            apply_facets(all_facets, facets);
        } else if (name == "brand") facets.brand = true;
        else if (name == "category" || name == "category.lvl0" || name == "category.lvl1" || name == "category.lvl2") {
            facets.category = true;
        } else if (name == "condition") facets.condition = true;
        else if (name == "shipping") facets.shipping = true;
        else if (name == "status") facets.status = true;
        else if (name == "price") facets.price = facets.price_values = true;
        else if (name == "created_at") facets.created_at = true;
        else {
            refuse(ErrorCode::invalid_search_facets,
                   fmt::format("Invalid facet `{}`: facetable attributes are `brand, category, category.lvl0, "
                               "category.lvl1, category.lvl2, condition, shipping, status, price, created_at`.",
                               name));
        }
    }
}

SortOrder sort_rule_of(const std::string& rule) {
    if (rule == "price:asc") return SortOrder::price_asc;
    if (rule == "price:desc") return SortOrder::price_desc;
    if (rule == "created_at:desc") return SortOrder::newest;
    if (rule == "created_at:asc") return SortOrder::oldest;
    const auto colon = rule.rfind(':');
    if (colon == std::string::npos || (rule.substr(colon + 1) != "asc" && rule.substr(colon + 1) != "desc")) {
        refuse(ErrorCode::invalid_search_sort,
               fmt::format("Invalid syntax for the sort parameter: expected expression ending by `:asc` or `:desc`, "
                           "found `{}`.", rule));
    }
    refuse(ErrorCode::invalid_search_sort,
           fmt::format("Attribute `{}` is not sortable. Available sortable attributes are: `created_at, price`.",
                       rule.substr(0, colon)));
}

// One rule, or two when the second is how equal listings are ordered
// anyway: newest first (price:asc then created_at:desc).
SortOrder sort_of(element value) {
    const auto rules = strings_of(value, "sort", ErrorCode::invalid_search_sort);
    if (rules.empty()) return SortOrder::relevance;
    std::vector<SortOrder> orders;
    for (const auto& rule : rules) orders.push_back(sort_rule_of(rule));
    const bool price_first = orders[0] == SortOrder::price_asc || orders[0] == SortOrder::price_desc;
    for (std::size_t rule = 1; rule < orders.size(); ++rule) {
        const bool tie_break = rule == 1 && price_first && orders[1] == SortOrder::newest;
        const bool repeated = (orders[rule] == SortOrder::newest || orders[rule] == SortOrder::oldest)
                                  ? (orders[0] == SortOrder::newest || orders[0] == SortOrder::oldest)
                                  : price_first;
        if (tie_break) continue;
        refuse(ErrorCode::invalid_search_sort,
               fmt::format("Sort rule `{}` is not supported after `{}`: {}.", rules[rule], rules[0],
                           repeated ? "it sorts the same attribute again"
                                    : "listings of equal price are ordered newest first, which `created_at:desc` as the "
                                      "second rule asks for; no other second rule is supported"));
    }
    return orders[0];
}

query::MatchingStrategy matching_strategy_of(element value) {
    const std::string name = string_of(value, "matchingStrategy", ErrorCode::invalid_search_matching_strategy);
    if (name == "all") return query::MatchingStrategy::all;
    if (name == "last") return query::MatchingStrategy::last;
    if (name == "frequency") return query::MatchingStrategy::frequency;
    refuse(ErrorCode::invalid_search_matching_strategy,
           fmt::format("Unknown value `{}` at `.matchingStrategy`: expected one of `last`, `all`, `frequency`.", name));
}

bool flag_of(element value, std::string_view field, ErrorCode code) {
    bool flag = false;
    if (value.get_bool().get(flag)) refuse(code, fmt::format("Invalid value type at `.{}`: expected a boolean.", field));
    return flag;
}

// attributesToCrop: "description" or "description:20".
std::vector<std::pair<std::string, std::size_t>> crop_of(element value) {
    std::vector<std::pair<std::string, std::size_t>> crop;
    for (const auto& item : strings_of(value, "attributesToCrop", ErrorCode::invalid_search_attributes_to_crop)) {
        const auto colon = item.rfind(':');
        if (colon == std::string::npos) {
            crop.emplace_back(item, 0);
            continue;
        }
        const std::string words = item.substr(colon + 1);
        if (words.empty() || words.find_first_not_of("0123456789") != std::string::npos || words.size() > 6) {
            refuse(ErrorCode::invalid_search_attributes_to_crop,
                   fmt::format("Invalid value at `.attributesToCrop`: `{}`: the crop length after `:` must be a "
                               "positive integer.", item));
        }
        crop.emplace_back(item.substr(0, colon), std::stoul(words));
    }
    return crop;
}

// The attributes a query is searched in: only all of them are.
void check_attributes_to_search_on(element value) {
    const auto names = strings_of(value, "attributesToSearchOn", ErrorCode::invalid_search_attributes_to_search_on);
    const std::set<std::string> searchable{"title", "description", "brand", "category"};
    std::set<std::string> asked;
    for (const auto& name : names) {
        if (name == "*") return;
        if (searchable.count(name) == 0) {
            refuse(ErrorCode::invalid_search_attributes_to_search_on,
                   fmt::format("Attribute `{}` is not searchable. Available searchable attributes are: `title, "
                               "description, brand, category`.", name));
        }
        asked.insert(name);
    }
    if (asked != searchable) {
        refuse(ErrorCode::invalid_search_attributes_to_search_on,
               "This server searches `title, description, brand, category` together: `attributesToSearchOn` may "
               "only name all of them (or `[\"*\"]`).");
    }
}

// What a Meilisearch search asks for, as our request plus how to answer.
struct MeiliQuery {
    SearchRequest request;
    bool pages = false;  // hitsPerPage/page rather than limit/offset
    std::size_t page = 1, hits_per_page = 20;
    std::vector<std::string> facet_names;
    HitFormat format;
    std::size_t query_words = 0;
    double weight = 1.0;  // federationOptions.weight
    bool paginated = false;  // any of offset, limit, page, hitsPerPage given
};

// Fields a query of a multi-search may carry besides a search's own.
enum class QueryPlace { search, multi_search, federated, facet_search };

void apply_field(MeiliQuery& query, std::string_view key, element value, QueryPlace place,
                 std::optional<std::size_t>& offset, std::optional<std::size_t>& limit, std::optional<std::size_t>& page,
                 std::optional<std::size_t>& hits_per_page) {
    SearchRequest& request = query.request;
    HitFormat& format = query.format;
    if (key == "q") request.text = text_of(value, "q", ErrorCode::invalid_search_q, query::max_query_bytes);
    else if (key == "offset") offset = count_of(value, "offset", ErrorCode::invalid_search_offset);
    else if (key == "limit") limit = count_of(value, "limit", ErrorCode::invalid_search_limit);
    else if (key == "page") page = count_of(value, "page", ErrorCode::invalid_search_page);
    else if (key == "hitsPerPage") hits_per_page = count_of(value, "hitsPerPage", ErrorCode::invalid_search_hits_per_page);
    else if (key == "filter") apply_filter(value, request.filters);
    else if (key == "facets") {
        query.facet_names = strings_of(value, "facets", ErrorCode::invalid_search_facets);
        apply_facets(query.facet_names, request.facets);
    } else if (key == "sort") request.sort = sort_of(value);
    else if (key == "matchingStrategy") request.matching = matching_strategy_of(value);
    else if (key == "attributesToRetrieve") {
        format.retrieve = strings_of(value, "attributesToRetrieve", ErrorCode::invalid_search_attributes_to_retrieve);
        if (std::find(format.retrieve.begin(), format.retrieve.end(), "*") != format.retrieve.end()) format.retrieve.clear();
        else if (format.retrieve.empty()) format.retrieve = {""};  // []: no attribute at all
    } else if (key == "attributesToHighlight") {
        format.highlight = strings_of(value, "attributesToHighlight", ErrorCode::invalid_search_attributes_to_highlight);
    } else if (key == "highlightPreTag") {
        format.pre_tag = text_of(value, "highlightPreTag", ErrorCode::invalid_search_highlight_pre_tag, query::max_highlight_tag_bytes);
    } else if (key == "highlightPostTag") {
        format.post_tag = text_of(value, "highlightPostTag", ErrorCode::invalid_search_highlight_post_tag, query::max_highlight_tag_bytes);
    } else if (key == "attributesToCrop") format.crop = crop_of(value);
    else if (key == "cropLength") format.crop_length = count_of(value, "cropLength", ErrorCode::invalid_search_crop_length);
    else if (key == "cropMarker") {
        format.crop_marker = text_of(value, "cropMarker", ErrorCode::invalid_search_crop_marker, query::max_highlight_tag_bytes);
    } else if (key == "showMatchesPosition") {
        format.matches_position = flag_of(value, "showMatchesPosition", ErrorCode::invalid_search_show_matches_position);
    } else if (key == "showRankingScore") {
        format.ranking_score = flag_of(value, "showRankingScore", ErrorCode::invalid_search_show_ranking_score);
    } else if (key == "showRankingScoreDetails") {
        format.ranking_score_details =
            flag_of(value, "showRankingScoreDetails", ErrorCode::invalid_search_show_ranking_score_details);
    } else if (key == "rankingScoreThreshold") {
        double threshold = -1;
        if (value.get_double().get(threshold) || threshold < 0 || threshold > 1) {
            refuse(ErrorCode::invalid_search_ranking_score_threshold,
                   "Invalid value at `.rankingScoreThreshold`: the value of `rankingScoreThreshold` is invalid, expected "
                   "a float between `0.0` and `1.0`.");
        }
        if (threshold > 0) {
            refuse(ErrorCode::invalid_search_ranking_score_threshold,
                   "`rankingScoreThreshold` above 0 is not supported: this server's `_rankingScore` is Meilisearch's "
                   "`words` rule alone, and totals could not leave out the listings below the threshold.");
        }
    } else if (key == "distinct") {
        const std::string attribute = string_of(value, "distinct", ErrorCode::invalid_search_distinct);
        refuse(ErrorCode::invalid_search_distinct,
               fmt::format("Attribute `{}` cannot be used as distinct attribute: this server has no distinct "
                           "attribute (each listing is one document of its own).", attribute));
    } else if (key == "attributesToSearchOn") check_attributes_to_search_on(value);
    else if (key == "locales") {
        // The analyzer reads every script the same whatever the locale
        // (ICU word breaking): the hint is checked, and needs no more.
        for (const auto& locale : strings_of(value, "locales", ErrorCode::invalid_search_locales)) {
            if (locale.size() < 2 || locale.size() > 3 || locale.find_first_not_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos) {
                refuse(ErrorCode::invalid_search_locales,
                       fmt::format("Unknown value `{}` at `.locales`: expected an ISO 639 language code.", locale));
            }
        }
    } else if (key == "retrieveVectors") {
        if (flag_of(value, "retrieveVectors", ErrorCode::invalid_search_retrieve_vectors)) {
            refuse(ErrorCode::feature_not_enabled,
                   "Passing `retrieveVectors` as a parameter requires enabling the `vector store` experimental feature. "
                   "See https://github.com/meilisearch/product/discussions/677");
        }
    } else if (key == "hybrid" || key == "vector") {
        refuse(ErrorCode::feature_not_enabled,
               fmt::format("Passing `{}` as a parameter requires enabling the `vector store` experimental feature. "
                           "See https://github.com/meilisearch/product/discussions/677", key));
    } else if (key == "indexUid" && place != QueryPlace::search && place != QueryPlace::facet_search) {
        // read by the multi-search
    } else if (key == "federationOptions" && place == QueryPlace::federated) {
        simdjson::dom::object options;
        if (value.get_object().get(options)) {
            refuse(ErrorCode::invalid_multi_search_federation_options, "Invalid value type at `.federationOptions`: expected an object.");
        }
        for (auto [option, setting] : options) {
            if (option == "weight") {
                if (setting.get_double().get(query.weight) || query.weight < 0) {
                    refuse(ErrorCode::invalid_multi_search_weight,
                           "Invalid value at `.federationOptions.weight`: the value of `weight` is invalid, expected a "
                           "positive float (>= 0.0).");
                }
            } else if (option != "queryPosition" && option != "remote") {
                refuse(ErrorCode::invalid_multi_search_federation_options,
                       fmt::format("Unknown field `{}` inside `.federationOptions`: expected one of `weight`, "
                                   "`queryPosition`.", option));
            }
        }
    } else if (key == "federationOptions") {
        refuse(ErrorCode::invalid_multi_search_federation_options,
               "Using `federationOptions` is not allowed in a non-federated search. Hint: add `federation` to the "
               "multi-search to make it federated.");
    } else {
        refuse(ErrorCode::bad_request,
               fmt::format("Unknown field `{}`: expected one of `q`, `vector`, `offset`, `limit`, `page`, "
                           "`hitsPerPage`, `attributesToRetrieve`, `retrieveVectors`, `attributesToCrop`, `cropLength`, "
                           "`attributesToHighlight`, `showMatchesPosition`, `showRankingScore`, "
                           "`showRankingScoreDetails`, `filter`, `sort`, `distinct`, `facets`, `highlightPreTag`, "
                           "`highlightPostTag`, `cropMarker`, `matchingStrategy`, `attributesToSearchOn`, "
                           "`rankingScoreThreshold`, `locales`{}.",
                           key, place == QueryPlace::facet_search ? ", `facetName`, `facetQuery`, `exhaustiveFacetCount`" : ""));
    }
}

MeiliQuery meili_query_of(element body, QueryPlace place = QueryPlace::search,
                          const std::set<std::string_view>& handled_elsewhere = {}) {
    MeiliQuery query;
    SearchRequest& request = query.request;
    request.facet_limit = 100;  // Meilisearch's maxValuesPerFacet
    request.facets.disjunctive = false;
    request.matching = query::MatchingStrategy::last;  // Meilisearch's default
    std::optional<std::size_t> offset, limit, page, hits_per_page;
    simdjson::dom::object fields;
    if (body.get_object().get(fields)) refuse(ErrorCode::bad_request, "Each query must be an object.");
    for (auto [key, value] : fields) {
        if (handled_elsewhere.count(key) > 0) continue;
        if (value.is_null()) continue;
        apply_field(query, key, value, place, offset, limit, page, hits_per_page);
    }
    query.paginated = offset || limit || page || hits_per_page;
    query.pages = page.has_value() || hits_per_page.has_value();
    if (query.pages) {
        query.page = page.value_or(1);
        query.hits_per_page = std::min<std::size_t>(hits_per_page.value_or(20), 1000);
        // Page 0 and 0 hits per page ask for no hits, only the totals.
        request.offset = query.page == 0 ? 0 : (query.page - 1) * query.hits_per_page;
        request.limit = query.page == 0 ? 0 : query.hits_per_page;
        request.exact_total = true;  // totalHits and totalPages are exact in Meilisearch
    } else {
        request.offset = offset.value_or(0);
        request.limit = std::min<std::size_t>(limit.value_or(20), 1000);
    }
    if (request.offset > 10'000) refuse(ErrorCode::invalid_search_offset, "Pages deeper than 10,000 results are not served.");
    // The engine marks every match in every text field with marks no text
    // holds; the hit's format turns them into tags, crops, positions and
    // the ranking score.
    HitFormat& format = query.format;
    const bool marks_needed = format.formatted() || format.matches_position || format.ranking_score ||
                              format.ranking_score_details || place == QueryPlace::federated;
    request.highlight = {.pre = std::string(match_open), .post = std::string(match_close), .escape_html = false,
                         .all_fields = marks_needed};
    if (format.ranking_score || format.ranking_score_details || place == QueryPlace::federated) {
        analyzers::TextAnalyzer analyzer;
        query.query_words = analyzer.analyze(request.text).size();
    }
    return query;
}

// The analyzer is made only when a ranking score is asked for: most
// searches need none, and making one sets up ICU's word breaking.
std::optional<WordsMatched> words_of(const MeiliQuery& query, const Hit& hit,
                                     std::optional<analyzers::TextAnalyzer>& analyzer) {
    if (!query.format.ranking_score && !query.format.ranking_score_details) return std::nullopt;
    if (!analyzer) analyzer.emplace();
    return words_matched(hit, query.query_words, *analyzer);
}

std::string number_text(double number) { return fmt::format("{}", number); }

const std::vector<FacetValueCount>* facet_values(const FacetCounts& counts, const std::string& name) {
    if (name == "brand") return &counts.brand;
    if (name == "category" || name == "category.lvl0") return &counts.category_1;
    if (name == "category.lvl1") return &counts.category_2;
    if (name == "category.lvl2") return &counts.category_3;
    if (name == "condition") return &counts.condition;
    if (name == "shipping") return &counts.shipping;
    if (name == "status") return &counts.status;
    return nullptr;
}

void write_facets(analyzers::JsonWriter& json, const MeiliQuery& query, const SearchResult& result) {
    if (query.facet_names.empty() || !result.facets) return;
    std::vector<std::string> names;
    for (const auto& name : query.facet_names) {
        if (name == "*") names.insert(names.end(), all_facets.begin(), all_facets.end());
        else names.push_back(name);
    }
    json.key("facetDistribution").begin_object();
    std::set<std::string> written;
    for (const auto& name : names) {
        if (!written.insert(name).second) continue;
        if (name == "price" || name == "created_at") {
            const auto& numbers = name == "price" ? result.facets->price : result.facets->created_at;
            json.key(name).begin_object();
            if (numbers) {
                for (const auto& [number, count] : numbers->values) json.field(number_text(number), count);
            }
            json.end_object();
            continue;
        }
        const auto* values = facet_values(*result.facets, name);
        if (values == nullptr) continue;
        json.key(name).begin_object();
        for (const auto& [value, count] : *values) json.field(value, count);
        json.end_object();
    }
    json.end_object().key("facetStats").begin_object();
    if (result.facets->price && result.facets->price->count > 0) {
        json.key("price").begin_object().field("min", result.facets->price->min).field("max", result.facets->price->max).end_object();
    }
    if (result.facets->created_at && result.facets->created_at->count > 0) {
        const auto& dates = *result.facets->created_at;
        json.key("created_at").begin_object().field("min", dates.min).field("max", dates.max).end_object();
    }
    json.end_object();
}

[[noreturn]] void refuse_response_size(const MeiliQuery& query) {
    refuse(query.pages ? ErrorCode::invalid_search_hits_per_page : ErrorCode::invalid_search_limit,
           fmt::format("The response would be larger than {} MB: ask for fewer hits (`{}`) or shorter highlight tags.",
                       max_response_bytes >> 20, query.pages ? "hitsPerPage" : "limit"));
}

void write_result(analyzers::JsonWriter& json, const MeiliQuery& query, const SearchResult& result,
                  std::string_view index_uid) {
    std::optional<analyzers::TextAnalyzer> analyzer;
    json.begin_object();
    if (!index_uid.empty()) json.field("indexUid", index_uid);
    json.key("hits").begin_array();
    for (const Hit& hit : result.hits) {
        write_meili_hit(json, hit, query.format, words_of(query, hit, analyzer));
        if (json.str().size() > max_response_bytes) refuse_response_size(query);
    }
    json.end_array();
    json.field("query", query.request.text).field("processingTimeMs", static_cast<std::uint64_t>(result.took_ms));
    if (query.pages) {
        const std::uint64_t pages =
            query.hits_per_page == 0 ? 0 : (result.total + query.hits_per_page - 1) / query.hits_per_page;
        json.field("hitsPerPage", query.hits_per_page).field("page", query.page);
        json.field("totalPages", pages).field("totalHits", result.total);
    } else {
        json.field("limit", query.request.limit).field("offset", query.request.offset);
        json.field("estimatedTotalHits", result.total);
    }
    write_facets(json, query, result);
    json.end_object();
}

MeiliQuery run_checked(element body, std::string_view index_uid, QueryPlace place = QueryPlace::search) {
    check_index(index_uid);
    return meili_query_of(body, place);
}

std::string_view index_uid_of(element query) {
    std::string_view uid;
    if (query["indexUid"].get_string().get(uid)) refuse(ErrorCode::missing_index_uid, "Missing field `indexUid`.");
    return uid;
}

// Federation: every query's hits in one list, by weighted ranking score.
struct FederatedHit {
    const Hit* hit;
    std::size_t query_position;
    std::size_t rank;  // within its query
    double weighted_score;
    std::string id;
};

SearchResult observed(SearchService& service, const SearchRequest& request, const SearchObserver& observe) {
    SearchResult result = service.search(request);
    if (observe) observe(result);
    return result;
}

std::string federated_search(SearchService& service, simdjson::dom::array queries, element federation,
                             const SearchObserver& observe) {
    std::size_t offset = 0, limit = 20;
    simdjson::dom::object options;
    if (federation.get_object().get(options)) {
        refuse(ErrorCode::invalid_multi_search_federated, "Invalid value type at `.federation`: expected an object.");
    }
    for (auto [key, value] : options) {
        if (value.is_null()) continue;
        if (key == "offset") offset = count_of(value, "federation.offset", ErrorCode::invalid_search_offset);
        else if (key == "limit") limit = std::min<std::size_t>(count_of(value, "federation.limit", ErrorCode::invalid_search_limit), 1000);
        else if (key == "facetsByIndex" || key == "mergeFacets") {
            refuse(key == "mergeFacets" ? ErrorCode::invalid_multi_search_merge_facets : ErrorCode::invalid_multi_search_facets_by_index,
                   fmt::format("`federation.{}` is not supported: ask for facets in a separate, non-federated search.", key));
        } else {
            refuse(ErrorCode::invalid_multi_search_federated,
                   fmt::format("Unknown field `{}` inside `.federation`: expected one of `limit`, `offset`, "
                               "`facetsByIndex`, `mergeFacets`.", key));
        }
    }
    if (offset > 10'000) refuse(ErrorCode::invalid_search_offset, "Pages deeper than 10,000 results are not served.");
    std::vector<MeiliQuery> parsed;
    std::vector<SearchResult> results;
    std::size_t position = 0;
    for (element each : queries) {
        if (each.type() != element_type::OBJECT) refuse(ErrorCode::bad_request, "Each query must be an object.");
        MeiliQuery query = run_checked(each, index_uid_of(each), QueryPlace::federated);
        if (query.paginated) {
            refuse(ErrorCode::invalid_multi_search_query_pagination,
                   fmt::format("Inside `.queries[{}]`: Using pagination options is not allowed in federated queries.\n "
                               "Hint: remove `limit`, `offset`, `page` or `hitsPerPage` from query #{} and use them in "
                               "`federation` instead.", position, position));
        }
        if (!query.facet_names.empty()) {
            refuse(ErrorCode::invalid_multi_search_query_facets,
                   fmt::format("Inside `.queries[{}]`: Using facets is not allowed in federated queries.", position));
        }
        query.request.offset = 0;
        query.request.limit = offset + limit;
        results.push_back(observed(service, query.request, observe));
        parsed.push_back(std::move(query));
        ++position;
    }
    std::optional<analyzers::TextAnalyzer> analyzer(std::in_place);  // every hit's score orders the merge
    std::vector<FederatedHit> merged;
    std::uint64_t total = 0;
    double took_ms = 0;
    for (std::size_t query = 0; query < parsed.size(); ++query) {
        total += results[query].total;
        took_ms = std::max(took_ms, results[query].took_ms);
        for (std::size_t rank = 0; rank < results[query].hits.size(); ++rank) {
            const Hit& hit = results[query].hits[rank];
            const double score = words_matched(hit, parsed[query].query_words, *analyzer).score() * parsed[query].weight;
            merged.push_back({&hit, query, rank, score, analyzers::listing_from_stored_json(hit.stored_json).id});
        }
    }
    std::stable_sort(merged.begin(), merged.end(), [](const FederatedHit& a, const FederatedHit& b) {
        if (a.weighted_score != b.weighted_score) return a.weighted_score > b.weighted_score;
        if (a.rank != b.rank) return a.rank < b.rank;
        return a.query_position < b.query_position;
    });
    // A listing several queries found is shown once, where it ranks best.
    std::set<std::string> seen;
    std::vector<FederatedHit> unique;
    for (auto& hit : merged) {
        if (seen.insert(hit.id).second) unique.push_back(std::move(hit));
    }
    analyzers::JsonWriter json;
    json.begin_object().key("hits").begin_array();
    for (std::size_t at = offset; at < unique.size() && at < offset + limit; ++at) {
        const FederatedHit& each = unique[at];
        const MeiliQuery& query = parsed[each.query_position];
        std::string hit_json;
        {
            analyzers::JsonWriter one;
            write_meili_hit(one, *each.hit, query.format, words_of(query, *each.hit, analyzer));
            hit_json = one.take();
        }
        // The hit's object, with _federation added before its closing brace.
        hit_json.pop_back();
        analyzers::JsonWriter federation_json;
        federation_json.begin_object().field("indexUid", meili_index_uid).field("queriesPosition", each.query_position);
        federation_json.field("weightedRankingScore", each.weighted_score).end_object();
        json.raw(hit_json + (hit_json.size() > 1 ? "," : "") + "\"_federation\":" + federation_json.take() + "}");
        if (json.str().size() > max_response_bytes) refuse(ErrorCode::invalid_search_limit, "The response would be too large: ask for fewer hits.");
    }
    json.end_array().field("processingTimeMs", static_cast<std::uint64_t>(took_ms));
    json.field("limit", limit).field("offset", offset).field("estimatedTotalHits", total).end_object();
    return json.take();
}

}  // namespace

SearchRequest meili_search_request(std::string_view body) {
    simdjson::dom::parser parser;
    return meili_query_of(parse_body(parser, body)).request;
}

std::string meili_search(SearchService& service, std::string_view index_uid, std::string_view body,
                         const SearchObserver& observe) {
    simdjson::dom::parser parser;
    const MeiliQuery query = run_checked(parse_body(parser, body), index_uid);
    analyzers::JsonWriter json;
    write_result(json, query, observed(service, query.request, observe), "");
    return json.take();
}

std::string meili_multi_search(SearchService& service, std::string_view body, const SearchObserver& observe) {
    simdjson::dom::parser parser;
    const element root = parse_body(parser, body);
    simdjson::dom::array queries;
    if (root["queries"].get_array().get(queries)) {
        refuse(ErrorCode::invalid_multi_search_queries, "Missing field `queries`: expected an array of search queries.");
    }
    if (queries.size() > max_multi_search_queries) {
        refuse(ErrorCode::invalid_multi_search_queries,
               fmt::format("`queries` holds {} searches; the limit is {}.", queries.size(), max_multi_search_queries));
    }
    element federation;
    if (!root["federation"].get(federation) && !federation.is_null()) return federated_search(service, queries, federation, observe);
    analyzers::JsonWriter json;
    json.begin_object().key("results").begin_array();
    for (element each : queries) {
        if (each.type() != element_type::OBJECT) refuse(ErrorCode::bad_request, "Each query must be an object.");
        const std::string_view uid = index_uid_of(each);
        const MeiliQuery query = run_checked(each, uid, QueryPlace::multi_search);
        write_result(json, query, observed(service, query.request, observe), uid);
    }
    json.end_array().end_object();
    return json.take();
}

namespace {

// UTF-8 as code points, for edit distances that count a character as one.
std::u32string code_points(std::string_view text) {
    std::u32string out;
    for (std::size_t at = 0; at < text.size();) {
        const auto byte = static_cast<unsigned char>(text[at]);
        const std::size_t length = byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4;
        char32_t point = length == 1 ? byte : byte & (0xFF >> (length + 1));
        for (std::size_t i = 1; i < length && at + i < text.size(); ++i) {
            point = (point << 6) | (static_cast<unsigned char>(text[at + i]) & 0x3F);
        }
        out.push_back(point);
        at += length;
    }
    return out;
}

// The fewest edits that turn `typed` into some prefix of `text`.
std::size_t prefix_distance(const std::u32string& typed, std::u32string_view text) {
    // row[j]: edits from the typed text so far to text[0, j); the best row
    // entry at the end is the best prefix.
    std::vector<std::size_t> row(text.size() + 1, 0);
    for (std::size_t j = 0; j <= text.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= typed.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= text.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (typed[i - 1] == text[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return *std::min_element(row.begin(), row.end());
}

// Meilisearch's default typo tolerance: one typo from 5 characters, two from 9.
std::size_t typos_allowed(std::size_t characters) { return characters >= 9 ? 2 : characters >= 5 ? 1 : 0; }

// Whether a facet value matches what a buyer typed: some word of the value
// (and what follows it) begins with the typed text, within the typos allowed.
bool facet_value_matches(const std::u32string& typed, const std::u32string& value) {
    if (typed.empty()) return true;
    const std::size_t allowed = typos_allowed(typed.size());
    for (std::size_t start = 0; start < value.size(); ++start) {
        const bool word_start = start == 0 || value[start - 1] == U' ' || value[start - 1] == U'/' || value[start - 1] == U'-';
        if (!word_start) continue;
        const std::u32string_view rest = std::u32string_view(value).substr(start, typed.size() + allowed);
        if (prefix_distance(typed, rest) <= allowed) return true;
    }
    return false;
}

const std::set<std::string_view> facet_search_fields{"facetName", "facetQuery", "exhaustiveFacetCount"};

}  // namespace

std::string meili_facet_search(SearchService& service, std::string_view index_uid, std::string_view body,
                               const SearchObserver& observe) {
    simdjson::dom::parser parser;
    const element root = parse_body(parser, body);
    check_index(index_uid);
    std::string facet_name, facet_query;
    if (element value; !root["facetName"].get(value) && !value.is_null()) {
        facet_name = string_of(value, "facetName", ErrorCode::invalid_facet_search_facet_name);
    }
    if (element value; !root["facetQuery"].get(value) && !value.is_null()) {
        facet_query = text_of(value, "facetQuery", ErrorCode::invalid_facet_search_facet_query, query::max_query_bytes);
    }
    if (element value; !root["exhaustiveFacetCount"].get(value) && !value.is_null()) {
        flag_of(value, "exhaustiveFacetCount", ErrorCode::bad_request);  // counts are always exhaustive here
    }
    if (facet_name.empty()) refuse(ErrorCode::invalid_facet_search_facet_name, "Missing field `facetName`.");
    const bool facetable = facet_name == "category" ||
                           std::find(all_facets.begin(), all_facets.end(), facet_name) != all_facets.end();
    if (!facetable || facet_name == "price" || facet_name == "created_at") {
        refuse(ErrorCode::invalid_facet_search_facet_name,
               fmt::format("Attribute `{}` is not facet-searchable. Available facet-searchable attributes are: `brand, "
                           "category, category.lvl0, category.lvl1, category.lvl2, condition, shipping, status`.",
                           facet_name));
    }
    MeiliQuery query = meili_query_of(root, QueryPlace::facet_search, facet_search_fields);
    SearchRequest& request = query.request;
    request.offset = 0;
    request.limit = 0;
    request.facets = {.disjunctive = false};
    request.facet_limit = std::numeric_limits<std::size_t>::max();  // every value is searched
    apply_facets({facet_name}, request.facets);
    const SearchResult result = observed(service, request, observe);
    const auto* values = result.facets ? facet_values(*result.facets, facet_name) : nullptr;
    analyzers::TextAnalyzer analyzer;
    const std::u32string typed = code_points(analyzer.normalize(facet_query));
    std::vector<FacetValueCount> hits;
    for (const auto& value : values ? *values : std::vector<FacetValueCount>{}) {
        if (facet_value_matches(typed, code_points(analyzer.normalize(value.value)))) hits.push_back(value);
    }
    // Most listings first, as the index's faceting.sortFacetValuesBy says
    // (count), at most maxValuesPerFacet of them.
    std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
        return a.count != b.count ? a.count > b.count : a.value < b.value;
    });
    if (hits.size() > 100) hits.resize(100);
    analyzers::JsonWriter json;
    json.begin_object().key("facetHits").begin_array();
    for (const auto& [value, count] : hits) json.begin_object().field("value", value).field("count", count).end_object();
    json.end_array().field("facetQuery", facet_query);
    json.field("processingTimeMs", static_cast<std::uint64_t>(result.took_ms)).end_object();
    return json.take();
}

query::FilterExpression meili_filter_of(simdjson::dom::element value, ErrorCode code) {
    return filter_expression_of(value, code);
}

}  // namespace server
