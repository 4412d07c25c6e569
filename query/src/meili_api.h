// A Meilisearch-compatible subset of the search API, so that Meilisearch's
// clients (the JS client, instant-meilisearch for InstantSearch) can talk
// to the query server: POST /indexes/{uid}/search, POST /multi-search and
// POST /indexes/{uid}/facet-search, with Meilisearch's request fields,
// response shape and error format. The one index is called "listings".
#pragma once

#include <string>
#include <string_view>

#include "query/search_service.h"

namespace query {

inline constexpr std::string_view meili_index_uid = "listings";

// A Meilisearch error: {"message", "code", "type", "link"} with a status.
struct MeiliError {
    int status = 400;
    std::string code;  // "invalid_search_filter", "index_not_found", ...
    std::string message;
};

std::string meili_error_json(const MeiliError& error);

// Each handler takes the request body and returns the response body, or
// throws MeiliErrorException for a request Meilisearch would refuse.
struct MeiliErrorException {
    MeiliError error;
};

std::string meili_search(SearchService& service, std::string_view index_uid, std::string_view body);
// Just the validation of a search body, as our request (for the fuzzer).
SearchRequest meili_search_request(std::string_view body);
std::string meili_multi_search(SearchService& service, std::string_view body);
std::string meili_facet_search(SearchService& service, std::string_view index_uid, std::string_view body);

}  // namespace query
