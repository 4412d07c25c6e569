// libFuzzer target: any bytes as a search request: as a query string
// (split on & and =), as a /v1/search JSON body and as a Meilisearch search
// body. Validation must answer with a request or its own kind of error,
// never crash or throw anything else.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "meili_api.h"
#include "server/v1_api.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    server::QueryParameters parameters;
    for (std::size_t start = 0; start <= input.size();) {
        const std::size_t end = std::min(input.find('&', start), input.size());
        const std::string_view pair = input.substr(start, end - start);
        const std::size_t equals = pair.find('=');
        parameters.emplace(std::string(pair.substr(0, equals)),
                           equals == std::string_view::npos ? "" : std::string(pair.substr(equals + 1)));
        start = end + 1;
    }
    (void)server::parse_search_parameters(parameters);
    (void)server::parse_search_body(input);
    try {
        (void)server::meili_search_request(input);
    } catch (const server::ApiErrorException&) {
    }
    return 0;
}
