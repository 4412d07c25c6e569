// The v1 search API's format, without HTTP: query-string parameters or a
// JSON body in, a SearchRequest out (validated, with a 400 that names the
// parameter at fault); a SearchResult out as the response body. The HTTP
// front serves it; the relevance tool reads and prints the same format.
//
//   GET  /v1/search?q=nike+air+max&limit=20&offset=0  ranked listings
//   POST /v1/search {"q": "nike", "brand": ["Nike"]}  the same, as JSON
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "query/search_request.h"
#include "query/search_result.h"
#include "server/api_errors.h"

namespace server {

using QueryParameters = std::multimap<std::string, std::string>;

// Validates /v1/search parameters. Never throws on bad input.
std::variant<query::SearchRequest, ApiError> parse_search_parameters(const QueryParameters& parameters);
// The same from a JSON object body: {"q": "...", "brand": ["a", "b"], "limit": 20}.
std::variant<query::SearchRequest, ApiError> parse_search_body(std::string_view body);

std::string search_result_json(const query::SearchRequest& request, const query::SearchResult& result);

}  // namespace server
