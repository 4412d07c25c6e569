// A Meilisearch-compatible subset of the search API, so that Meilisearch's
// clients (the JS client, instant-meilisearch for InstantSearch) can talk
// to the query server: POST /indexes/{uid}/search, POST /multi-search and
// POST /indexes/{uid}/facet-search, with Meilisearch's request fields,
// response shape and error codes. The one index is called "listings".
#pragma once

#include <string>
#include <string_view>

#include "query/search_service.h"
#include "server/api_errors.h"

namespace server {

inline constexpr std::string_view meili_index_uid = "listings";

// Each handler takes the request body and returns the response body, or
// throws ApiErrorException for a request Meilisearch would refuse.
std::string meili_search(query::SearchService& service, std::string_view index_uid, std::string_view body);
// Just the validation of a search body, as our request (for the fuzzer).
query::SearchRequest meili_search_request(std::string_view body);
std::string meili_multi_search(query::SearchService& service, std::string_view body);
std::string meili_facet_search(query::SearchService& service, std::string_view index_uid, std::string_view body);

}  // namespace server
