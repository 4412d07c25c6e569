// A Meilisearch-compatible API, so that Meilisearch's clients (the JS
// client, instant-meilisearch for InstantSearch) can talk to the query
// server: POST /indexes/{uid}/search, POST /multi-search (federated too),
// POST /indexes/{uid}/facet-search, the index's information, stats and
// settings, and reading documents, with Meilisearch's request fields,
// response shapes and error codes. The one index is called "listings".
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "query/filter_expression.h"
#include "query/search_service.h"
#include "server/api_errors.h"

namespace server {

inline constexpr std::string_view meili_index_uid = "listings";

// Each handler takes the request body and returns the response body, or
// throws ApiErrorException for a request Meilisearch would refuse.
// `observe` sees each search's result (for the metrics).
using SearchObserver = std::function<void(const query::SearchResult&)>;
std::string meili_search(query::SearchService& service, std::string_view index_uid, std::string_view body,
                         const SearchObserver& observe = {});
// Just the validation of a search body, as our request (for the fuzzer).
query::SearchRequest meili_search_request(std::string_view body);
std::string meili_multi_search(query::SearchService& service, std::string_view body, const SearchObserver& observe = {});
std::string meili_facet_search(query::SearchService& service, std::string_view index_uid, std::string_view body,
                               const SearchObserver& observe = {});

// GET /indexes/{uid}, GET /indexes, GET /indexes/{uid}/stats, GET /stats.
std::string meili_index_json(std::string_view index_uid);
std::string meili_indexes_json();
std::string meili_index_stats_json(query::SearchService& service, std::string_view index_uid);
std::string meili_stats_json(query::SearchService& service);
// GET /indexes/{uid}/settings (`route` empty) or /settings/{route}.
std::string meili_settings_json(std::string_view index_uid, std::string_view route);

// A Meilisearch filter: a string, or an array of strings (ANDed) and arrays
// of strings (ORed). Refused with `code` when it is neither or does not parse.
query::FilterExpression meili_filter_of(simdjson::dom::element value, ErrorCode code);

// GET /indexes/{uid}/documents/{id}?fields=a,b
std::string meili_document_json(query::SearchService& service, std::string_view index_uid, std::string_view id,
                                std::string_view fields);
// GET /indexes/{uid}/documents and POST /indexes/{uid}/documents/fetch.
struct DocumentsQuery {
    std::size_t offset = 0, limit = 20;
    std::vector<std::string> fields;  // empty: all
    std::shared_ptr<const query::FilterExpression> filter;  // null: every listing
};
DocumentsQuery documents_query_of_params(const std::multimap<std::string, std::string>& params);
DocumentsQuery documents_query_of_body(std::string_view body);
std::string meili_documents_json(query::SearchService& service, std::string_view index_uid, const DocumentsQuery& query);

// POST /indexes/{uid}/documents/delete {"filter": "..."}, and DELETE
// /indexes/{uid}/documents (`body` empty: every listing): the ids of the
// listings (sold ones included) to delete, at most `max_deleted_by_filter`;
// more is refused (invalid_document_filter) rather than deleted in part.
constexpr std::size_t max_deleted_by_filter = 10'000;
std::vector<std::string> ids_to_delete(query::SearchService& service, std::string_view index_uid,
                                       std::optional<std::string_view> filter_body);

}  // namespace server
