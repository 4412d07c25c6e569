#include "analyzers/json_writer.h"
#include "server/v1_api.h"

namespace server {

using query::FacetCounts;
using query::FacetRequest;
using query::FacetValueCount;
using query::Hit;
using query::PriceSummary;
using query::SearchRequest;
using query::SearchResult;

namespace {

void write_facet_values(analyzers::JsonWriter& json, std::string_view name, const std::vector<FacetValueCount>& values) {
    json.key(name).begin_array();
    for (const auto& [value, count] : values) json.begin_object().field("value", value).field("count", count).end_object();
    json.end_array();
}

void write_price_summary(analyzers::JsonWriter& json, const PriceSummary& price) {
    json.key("price").begin_object();
    json.field("count", price.count).field("min", price.min).field("max", price.max).field("average", price.average);
    json.key("histogram").begin_array();
    for (const auto& band : price.histogram) {
        json.begin_object().field("from", band.from).key("to");
        if (band.to > 0) json.value(band.to);
        else json.null();  // the last band has no upper bound
        json.field("count", band.count).end_object();
    }
    json.end_array().end_object();
}

void write_facets(analyzers::JsonWriter& json, const FacetRequest& wanted, const FacetCounts& facets) {
    json.key("facets").begin_object();
    if (wanted.brand) write_facet_values(json, "brand", facets.brand);
    if (wanted.category) {
        write_facet_values(json, "category_1", facets.category_1);
        write_facet_values(json, "category_2", facets.category_2);
        write_facet_values(json, "category_3", facets.category_3);
    }
    if (wanted.condition) write_facet_values(json, "condition", facets.condition);
    if (wanted.shipping) write_facet_values(json, "shipping", facets.shipping);
    if (wanted.price && facets.price) write_price_summary(json, *facets.price);
    json.end_object();
}

}  // namespace

std::string search_result_json(const SearchRequest& request, const SearchResult& result) {
    analyzers::JsonWriter json;
    json.begin_object();
    json.field("query", request.text);
    json.field("total", result.total).field("total_exact", result.total_exact);
    json.field("offset", request.offset).field("limit", request.limit);
    json.field("took_ms", result.took_ms);
    json.field("cached", result.cached).field("relaxed", result.relaxed).key("suggestion");
    if (result.suggestion.empty()) json.null();
    else json.value(result.suggestion);
    json.field("corrected", result.corrected).key("interpreted");
    if (result.interpreted.empty()) json.null();
    else json.value(result.interpreted);
    json.key("readings").begin_array();
    for (const auto& reading : result.readings) {
        json.begin_object().field("typed", reading.typed).field("as", reading.as).field("how", reading.how).end_object();
    }
    json.end_array();
    json.key("hits").begin_array();
    for (const Hit& hit : result.hits) {
        json.begin_object().field("score", hit.score).field("highlighted_title", hit.highlighted_title);
        json.key("listing").raw(hit.stored_json).end_object();
    }
    json.end_array();
    if (result.facets) write_facets(json, request.facets, *result.facets);
    json.end_object();
    return json.take();
}

}  // namespace server
