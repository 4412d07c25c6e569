#include <array>
#include <charconv>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <simdjson.h>

#include "query/request_checks.h"
#include "server/v1_api.h"

namespace server {
namespace {

using query::FacetRequest;
using query::SearchRequest;
using query::SortOrder;
using query::StatusFilter;

using query::max_filter_values;
using query::max_query_bytes;

constexpr std::size_t max_limit = 100;
// Deep pages cost the matcher O(offset); nobody reads page 500.
constexpr std::size_t max_offset = 10'000;
constexpr std::size_t max_value_bytes = 256;

using Error = std::optional<ApiError>;

ApiError invalid(std::string_view parameter, std::string message) {
    return ApiError{.code = ErrorCode::invalid_parameter, .message = std::move(message), .parameter = std::string(parameter)};
}

// Echoes at most a little of what the client sent.
std::string shown(const std::string& value) { return value.substr(0, 40); }

Error parse_count(std::string_view name, const std::string& text, std::size_t min, std::size_t max,
                  std::size_t& out) {
    std::size_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
        return invalid(name, fmt::format("'{}' must be a whole number from {} to {}, not \"{}\"", name, min, max,
                                         shown(text)));
    }
    out = value;
    return std::nullopt;
}

Error parse_price(std::string_view name, const std::string& text, std::optional<double>& out) {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
        value < 0) {
        return invalid(name, fmt::format("'{}' must be a price of 0 or more, not \"{}\"", name, shown(text)));
    }
    out = value;
    return std::nullopt;
}

template <std::size_t N>
Error parse_choice(std::string_view name, const std::string& text, const std::array<std::string_view, N>& choices,
                   std::size_t& chosen) {
    for (std::size_t i = 0; i < N; ++i) {
        if (text == choices[i]) {
            chosen = i;
            return std::nullopt;
        }
    }
    return invalid(name, fmt::format("'{}' must be one of {}, not \"{}\"", name, fmt::join(choices, ", "), shown(text)));
}

Error parse_conditions(const std::string& text, std::vector<int>& out) {
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = std::min(text.find(',', start), text.size());
        const std::string piece = text.substr(start, comma - start);
        std::size_t condition = 0;
        if (parse_count("condition", piece, 1, 5, condition)) {
            return invalid("condition", fmt::format("'condition' takes numbers from 1 (new) to 5 (poor), not \"{}\"",
                                                    shown(text)));
        }
        out.push_back(static_cast<int>(condition));
        start = comma + 1;
    }
    return std::nullopt;
}

Error parse_facets(const std::string& text, FacetRequest& facets) {
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = std::min(text.find(',', start), text.size());
        const std::string name = text.substr(start, comma - start);
        if (name == "brand") facets.brand = true;
        else if (name == "category") facets.category = true;
        else if (name == "condition") facets.condition = true;
        else if (name == "shipping") facets.shipping = true;
        else if (name == "price") facets.price = true;
        else if (name == "all") facets.brand = facets.category = facets.condition = facets.shipping = facets.price = true;
        else {
            return invalid("facets", fmt::format("'facets' takes brand, category, condition, shipping, price or all, "
                                                 "not \"{}\"", shown(name)));
        }
        start = comma + 1;
    }
    return std::nullopt;
}

// Text the engine can read: not too long, and UTF-8 (invalid bytes would
// be searched as U+FFFD, which matched every listing).
Error check_text(std::string_view name, const std::string& value, std::size_t max) {
    if (value.size() > max) return invalid(name, fmt::format("'{}' is {} bytes; the limit is {}", name, value.size(), max));
    if (!query::is_valid_utf8(value)) return invalid(name, fmt::format("'{}' is not valid UTF-8", name));
    return std::nullopt;
}

constexpr std::array<std::string_view, 3> shipping_choices{"seller", "buyer", "any"};
constexpr std::array<std::string_view, 3> status_choices{"on_sale", "sold", "any"};
constexpr std::array<std::string_view, 4> sort_choices{"relevance", "price_asc", "price_desc", "newest"};
constexpr std::array<std::string_view, 3> matching_choices{"all", "last", "frequency"};  // by MatchingStrategy

struct Parameter {
    std::string_view name;
    bool repeatable;  // may be given several times: any of the values matches
    Error (*apply)(const std::string& value, SearchRequest& request);
};

constexpr std::array<Parameter, 14> parameters{{
    {"q", false, [](const std::string& value, SearchRequest& request) -> Error {
         if (auto error = check_text("q", value, max_query_bytes)) return error;
         request.text = value;
         return std::nullopt;
     }},
    {"limit", false, [](const std::string& value, SearchRequest& request) {
         return parse_count("limit", value, 1, max_limit, request.limit);
     }},
    {"offset", false, [](const std::string& value, SearchRequest& request) {
         return parse_count("offset", value, 0, max_offset, request.offset);
     }},
    {"brand", true, [](const std::string& value, SearchRequest& request) -> Error {
         if (auto error = check_text("brand", value, max_value_bytes)) return error;
         request.filters.brands.push_back(value);
         return std::nullopt;
     }},
    {"category", false, [](const std::string& value, SearchRequest& request) -> Error {
         if (auto error = check_text("category", value, max_value_bytes)) return error;
         // "A//B" or "/" would widen the filter to "A" or to everything.
         if (auto problem = query::category_path_problem(value)) {
             return invalid("category", fmt::format("'category' \"{}\": {}", shown(value), *problem));
         }
         request.filters.category = value;
         return std::nullopt;
     }},
    {"price_min", false, [](const std::string& value, SearchRequest& request) {
         return parse_price("price_min", value, request.filters.price_min);
     }},
    {"price_max", false, [](const std::string& value, SearchRequest& request) {
         return parse_price("price_max", value, request.filters.price_max);
     }},
    {"condition", true, [](const std::string& value, SearchRequest& request) {
         return parse_conditions(value, request.filters.conditions);
     }},
    {"shipping", false, [](const std::string& value, SearchRequest& request) -> Error {
         std::size_t chosen = 0;
         if (auto error = parse_choice("shipping", value, shipping_choices, chosen)) return error;
         request.filters.shipping = chosen == 2 ? "" : std::string(shipping_choices[chosen]);
         return std::nullopt;
     }},
    {"status", false, [](const std::string& value, SearchRequest& request) -> Error {
         std::size_t chosen = 0;
         if (auto error = parse_choice("status", value, status_choices, chosen)) return error;
         request.filters.status = static_cast<StatusFilter>(chosen);
         return std::nullopt;
     }},
    {"facets", true, [](const std::string& value, SearchRequest& request) {
         return parse_facets(value, request.facets);
     }},
    {"facet_limit", false, [](const std::string& value, SearchRequest& request) {
         return parse_count("facet_limit", value, 1, max_limit, request.facet_limit);
     }},
    {"sort", false, [](const std::string& value, SearchRequest& request) -> Error {
         std::size_t chosen = 0;
         if (auto error = parse_choice("sort", value, sort_choices, chosen)) return error;
         request.sort = static_cast<SortOrder>(chosen);
         return std::nullopt;
     }},
    {"matching", false, [](const std::string& value, SearchRequest& request) -> Error {
         std::size_t chosen = 0;
         if (auto error = parse_choice("matching", value, matching_choices, chosen)) return error;
         request.matching = static_cast<query::MatchingStrategy>(chosen);
         return std::nullopt;
     }},
}};

const Parameter* find_parameter(const std::string& name) {
    for (const auto& parameter : parameters) {
        if (parameter.name == name) return &parameter;
    }
    return nullptr;
}

std::string known_parameter_names() {
    std::string names;
    for (const auto& parameter : parameters) names += (names.empty() ? "" : ", ") + std::string(parameter.name);
    return names;
}

Error check_whole_request(const SearchRequest& request) {
    const auto& filters = request.filters;
    if (filters.price_min && filters.price_max && *filters.price_min > *filters.price_max) {
        return invalid("price_min", "'price_min' must not be above 'price_max'");
    }
    if (filters.brands.size() > max_filter_values || filters.conditions.size() > max_filter_values) {
        return invalid(filters.brands.size() > max_filter_values ? "brand" : "condition",
                       fmt::format("at most {} values per filter", max_filter_values));
    }
    return std::nullopt;
}

}  // namespace

std::variant<SearchRequest, ApiError> parse_search_parameters(const QueryParameters& query_parameters) {
    SearchRequest request;
    for (const auto& [name, value] : query_parameters) {
        const Parameter* parameter = find_parameter(name);
        if (parameter == nullptr) {
            return ApiError{.code = ErrorCode::unknown_parameter,
                            .message = fmt::format("unknown parameter '{}'; known parameters: {}", shown(name),
                                                   known_parameter_names()),
                            .parameter = name};
        }
        if (!parameter->repeatable && query_parameters.count(name) > 1) {
            return invalid(name, fmt::format("'{}' is given more than once", shown(name)));
        }
        if (auto error = parameter->apply(value, request)) return *error;
    }
    if (auto error = check_whole_request(request)) return *error;
    return request;
}

namespace {

// A JSON scalar as the text a query string would carry.
std::optional<std::string> scalar_text(simdjson::dom::element value) {
    switch (value.type()) {
        case simdjson::dom::element_type::STRING: {
            std::string_view text;
            if (value.get_string().get(text)) return std::nullopt;
            return std::string(text);
        }
        case simdjson::dom::element_type::INT64: return std::to_string(int64_t(value));
        case simdjson::dom::element_type::UINT64: return std::to_string(uint64_t(value));
        case simdjson::dom::element_type::DOUBLE: return fmt::format("{}", double(value));
        default: return std::nullopt;
    }
}

}  // namespace

std::variant<SearchRequest, ApiError> parse_search_body(std::string_view body) {
    // A POST without a body asks for the defaults, as a GET without a query string does.
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return parse_search_parameters({});
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto error = parser.parse(body.data(), body.size()).get(root)) {
        return ApiError{.code = ErrorCode::invalid_json,
                        .message = fmt::format("the body is not valid JSON: {}", simdjson::error_message(error))};
    }
    simdjson::dom::object object;
    if (root.get_object().get(object)) {
        return ApiError{.code = ErrorCode::invalid_json, .message = "the body must be a JSON object of search parameters"};
    }
    // The same parameters as the query string, so both forms validate alike;
    // an array stands for a parameter given several times.
    QueryParameters parameters;
    for (auto [key, value] : object) {
        const std::string name(key);
        const auto wrong_type = [&] {
            return invalid(name, fmt::format("'{}' must be a string, a number or an array of them", shown(name)));
        };
        if (value.type() != simdjson::dom::element_type::ARRAY) {
            auto text = scalar_text(value);
            if (!text) return wrong_type();
            parameters.emplace(name, std::move(*text));
            continue;
        }
        simdjson::dom::array items;
        if (value.get_array().get(items)) return wrong_type();
        for (simdjson::dom::element item : items) {
            auto text = scalar_text(item);
            if (!text) return wrong_type();
            parameters.emplace(name, std::move(*text));
        }
    }
    return parse_search_parameters(parameters);
}

}  // namespace server
