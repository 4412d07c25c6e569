#include <charconv>
#include <optional>

#include <fmt/format.h>

#include "query/http_api.h"

namespace query {
namespace {

constexpr std::size_t max_query_bytes = 1024;
constexpr std::size_t max_limit = 100;
// Deep pages cost the matcher O(offset); nobody reads page 500.
constexpr std::size_t max_offset = 10'000;

constexpr std::string_view known_parameters = "q, limit, offset, include_sold";

ApiError invalid(std::string parameter, std::string message) {
    return ApiError{400, "invalid_parameter", std::move(parameter), std::move(message)};
}

std::optional<ApiError> parse_count(const std::string& name, const std::string& text, std::size_t min,
                                    std::size_t max, std::size_t& out) {
    std::size_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
        return invalid(name, fmt::format("'{}' must be a whole number from {} to {}, not \"{}\"", name, min, max,
                                         text.substr(0, 40)));
    }
    out = value;
    return std::nullopt;
}

std::optional<ApiError> parse_flag(const std::string& name, const std::string& text, bool& out) {
    if (text == "true" || text == "1") out = true;
    else if (text == "false" || text == "0") out = false;
    else return invalid(name, fmt::format("'{}' must be true or false, not \"{}\"", name, text.substr(0, 40)));
    return std::nullopt;
}

std::optional<ApiError> apply_parameter(const std::string& name, const std::string& value, SearchRequest& request) {
    if (name == "q") {
        if (value.size() > max_query_bytes) {
            return invalid(name, fmt::format("'q' is {} bytes; the limit is {}", value.size(), max_query_bytes));
        }
        request.text = value;
        return std::nullopt;
    }
    if (name == "limit") return parse_count(name, value, 1, max_limit, request.limit);
    if (name == "offset") return parse_count(name, value, 0, max_offset, request.offset);
    if (name == "include_sold") return parse_flag(name, value, request.include_sold);
    return ApiError{400, "unknown_parameter", name,
                    fmt::format("unknown parameter '{}'; known parameters: {}", name.substr(0, 40), known_parameters)};
}

}  // namespace

std::variant<SearchRequest, ApiError> parse_search_parameters(const QueryParameters& parameters) {
    SearchRequest request;
    for (auto it = parameters.begin(); it != parameters.end(); ++it) {
        if (parameters.count(it->first) > 1) {
            return invalid(it->first, fmt::format("'{}' is given more than once", it->first.substr(0, 40)));
        }
        if (auto error = apply_parameter(it->first, it->second, request)) return *error;
    }
    return request;
}

}  // namespace query
