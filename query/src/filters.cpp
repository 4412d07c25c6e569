#include "filters.h"

#include <cmath>
#include <cstdlib>

#include "analyzers/document_layout.h"
#include "query/filter_expression.h"

namespace query {
namespace {

using Xapian::Query;

Query any_of(std::vector<Query> alternatives) {
    return Query(Query::OP_OR, alternatives.begin(), alternatives.end());
}

Query exact_value(Xapian::valueno slot, const std::string& value) {
    return Query(Query::OP_VALUE_RANGE, slot, value, value);
}

std::optional<Query> brand_filter(const Filters& filters, analyzers::TextAnalyzer& analyzer,
                                  const analyzers::Lexicon& lexicon) {
    if (filters.brands.empty()) return std::nullopt;
    std::vector<Query> brands;
    for (const auto& brand : filters.brands) {
        brands.emplace_back(std::string(analyzers::prefix::brand) + analyzers::brand_key(brand, analyzer, lexicon.brands));
    }
    return any_of(std::move(brands));
}

// A category filter takes the whole subtree: every listing carries a key
// for each level of its path.
std::optional<Query> category_filter(const Filters& filters, analyzers::TextAnalyzer& analyzer) {
    const auto keys = analyzers::category_keys(filters.category, analyzer);
    if (keys.empty()) return std::nullopt;
    return Query(std::string(analyzers::prefix::category) + keys.back());
}

std::optional<Query> price_filter(const Filters& filters) {
    const Xapian::valueno slot = analyzers::slot::price;
    if (filters.price_min && filters.price_max) {
        return Query(Query::OP_VALUE_RANGE, slot, Xapian::sortable_serialise(*filters.price_min),
                     Xapian::sortable_serialise(*filters.price_max));
    }
    if (filters.price_min) return Query(Query::OP_VALUE_GE, slot, Xapian::sortable_serialise(*filters.price_min));
    if (filters.price_max) return Query(Query::OP_VALUE_LE, slot, Xapian::sortable_serialise(*filters.price_max));
    return std::nullopt;
}

std::optional<Query> condition_filter(const Filters& filters) {
    if (filters.conditions.empty()) return std::nullopt;
    std::vector<Query> conditions;
    for (int condition : filters.conditions) {
        conditions.push_back(exact_value(analyzers::slot::condition, Xapian::sortable_serialise(condition)));
    }
    return any_of(std::move(conditions));
}

std::optional<Query> shipping_filter(const Filters& filters) {
    if (filters.shipping.empty()) return std::nullopt;
    return exact_value(analyzers::slot::shipping, filters.shipping);
}

Query negated(const Query& query) { return Query(Query::OP_AND_NOT, Query::MatchAll, query); }

Query numeric_comparison(Xapian::valueno slot, const std::string& op, double value) {
    const auto serialised = [](double number) { return Xapian::sortable_serialise(number); };
    if (op == "=") return Query(Query::OP_VALUE_RANGE, slot, serialised(value), serialised(value));
    if (op == "!=") return negated(Query(Query::OP_VALUE_RANGE, slot, serialised(value), serialised(value)));
    if (op == ">=") return Query(Query::OP_VALUE_GE, slot, serialised(value));
    if (op == ">") return Query(Query::OP_VALUE_GE, slot, serialised(std::nextafter(value, INFINITY)));
    if (op == "<=") return Query(Query::OP_VALUE_LE, slot, serialised(value));
    return Query(Query::OP_VALUE_LE, slot, serialised(std::nextafter(value, -INFINITY)));  // "<"
}

std::optional<Xapian::valueno> numeric_slot(const std::string& attribute) {
    if (attribute == "price") return analyzers::slot::price;
    if (attribute == "condition") return analyzers::slot::condition;
    if (attribute == "created_at") return analyzers::slot::created_at;
    return std::nullopt;
}

// `attribute = value` for the attributes that are not numbers.
Query equals(const std::string& attribute, const std::string& value, analyzers::TextAnalyzer& analyzer,
             const analyzers::Lexicon& lexicon) {
    if (attribute == "id") return Query(analyzers::id_term(value));
    if (attribute == "brand") {
        return Query(std::string(analyzers::prefix::brand) + analyzers::brand_key(value, analyzer, lexicon.brands));
    }
    if (attribute.rfind("category", 0) == 0) {
        const auto keys = analyzers::category_keys(value, analyzer);
        return keys.empty() ? Query::MatchNothing : Query(std::string(analyzers::prefix::category) + keys.back());
    }
    if (attribute == "status") {
        const Query sold{std::string(analyzers::sold_term)};
        return value == "sold" ? sold : negated(sold);
    }
    return exact_value(analyzers::slot::shipping, value);  // shipping
}

// The slot holding each attribute's value when it has one (optional
// fields without a value have none).
Xapian::valueno value_slot(const std::string& attribute) {
    if (attribute == "brand") return analyzers::slot::brand;
    if (attribute.rfind("category", 0) == 0) return analyzers::slot::category;
    if (attribute == "shipping") return analyzers::slot::shipping;
    if (attribute == "status") return analyzers::slot::status;
    return *numeric_slot(attribute);
}

// `attribute EXISTS`: the listing has a value for it. An empty optional
// field is stored as absent, as null is.
Query exists(const std::string& attribute) {
    if (attribute == "id") return Query::MatchAll;
    // Every value is at least "\0"; an empty bound would match everything
    // (Xapian reads OP_VALUE_GE "" as MatchAll).
    return Query(Query::OP_VALUE_GE, value_slot(attribute), std::string(1, '\0'));
}

// `attribute STARTS WITH prefix`, compared as filters compare text
// (normalised: case and width folded).
Query starts_with(const std::string& attribute, const std::string& prefix, analyzers::TextAnalyzer& analyzer) {
    if (attribute == "id") return Query(Query::OP_WILDCARD, analyzers::id_term(prefix));
    if (attribute == "brand" || attribute.rfind("category", 0) == 0) {
        const bool brand = attribute == "brand";
        const std::string key = brand ? analyzer.normalize(prefix) : [&] {
            const auto keys = analyzers::category_keys(prefix, analyzer);
            return keys.empty() ? std::string() : keys.back();
        }();
        if (key.empty()) return exists(attribute);
        const std::string_view term_prefix = brand ? analyzers::prefix::brand : analyzers::prefix::category;
        return Query(Query::OP_WILDCARD, std::string(term_prefix) + key);
    }
    // shipping and status: a few fixed values.
    const std::vector<std::string> choices = attribute == "shipping" ? std::vector<std::string>{"seller", "buyer"}
                                                                     : std::vector<std::string>{"on_sale", "sold"};
    std::vector<Query> any;
    const std::string wanted = analyzer.normalize(prefix);
    for (const auto& choice : choices) {
        if (choice.rfind(wanted, 0) == 0) any.push_back(exact_value(value_slot(attribute), choice));
    }
    return any.empty() ? Query::MatchNothing : any_of(std::move(any));
}

Query compile(const FilterExpression& expression, analyzers::TextAnalyzer& analyzer, const analyzers::Lexicon& lexicon) {
    using Kind = FilterExpression::Kind;
    std::vector<Query> children;
    for (const auto& child : expression.children) children.push_back(compile(child, analyzer, lexicon));
    const auto slot = numeric_slot(expression.attribute);
    const auto number = [](const std::string& text) { return std::strtod(text.c_str(), nullptr); };
    switch (expression.kind) {
        case Kind::all_of:
            return children.empty() ? Query::MatchAll : Query(Query::OP_AND, children.begin(), children.end());
        case Kind::any_of: return Query(Query::OP_OR, children.begin(), children.end());
        case Kind::negation: return negated(children.at(0));
        case Kind::range:
            if (!slot) return Query::MatchNothing;
            return Query(Query::OP_VALUE_RANGE, *slot, Xapian::sortable_serialise(number(expression.values[0])),
                         Xapian::sortable_serialise(number(expression.values[1])));
        case Kind::one_of: {
            std::vector<Query> any;
            for (const auto& value : expression.values) {
                any.push_back(slot ? numeric_comparison(*slot, "=", number(value)) : equals(expression.attribute, value, analyzer, lexicon));
            }
            return Query(Query::OP_OR, any.begin(), any.end());
        }
        case Kind::exists: return exists(expression.attribute);
        case Kind::is_null:   // null is stored as absent
        case Kind::is_empty:  // and so is an empty value
            return Query::MatchNothing;
        case Kind::starts_with: return starts_with(expression.attribute, expression.values.at(0), analyzer);
        case Kind::compare: break;
    }
    if (slot) return numeric_comparison(*slot, expression.op, number(expression.values.at(0)));
    const Query match = equals(expression.attribute, expression.values.at(0), analyzer, lexicon);
    return expression.op == "!=" ? negated(match) : match;
}

}  // namespace

Query apply_term_filters(const Query& matches, const Filters& filters, analyzers::TextAnalyzer& analyzer,
                         const analyzers::Lexicon& lexicon) {
    Query result = matches;
    for (const auto& filter : {brand_filter(filters, analyzer, lexicon), category_filter(filters, analyzer)}) {
        if (filter) result = Query(Query::OP_FILTER, result, *filter);
    }
    if (filters.expression) result = Query(Query::OP_FILTER, result, compile(*filters.expression, analyzer, lexicon));
    const Query sold{std::string(analyzers::sold_term)};
    switch (filters.status) {
        case StatusFilter::on_sale: return Query(Query::OP_AND_NOT, result, sold);
        case StatusFilter::sold: return Query(Query::OP_FILTER, result, sold);
        case StatusFilter::any: break;
    }
    return result;
}

Query apply_filters(const Query& matches, const Filters& filters, analyzers::TextAnalyzer& analyzer,
                    const analyzers::Lexicon& lexicon) {
    Query result = apply_term_filters(matches, filters, analyzer, lexicon);
    for (const auto& filter : {price_filter(filters), condition_filter(filters), shipping_filter(filters)}) {
        if (filter) result = Query(Query::OP_FILTER, result, *filter);
    }
    return result;
}

}  // namespace query
