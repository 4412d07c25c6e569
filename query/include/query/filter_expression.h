// Boolean filters over listing fields in the Meilisearch filter syntax:
//
//   brand = Nike AND (price >= 10 AND price <= 50) OR NOT shipping = buyer
//   category.lvl1 = "Women/Tops & Blouses"    price 10 TO 50    brand IN [Nike, Adidas]
//
// The API turns most buyer filters (an AND of per-field choices) into the
// plain Filters of a SearchRequest, which the fast paths understand; other
// expressions are applied as a Xapian filter.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/errors.h"

namespace query {

struct FilterExpression {
    // exists: the attribute has a value; is_empty: its value is "" (never
    // true here: an empty optional field counts as absent); is_null: its value
    // is null (never true: null counts as absent); starts_with: a text
    // attribute's value begins with values[0].
    enum class Kind { all_of, any_of, negation, compare, range, one_of, exists, is_null, is_empty, starts_with };
    Kind kind = Kind::all_of;
    std::vector<FilterExpression> children;  // all_of, any_of, negation (one child)
    std::string attribute;                   // compare, range, one_of
    std::string op;                          // compare: = != > >= < <=
    std::vector<std::string> values;         // compare: 1; range: from, to; one_of: any number
};

// A filter that cannot be read, with where and why.
class FilterError : public RequestError {
public:
    using RequestError::RequestError;
};

// The attributes a filter may name.
inline constexpr std::string_view filterable_attributes =
    "id, brand, category, category.lvl0, category.lvl1, category.lvl2, price, condition, shipping, status, created_at";

// Parses the string syntax; throws FilterError, also for a filter bigger
// than request_checks.h allows or a value its attribute cannot hold.
FilterExpression parse_filter(std::string_view text);
// Throws FilterError when `expression` has more conditions than
// max_filter_conditions: for filters combined from parsed ones.
void check_filter_size(const FilterExpression& expression);
// A canonical text of the expression (equal expressions, equal texts).
std::string to_string(const FilterExpression& expression);

}  // namespace query
