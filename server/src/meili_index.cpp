// The Meilisearch routes about the index rather than searches: index
// information, stats, settings (read only) and reading documents.
#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>
#include <simdjson.h>

#include "analyzers/json_writer.h"
#include "analyzers/listing.h"
#include "meili_api.h"
#include "meili_format.h"
#include "query/filter_expression.h"

namespace server {
namespace {

using query::SearchRequest;
using query::SearchResult;
using query::StatusFilter;

[[noreturn]] void refuse(ErrorCode code, std::string message) {
    throw ApiErrorException({.code = code, .message = std::move(message)});
}

void check_index(std::string_view index_uid) {
    if (index_uid != meili_index_uid) refuse(ErrorCode::index_not_found, fmt::format("Index `{}` not found.", index_uid));
}

constexpr std::string_view searchable[] = {"title", "description", "brand", "category"};
constexpr std::string_view filterable[] = {"id", "brand", "category", "category.lvl0", "category.lvl1", "category.lvl2",
                                           "price", "condition", "shipping", "status", "created_at"};
constexpr std::string_view sortable[] = {"created_at", "price"};
constexpr std::string_view ranking_rules[] = {"words", "typo", "proximity", "attribute", "sort", "exactness"};
constexpr std::size_t max_total_hits = 10'000;

template <typename Names>
void write_names(analyzers::JsonWriter& json, const Names& names) {
    json.begin_array();
    for (std::string_view name : names) json.value(name);
    json.end_array();
}

// Each setting by its name in the settings object, written by `write`.
struct Setting {
    std::string_view name;   // camelCase, as in GET /settings
    std::string_view route;  // kebab-case, as in GET /settings/{route}
    void (*write)(analyzers::JsonWriter& json);
};

const Setting settings[] = {
    {"displayedAttributes", "displayed-attributes", [](auto& json) { write_names(json, std::array{"*"}); }},
    {"searchableAttributes", "searchable-attributes", [](auto& json) { write_names(json, searchable); }},
    {"filterableAttributes", "filterable-attributes", [](auto& json) { write_names(json, filterable); }},
    {"sortableAttributes", "sortable-attributes", [](auto& json) { write_names(json, sortable); }},
    {"rankingRules", "ranking-rules", [](auto& json) { write_names(json, ranking_rules); }},
    {"stopWords", "stop-words", [](auto& json) { json.begin_array().end_array(); }},
    {"nonSeparatorTokens", "non-separator-tokens", [](auto& json) { json.begin_array().end_array(); }},
    {"separatorTokens", "separator-tokens", [](auto& json) { json.begin_array().end_array(); }},
    {"dictionary", "dictionary", [](auto& json) { json.begin_array().end_array(); }},
    {"synonyms", "synonyms", [](auto& json) { json.begin_object().end_object(); }},
    {"distinctAttribute", "distinct-attribute", [](auto& json) { json.raw("null"); }},
    {"proximityPrecision", "proximity-precision", [](auto& json) { json.value("byWord"); }},
    {"typoTolerance", "typo-tolerance",
     [](auto& json) {
         json.begin_object().field("enabled", true).key("minWordSizeForTypos").begin_object();
         json.field("oneTypo", 5).field("twoTypos", 9).end_object();
         json.key("disableOnWords").begin_array().end_array().key("disableOnAttributes").begin_array().end_array();
         json.field("disableOnNumbers", false).end_object();
     }},
    {"faceting", "faceting",
     [](auto& json) {
         json.begin_object().field("maxValuesPerFacet", 100).key("sortFacetValuesBy").begin_object();
         json.field("*", "count").end_object().end_object();
     }},
    {"pagination", "pagination", [](auto& json) { json.begin_object().field("maxTotalHits", max_total_hits).end_object(); }},
    {"searchCutoffMs", "search-cutoff-ms", [](auto& json) { json.raw("null"); }},
    {"localizedAttributes", "localized-attributes", [](auto& json) { json.raw("null"); }},
    {"facetSearch", "facet-search", [](auto& json) { json.value(true); }},
    {"prefixSearch", "prefix-search", [](auto& json) { json.value("indexingTime"); }},
    {"embedders", "embedders", [](auto& json) { json.begin_object().end_object(); }},
};

std::vector<std::string> split_fields(std::string_view text) {
    std::vector<std::string> fields;
    while (!text.empty()) {
        const auto comma = text.find(',');
        std::string_view field = text.substr(0, comma);
        while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
        while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
        if (!field.empty()) fields.emplace_back(field);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    }
    return fields;
}

HitFormat format_of(const std::vector<std::string>& fields) {
    HitFormat format;
    if (std::find(fields.begin(), fields.end(), "*") == fields.end()) format.retrieve = fields;
    if (format.retrieve.empty() && !fields.empty() && fields[0] != "*") format.retrieve = {""};
    return format;
}

using Filter = std::shared_ptr<const query::FilterExpression>;

// A request body that must be a JSON object (fetch, delete by filter).
simdjson::dom::object object_body(simdjson::dom::parser& parser, std::string_view body) {
    simdjson::dom::object object;
    if (parser.parse(body.data(), body.size()).get(object)) {
        refuse(ErrorCode::bad_request, "The json payload provided is malformed: expected an object.");
    }
    return object;
}

// A filter given as a query string parameter.
Filter parsed_filter(std::string_view text) {
    try {
        return std::make_shared<const query::FilterExpression>(query::parse_filter(std::string(text)));
    } catch (const query::FilterError& error) {
        refuse(ErrorCode::invalid_document_filter, error.what());
    }
}

// Every listing matching `filter` (null: all), sold ones included, as documents.
SearchResult documents_matching(query::SearchService& service, const Filter& filter, std::size_t offset,
                                std::size_t limit) {
    // Documents are read as the newest commit has them: after a write's task
    // has succeeded, a read never shows what was there before.
    SearchRequest request{.offset = offset, .limit = limit, .exact_total = true, .latest = true};
    request.filters.status = StatusFilter::any;
    request.filters.expression = filter;
    if (offset > max_total_hits) {
        refuse(ErrorCode::invalid_document_offset, fmt::format("Offsets beyond {} are not served.", max_total_hits));
    }
    return service.search(request);
}

std::uint64_t count_matching(query::SearchService& service, const std::string& filter) {
    return documents_matching(service, filter.empty() ? nullptr : parsed_filter(filter), 0, 0).total;
}

}  // namespace

std::string meili_index_json(std::string_view index_uid) {
    check_index(index_uid);
    analyzers::JsonWriter json;
    json.begin_object().field("uid", meili_index_uid).field("primaryKey", "id");
    json.key("createdAt").raw("null").key("updatedAt").raw("null").end_object();
    return json.take();
}

std::string meili_indexes_json() {
    analyzers::JsonWriter json;
    json.begin_object().key("results").begin_array().raw(meili_index_json(meili_index_uid)).end_array();
    json.field("offset", 0).field("limit", 20).field("total", 1).end_object();
    return json.take();
}

std::string meili_index_stats_json(query::SearchService& service, std::string_view index_uid) {
    check_index(index_uid);
    analyzers::JsonWriter json;
    const std::uint64_t documents = count_matching(service, "");
    json.begin_object().field("numberOfDocuments", documents).field("isIndexing", false);
    json.key("fieldDistribution").begin_object();
    // The attributes the index can count; description, seller_id and
    // image_url are only stored, so counting them would read every listing.
    for (std::string_view name : listing_attributes) {
        if (name == "description" || name == "seller_id" || name == "image_url") continue;
        const bool always = name == "id" || name == "title" || name == "price" || name == "status" || name == "created_at";
        json.field(name, always ? documents : count_matching(service, std::string(name) + " EXISTS"));
    }
    json.end_object().end_object();
    return json.take();
}

std::string meili_stats_json(query::SearchService& service) {
    analyzers::JsonWriter json;
    json.begin_object().key("lastUpdate").raw("null").key("indexes").begin_object();
    json.key(meili_index_uid).raw(meili_index_stats_json(service, meili_index_uid));
    json.end_object().end_object();
    return json.take();
}

std::string meili_settings_json(std::string_view index_uid, std::string_view route) {
    check_index(index_uid);
    analyzers::JsonWriter json;
    if (!route.empty()) {
        for (const Setting& setting : settings) {
            if (setting.route != route) continue;
            setting.write(json);
            return json.take();
        }
        refuse(ErrorCode::not_found, fmt::format("Unknown setting `{}`.", route));
    }
    json.begin_object();
    for (const Setting& setting : settings) {
        json.key(setting.name);
        setting.write(json);
    }
    json.end_object();
    return json.take();
}

std::string meili_document_json(query::SearchService& service, std::string_view index_uid, std::string_view id,
                                std::string_view fields) {
    check_index(index_uid);
    analyzers::JsonWriter filter;
    filter.value(id);  // a JSON string is a filter's quoted value
    const SearchResult result = documents_matching(service, parsed_filter("id = " + filter.take()), 0, 1);
    if (result.hits.empty()) refuse(ErrorCode::document_not_found, fmt::format("Document `{}` not found.", id));
    analyzers::JsonWriter json;
    write_meili_hit(json, result.hits[0], format_of(split_fields(fields)), std::nullopt);
    return json.take();
}

std::string meili_documents_json(query::SearchService& service, std::string_view index_uid, const DocumentsQuery& query) {
    check_index(index_uid);
    const SearchResult result = documents_matching(service, query.filter, query.offset, std::min<std::size_t>(query.limit, 1000));
    const HitFormat format = format_of(query.fields);
    analyzers::JsonWriter json;
    json.begin_object().key("results").begin_array();
    for (const auto& hit : result.hits) write_meili_hit(json, hit, format, std::nullopt);
    json.end_array().field("offset", query.offset).field("limit", query.limit).field("total", result.total).end_object();
    return json.take();
}

DocumentsQuery documents_query_of_params(const std::multimap<std::string, std::string>& params) {
    DocumentsQuery query;
    for (const auto& param : params) {
        // Named references, not a structured binding: clang 14 (the fuzz
        // build) cannot capture those in the lambda below.
        const std::string& name = param.first;
        const std::string& value = param.second;
        const auto count = [&](ErrorCode code) {
            if (value.empty() || value.size() > 9 || value.find_first_not_of("0123456789") != std::string::npos) {
                refuse(code, fmt::format("Invalid value in parameter `{}`: could not parse `{}` as a positive integer", name, value));
            }
            return static_cast<std::size_t>(std::stoul(value));
        };
        if (name == "offset") query.offset = count(ErrorCode::invalid_document_offset);
        else if (name == "limit") query.limit = count(ErrorCode::invalid_document_limit);
        else if (name == "fields") query.fields = split_fields(value);
        else if (name == "filter") query.filter = value.empty() ? nullptr : parsed_filter(value);
        else if (name == "retrieveVectors") {
            if (value == "true") {
                refuse(ErrorCode::feature_not_enabled, "Passing `retrieveVectors` as a parameter requires enabling the "
                                                       "`vector store` experimental feature.");
            }
        } else {
            refuse(ErrorCode::bad_request, fmt::format("Unknown parameter `{}`: expected one of `offset`, `limit`, "
                                                       "`fields`, `retrieveVectors`, `filter`", name));
        }
    }
    return query;
}

DocumentsQuery documents_query_of_body(std::string_view body) {
    simdjson::dom::parser parser;
    DocumentsQuery query;
    for (auto [key, value] : object_body(parser, body)) {
        if (value.is_null()) continue;
        std::int64_t number = 0;
        if (key == "offset" || key == "limit") {
            const ErrorCode code = key == "offset" ? ErrorCode::invalid_document_offset : ErrorCode::invalid_document_limit;
            if (value.get_int64().get(number) || number < 0) {
                refuse(code, fmt::format("Invalid value type at `.{}`: expected a positive integer.", key));
            }
            (key == "offset" ? query.offset : query.limit) = static_cast<std::size_t>(number);
        } else if (key == "fields") {
            simdjson::dom::array fields;
            if (value.get_array().get(fields)) refuse(ErrorCode::invalid_document_fields, "Invalid value type at `.fields`: expected an array.");
            for (auto field : fields) {
                std::string_view name;
                if (field.get_string().get(name)) refuse(ErrorCode::invalid_document_fields, "Invalid value type at `.fields[]`: expected a string.");
                query.fields.emplace_back(name);
            }
        } else if (key == "filter") {
            query.filter = std::make_shared<const query::FilterExpression>(
                meili_filter_of(value, ErrorCode::invalid_document_filter));
        } else if (key == "retrieveVectors") {
            bool flag = false;
            if (!value.get_bool().get(flag) && flag) {
                refuse(ErrorCode::feature_not_enabled, "Passing `retrieveVectors` as a parameter requires enabling the "
                                                       "`vector store` experimental feature.");
            }
        } else {
            refuse(ErrorCode::bad_request, fmt::format("Unknown field `{}`: expected one of `offset`, `limit`, `fields`, "
                                                       "`retrieveVectors`, `filter`", key));
        }
    }
    return query;
}

namespace {

Filter filter_of_delete_body(std::string_view body) {
    simdjson::dom::parser parser;
    Filter filter;
    for (auto [key, value] : object_body(parser, body)) {
        if (key != "filter") refuse(ErrorCode::bad_request, fmt::format("Unknown field `{}`: expected one of `filter`", key));
        if (value.is_null()) continue;
        filter = std::make_shared<const query::FilterExpression>(meili_filter_of(value, ErrorCode::invalid_document_filter));
    }
    if (!filter) refuse(ErrorCode::missing_document_filter, "Missing field `filter`: deleting by filter needs one.");
    return filter;
}

}  // namespace

std::vector<std::string> ids_to_delete(query::SearchService& service, std::string_view index_uid,
                                       std::optional<std::string_view> filter_body) {
    check_index(index_uid);
    const Filter filter = filter_body ? filter_of_delete_body(*filter_body) : nullptr;
    const SearchResult result = documents_matching(service, filter, 0, max_deleted_by_filter);
    if (result.total > max_deleted_by_filter) {
        refuse(ErrorCode::invalid_document_filter,
               fmt::format("{} {} listings: a delete takes at most {} at a time (narrow the filter, or build the "
                           "index again with `listing-indexer build` to empty it).",
                           filter ? "The filter matches" : "The index holds", result.total, max_deleted_by_filter));
    }
    std::vector<std::string> ids;
    for (const auto& hit : result.hits) ids.push_back(analyzers::listing_from_stored_json(hit.stored_json).id);
    return ids;
}

}  // namespace server
