#include "meili_api.h"

#include <chrono>
#include <set>

#include <fmt/format.h>
#include <simdjson.h>

#include "analyzers/json_writer.h"
#include "analyzers/listing.h"
#include "analyzers/text_analyzer.h"
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
FilterExpression filter_of(element value) {
    try {
        if (value.type() == element_type::STRING) return query::parse_filter(string_of(value, "filter", filter_error));
        if (value.type() != element_type::ARRAY) refuse(filter_error, "Invalid value type at `.filter`: expected a string or an array.");
        FilterExpression all{FilterExpression::Kind::all_of};
        simdjson::dom::array items;
        if (value.get_array().get(items)) refuse(filter_error, "Invalid value type at `.filter`.");
        for (element item : items) {
            if (item.type() == element_type::STRING) {
                all.children.push_back(query::parse_filter(string_of(item, "filter", filter_error)));
                continue;
            }
            FilterExpression any{FilterExpression::Kind::any_of};
            for (const auto& text : strings_of(item, "filter", filter_error)) any.children.push_back(query::parse_filter(text));
            all.children.push_back(std::move(any));
        }
        query::check_filter_size(all);
        return all;
    } catch (const FilterError& error) {
        refuse(filter_error, error.what());
    }
}

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

void apply_facets(const std::vector<std::string>& names, FacetRequest& facets) {
    for (const auto& name : names) {
        if (name == "*") facets.brand = facets.category = facets.condition = facets.shipping = facets.price = true;
        else if (name == "brand") facets.brand = true;
        else if (name == "category" || name.rfind("category.lvl", 0) == 0) facets.category = true;
        else if (name == "condition") facets.condition = true;
        else if (name == "shipping") facets.shipping = true;
        else if (name == "price") facets.price = true;
        else {
            refuse(ErrorCode::invalid_search_facets, fmt::format("Invalid facet `{}`: facetable attributes are `brand, category, "
                                                        "category.lvl0, category.lvl1, category.lvl2, condition, shipping, price`.",
                                                        name));
        }
    }
}

SortOrder sort_of(element value) {
    const auto rules = strings_of(value, "sort", ErrorCode::invalid_search_sort);
    if (rules.empty()) return SortOrder::relevance;
    if (rules.size() > 1) refuse(ErrorCode::invalid_search_sort, "Only one sort rule is supported.");
    if (rules[0] == "price:asc") return SortOrder::price_asc;
    if (rules[0] == "price:desc") return SortOrder::price_desc;
    if (rules[0] == "created_at:desc") return SortOrder::newest;
    refuse(ErrorCode::invalid_search_sort, fmt::format("Attribute `{}` is not sortable: use `price:asc`, `price:desc` or "
                                              "`created_at:desc`.", rules[0]));
}

query::MatchingStrategy matching_strategy_of(element value) {
    const std::string name = string_of(value, "matchingStrategy", ErrorCode::invalid_search_matching_strategy);
    if (name == "all") return query::MatchingStrategy::all;
    if (name == "last") return query::MatchingStrategy::last;
    if (name == "frequency") return query::MatchingStrategy::frequency;
    refuse(ErrorCode::invalid_search_matching_strategy,
           fmt::format("Unknown value `{}` at `.matchingStrategy`: expected one of `last`, `all`, `frequency`.", name));
}

// What a Meilisearch search asks for, as our request plus how to answer.
struct MeiliQuery {
    SearchRequest request;
    bool pages = false;  // hitsPerPage/page rather than limit/offset
    std::size_t page = 1, hits_per_page = 20;
    std::vector<std::string> facet_names;
    bool formatted = false;  // _formatted wanted
};

// Fields Meilisearch accepts that this subset ignores.
const std::set<std::string_view> ignored_fields{
    "attributesToRetrieve", "attributesToCrop", "cropLength", "cropMarker", "showMatchesPosition",
    "showRankingScore", "showRankingScoreDetails", "rankingScoreThreshold", "attributesToSearchOn", "distinct", "locales",
    "retrieveVectors", "indexUid", "federationOptions"};

MeiliQuery meili_query_of(element body) {
    MeiliQuery query;
    SearchRequest& request = query.request;
    request.facet_limit = 100;  // Meilisearch's maxValuesPerFacet
    request.facets.disjunctive = false;
    request.matching = query::MatchingStrategy::last;  // Meilisearch's default
    std::optional<std::size_t> offset, limit, page, hits_per_page;
    simdjson::dom::object fields;
    if (body.get_object().get(fields)) refuse(ErrorCode::bad_request, "Each query must be an object.");
    for (auto [key, value] : fields) {
        if (value.is_null()) continue;
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
        else if (key == "attributesToHighlight") query.formatted = !strings_of(value, "attributesToHighlight", ErrorCode::invalid_search_attributes_to_highlight).empty();
        else if (key == "highlightPreTag") request.highlight.pre = text_of(value, "highlightPreTag", ErrorCode::invalid_search_highlight_pre_tag, query::max_highlight_tag_bytes);
        else if (key == "highlightPostTag") request.highlight.post = text_of(value, "highlightPostTag", ErrorCode::invalid_search_highlight_post_tag, query::max_highlight_tag_bytes);
        else if (ignored_fields.count(key) == 0) {
            refuse(ErrorCode::bad_request, fmt::format("Unknown field `{}`: expected one of `q`, `offset`, `limit`, `page`, "
                                              "`hitsPerPage`, `filter`, `facets`, `sort`, `matchingStrategy`, "
                                              "`attributesToHighlight`, `highlightPreTag`, `highlightPostTag`.", key));
        }
    }
    query.pages = page.has_value() || hits_per_page.has_value();
    if (query.pages) {
        query.page = std::max<std::size_t>(1, page.value_or(1));
        query.hits_per_page = std::min<std::size_t>(hits_per_page.value_or(20), 1000);
        request.offset = (query.page - 1) * query.hits_per_page;
        request.limit = query.hits_per_page;
        request.exact_total = true;  // totalHits and totalPages are exact in Meilisearch
    } else {
        request.offset = offset.value_or(0);
        request.limit = std::min<std::size_t>(limit.value_or(20), 1000);
    }
    if (request.offset > 10'000) refuse(ErrorCode::invalid_search_offset, "Pages deeper than 10,000 results are not served.");
    // Meilisearch marks matches in plain text; the client escapes for HTML.
    request.highlight.escape_html = false;
    request.highlight.all_fields = query.formatted;
    return query;
}

void write_listing_fields(analyzers::JsonWriter& json, const analyzers::Listing& listing) {
    json.field("id", listing.id).field("title", listing.title).field("description", listing.description);
    json.field("brand", listing.brand).field("category", listing.category).field("price", listing.price);
    json.field("condition", listing.condition).field("shipping", analyzers::to_string(listing.shipping));
    json.field("status", analyzers::to_string(listing.status)).field("created_at", listing.created_at);
    json.field("seller_id", listing.seller_id);
}

void write_hit(analyzers::JsonWriter& json, const Hit& hit, bool formatted) {
    const analyzers::Listing listing = analyzers::listing_from_stored_json(hit.stored_json);
    json.begin_object();
    write_listing_fields(json, listing);
    if (formatted) {
        analyzers::Listing marked = listing;
        for (const auto& [field, text] : hit.highlighted_fields) {
            if (field == "title") marked.title = text;
            else if (field == "description") marked.description = text;
            else if (field == "brand") marked.brand = text;
            else if (field == "category") marked.category = text;
        }
        json.key("_formatted").begin_object();
        write_listing_fields(json, marked);
        json.end_object();
    }
    json.end_object();
}

const std::vector<FacetValueCount>* facet_values(const FacetCounts& counts, const std::string& name) {
    if (name == "brand") return &counts.brand;
    if (name == "category" || name == "category.lvl0") return &counts.category_1;
    if (name == "category.lvl1") return &counts.category_2;
    if (name == "category.lvl2") return &counts.category_3;
    if (name == "condition") return &counts.condition;
    if (name == "shipping") return &counts.shipping;
    return nullptr;
}

void write_facets(analyzers::JsonWriter& json, const MeiliQuery& query, const SearchResult& result) {
    if (query.facet_names.empty() || !result.facets) return;
    std::vector<std::string> names = query.facet_names;
    if (std::find(names.begin(), names.end(), "*") != names.end()) {
        names = {"brand", "category.lvl0", "category.lvl1", "category.lvl2", "condition", "shipping", "price"};
    }
    json.key("facetDistribution").begin_object();
    for (const auto& name : names) {
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
    json.end_object();
}

[[noreturn]] void refuse_response_size(const MeiliQuery& query) {
    refuse(query.pages ? ErrorCode::invalid_search_hits_per_page : ErrorCode::invalid_search_limit,
           fmt::format("The response would be larger than {} MB: ask for fewer hits (`{}`) or shorter highlight tags.",
                       max_response_bytes >> 20, query.pages ? "hitsPerPage" : "limit"));
}

void write_result(analyzers::JsonWriter& json, const MeiliQuery& query, const SearchResult& result,
                  std::string_view index_uid) {
    json.begin_object();
    if (!index_uid.empty()) json.field("indexUid", index_uid);
    json.key("hits").begin_array();
    for (const Hit& hit : result.hits) {
        write_hit(json, hit, query.formatted);
        if (json.str().size() > max_response_bytes) refuse_response_size(query);
    }
    json.end_array();
    json.field("query", query.request.text).field("processingTimeMs", static_cast<std::uint64_t>(result.took_ms));
    if (query.pages) {
        const std::uint64_t pages = (result.total + query.hits_per_page - 1) / std::max<std::size_t>(1, query.hits_per_page);
        json.field("hitsPerPage", query.hits_per_page).field("page", query.page);
        json.field("totalPages", pages).field("totalHits", result.total);
    } else {
        json.field("limit", query.request.limit).field("offset", query.request.offset);
        json.field("estimatedTotalHits", result.total);
    }
    write_facets(json, query, result);
    json.end_object();
}

MeiliQuery run_checked(element body, std::string_view index_uid) {
    check_index(index_uid);
    return meili_query_of(body);
}

}  // namespace

SearchRequest meili_search_request(std::string_view body) {
    simdjson::dom::parser parser;
    return meili_query_of(parse_body(parser, body)).request;
}

std::string meili_search(SearchService& service, std::string_view index_uid, std::string_view body) {
    simdjson::dom::parser parser;
    const MeiliQuery query = run_checked(parse_body(parser, body), index_uid);
    analyzers::JsonWriter json;
    write_result(json, query, service.search(query.request), "");
    return json.take();
}

std::string meili_multi_search(SearchService& service, std::string_view body) {
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
    analyzers::JsonWriter json;
    json.begin_object().key("results").begin_array();
    for (element each : queries) {
        if (each.type() != element_type::OBJECT) refuse(ErrorCode::bad_request, "Each query must be an object.");
        std::string_view uid;
        if (each["indexUid"].get_string().get(uid)) refuse(ErrorCode::missing_index_uid, "Each query needs an `indexUid`.");
        const MeiliQuery query = run_checked(each, uid);
        write_result(json, query, service.search(query.request), uid);
    }
    json.end_array().end_object();
    return json.take();
}

std::string meili_facet_search(SearchService& service, std::string_view index_uid, std::string_view body) {
    simdjson::dom::parser parser;
    const element root = parse_body(parser, body);
    check_index(index_uid);
    std::string facet_name, facet_query;
    SearchRequest request;
    request.limit = 1;
    request.facet_limit = 100;
    request.facets.disjunctive = false;
    simdjson::dom::object fields;
    if (root.get_object().get(fields)) refuse(ErrorCode::bad_request, "The json payload must be an object.");
    for (auto [key, value] : fields) {
        if (value.is_null()) continue;
        if (key == "facetName") facet_name = string_of(value, "facetName", ErrorCode::invalid_facet_search_facet_name);
        else if (key == "facetQuery") facet_query = text_of(value, "facetQuery", ErrorCode::invalid_facet_search_facet_query, query::max_query_bytes);
        else if (key == "q") request.text = text_of(value, "q", ErrorCode::invalid_search_q, query::max_query_bytes);
        else if (key == "filter") apply_filter(value, request.filters);
        else if (ignored_fields.count(key) == 0 && key != "exhaustiveFacetCount") {
            refuse(ErrorCode::bad_request, fmt::format("Unknown field `{}`.", key));
        }
    }
    if (facet_name.empty()) refuse(ErrorCode::invalid_facet_search_facet_name, "Missing field `facetName`.");
    apply_facets({facet_name}, request.facets);
    const SearchResult result = service.search(request);
    const auto* values = result.facets ? facet_values(*result.facets, facet_name) : nullptr;
    analyzers::TextAnalyzer analyzer;
    const std::string wanted = analyzer.normalize(facet_query);
    analyzers::JsonWriter json;
    json.begin_object().key("facetHits").begin_array();
    for (const auto& [value, count] : values ? *values : std::vector<FacetValueCount>{}) {
        if (analyzer.normalize(value).find(wanted) == std::string::npos) continue;
        json.begin_object().field("value", value).field("count", count).end_object();
    }
    json.end_array().field("facetQuery", facet_query);
    json.field("processingTimeMs", static_cast<std::uint64_t>(result.took_ms)).end_object();
    return json.take();
}

}  // namespace server
