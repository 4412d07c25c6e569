#include "query/filter_expression.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

#include "query/request_checks.h"

namespace query {
namespace {

bool is_filterable(const std::string& attribute) {
    for (std::string_view rest = filterable_attributes; !rest.empty();) {
        const auto comma = rest.find(", ");
        if (rest.substr(0, comma) == attribute) return true;
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
    }
    return false;
}

bool is_numeric(const std::string& attribute) {
    return attribute == "price" || attribute == "condition" || attribute == "created_at";
}

bool is_number(const std::string& text) {
    char* end = nullptr;
    std::strtod(text.c_str(), &end);
    return !text.empty() && end == text.c_str() + text.size();
}

// Recursive descent over the Meilisearch grammar:
//   or := and ("OR" and)*     and := not ("AND" not)*     not := "NOT" not | "(" or ")" | condition
class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    FilterExpression parse() {
        FilterExpression expression = parse_or();
        skip_spaces();
        if (position_ < text_.size()) fail(fmt::format("unexpected \"{}\"", text_.substr(position_, 20)));
        return expression;
    }

private:
    [[noreturn]] void fail(const std::string& why) const {
        throw FilterError(fmt::format("Was expecting an operation `=`, `!=`, `>=`, `>`, `<=`, `<`, `TO`, `EXISTS`, "
                                      "`NOT EXISTS`, `IS NULL`, `IS NOT NULL`, `IS EMPTY`, `IS NOT EMPTY`, `CONTAINS`, "
                                      "`NOT CONTAINS`, `STARTS WITH`, `NOT STARTS WITH`, `IN`, `NOT IN`, or a boolean "
                                      "operator at character {}: {}",
                                      position_ + 1, why));
    }

    void skip_spaces() {
        while (position_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[position_]))) ++position_;
    }

    // The keyword (case-insensitive, followed by a separator) if it comes next.
    bool accept_keyword(std::string_view keyword) {
        skip_spaces();
        if (text_.size() - position_ < keyword.size()) return false;
        for (std::size_t i = 0; i < keyword.size(); ++i) {
            if (std::toupper(static_cast<unsigned char>(text_[position_ + i])) != keyword[i]) return false;
        }
        const std::size_t after = position_ + keyword.size();
        if (after < text_.size() && !std::isspace(static_cast<unsigned char>(text_[after])) && text_[after] != '(' &&
            text_[after] != '[') {
            return false;
        }
        position_ = after;
        return true;
    }

    bool accept(char c) {
        skip_spaces();
        if (position_ < text_.size() && text_[position_] == c) {
            ++position_;
            return true;
        }
        return false;
    }

    FilterExpression combine(FilterExpression::Kind kind, bool (Parser::*next_is)(), FilterExpression (Parser::*parse_next)()) {
        FilterExpression first = (this->*parse_next)();
        if (!(this->*next_is)()) return first;
        FilterExpression combined{kind, {std::move(first)}};
        do combined.children.push_back((this->*parse_next)());
        while ((this->*next_is)());
        return combined;
    }

    bool next_is_or() { return accept_keyword("OR"); }
    bool next_is_and() { return accept_keyword("AND"); }
    FilterExpression parse_or() { return combine(FilterExpression::Kind::any_of, &Parser::next_is_or, &Parser::parse_and); }
    FilterExpression parse_and() { return combine(FilterExpression::Kind::all_of, &Parser::next_is_and, &Parser::parse_not); }

    FilterExpression parse_not() {
        if (accept_keyword("NOT")) {
            const DepthGuard guard(*this);
            return {FilterExpression::Kind::negation, {parse_not()}};
        }
        if (accept('(')) {
            const DepthGuard guard(*this);
            FilterExpression inner = parse_or();
            if (!accept(')')) fail("a `(` is never closed");
            return inner;
        }
        return parse_condition();
    }

    // Each NOT and parenthesis recurses; deep nesting would exhaust the
    // stack (found by tests/fuzz/filter_fuzzer), so it is refused.
    class DepthGuard {
    public:
        explicit DepthGuard(Parser& parser) : parser_(parser) {
            if (++parser_.depth_ > max_depth) {
                throw FilterError(fmt::format("The filter nests NOT and parentheses deeper than {} levels.", max_depth));
            }
        }
        ~DepthGuard() { --parser_.depth_; }

    private:
        Parser& parser_;
    };
    static constexpr int max_depth = 32;
    int depth_ = 0;

    // A bare word or a quoted string ('...' or "...", backslash escapes).
    std::string parse_value() {
        skip_spaces();
        if (position_ >= text_.size()) fail("a value is missing");
        const char quote = text_[position_];
        std::string value;
        if (quote == '"' || quote == '\'') {
            for (++position_; position_ < text_.size() && text_[position_] != quote; ++position_) {
                if (text_[position_] == '\\' && position_ + 1 < text_.size()) ++position_;
                value.push_back(text_[position_]);
            }
            if (position_ >= text_.size()) fail("a quoted value is never closed");
            ++position_;
            return value;
        }
        while (position_ < text_.size()) {
            const char c = text_[position_];
            if (std::isspace(static_cast<unsigned char>(c)) || std::string_view("()[],=!<>").find(c) != std::string_view::npos) break;
            value.push_back(c);
            ++position_;
        }
        if (value.empty()) fail("a value is missing");
        return value;
    }

    std::string parse_operator() {
        skip_spaces();
        for (std::string_view op : {">=", "<=", "!=", "=", ">", "<"}) {
            if (text_.substr(position_, op.size()) == op) {
                position_ += op.size();
                return std::string(op);
            }
        }
        fail("an operator is missing");
    }

    std::vector<std::string> parse_list() {
        if (!accept('[')) fail("`IN` takes a list: [a, b]");
        std::vector<std::string> values;
        if (accept(']')) return values;
        do values.push_back(parse_value());
        while (accept(','));
        if (!accept(']')) fail("a `[` is never closed");
        return values;
    }

    // Values the attribute can hold (numbers, category paths, UTF-8
    // text), and no more of them than a buyer would pick, found while
    // parsing so that a bad filter is a 400 and never a failed search.
    FilterExpression checked(FilterExpression condition) {
        if (condition.values.size() > max_filter_values) {
            throw FilterError(fmt::format("`{}` IN [...] lists {} values; the limit is {}.", condition.attribute,
                                          condition.values.size(), max_filter_values));
        }
        for (const auto& value : condition.values) check_value(condition.attribute, value);
        return condition;
    }

    static void check_value(const std::string& attribute, const std::string& value) {
        if (!is_valid_utf8(value)) throw FilterError(fmt::format("A value of `{}` is not valid UTF-8.", attribute));
        if (is_numeric(attribute) && !is_number(value)) {
            throw FilterError(fmt::format("`{}` compares numbers: \"{}\" is not a number", attribute, value));
        }
        if (attribute.rfind("category", 0) == 0) {
            if (auto problem = category_path_problem(value)) {
                throw FilterError(fmt::format("`{}` = \"{}\": {}.", attribute, value.substr(0, 40), *problem));
            }
        }
    }

    FilterExpression parse_condition() {
        const std::size_t start = position_;
        const std::string attribute = parse_value();
        if (!is_filterable(attribute)) {
            position_ = start;
            throw FilterError(fmt::format("Attribute `{}` is not filterable. Available filterable attributes are: `{}`.",
                                          attribute, filterable_attributes));
        }
        if (accept_keyword("IN")) return checked({FilterExpression::Kind::one_of, {}, attribute, "", parse_list()});
        if (accept_keyword("NOT")) {
            FilterExpression condition = parse_keyword_condition(attribute);
            return {FilterExpression::Kind::negation, {std::move(condition)}};
        }
        if (accept_keyword("IS")) {
            const bool negated = accept_keyword("NOT");
            FilterExpression test{FilterExpression::Kind::is_null, {}, attribute};
            if (accept_keyword("EMPTY")) test.kind = FilterExpression::Kind::is_empty;
            else if (!accept_keyword("NULL")) fail("`IS` must be followed by `NULL`, `EMPTY`, `NOT NULL` or `NOT EMPTY`");
            if (!negated) return test;
            return {FilterExpression::Kind::negation, {std::move(test)}};
        }
        if (at_keyword_condition()) return parse_keyword_condition(attribute);
        skip_spaces();
        const bool starts_operator = position_ < text_.size() && std::string_view("=!<>").find(text_[position_]) != std::string_view::npos;
        if (!starts_operator) {
            std::string from = parse_value();
            if (!accept_keyword("TO")) fail("expected an operator or `TO`");
            return checked({FilterExpression::Kind::range, {}, attribute, "", {std::move(from), parse_value()}});
        }
        std::string op = parse_operator();
        return checked({FilterExpression::Kind::compare, {}, attribute, std::move(op), {parse_value()}});
    }

    // Whether EXISTS, CONTAINS or STARTS WITH comes next (without taking it).
    bool at_keyword_condition() {
        const std::size_t start = position_;
        const bool found = accept_keyword("EXISTS") || accept_keyword("CONTAINS") || accept_keyword("STARTS");
        position_ = start;
        return found;
    }

    // After `attribute` (and a NOT): IN [...], EXISTS, CONTAINS v, STARTS WITH v.
    FilterExpression parse_keyword_condition(const std::string& attribute) {
        if (accept_keyword("IN")) return checked({FilterExpression::Kind::one_of, {}, attribute, "", parse_list()});
        if (accept_keyword("EXISTS")) return {FilterExpression::Kind::exists, {}, attribute};
        if (accept_keyword("CONTAINS")) {
            // Meilisearch's own answer while its `containsFilter` experimental
            // feature is off, which is how this server always is.
            throw FilterError("Using `CONTAINS` in a filter requires enabling the `contains filter` experimental "
                              "feature. See https://github.com/orgs/meilisearch/discussions/763");
        }
        if (accept_keyword("STARTS")) {
            if (!accept_keyword("WITH")) fail("`STARTS` must be followed by `WITH`");
            if (is_numeric(attribute)) {
                throw FilterError(fmt::format("`{}` is a number: `STARTS WITH` compares text.", attribute));
            }
            return checked({FilterExpression::Kind::starts_with, {}, attribute, "", {parse_value()}});
        }
        fail("`NOT` after an attribute must be `NOT IN`, `NOT EXISTS`, `NOT CONTAINS` or `NOT STARTS WITH`");
    }

    std::string_view text_;
    std::size_t position_ = 0;
};

std::string quoted(const std::string& value) {
    std::string out = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out + "\"";
}

std::size_t condition_count(const FilterExpression& expression) {
    std::size_t count = expression.children.empty() && expression.kind != FilterExpression::Kind::all_of ? 1 : 0;
    for (const auto& child : expression.children) count += condition_count(child);
    return count;
}

}  // namespace

FilterExpression parse_filter(std::string_view text) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};  // empty: everything
    FilterExpression expression = Parser(text).parse();
    check_filter_size(expression);
    return expression;
}

void check_filter_size(const FilterExpression& expression) {
    if (const std::size_t conditions = condition_count(expression); conditions > max_filter_conditions) {
        throw FilterError(fmt::format("The filter has {} conditions; the limit is {}.", conditions, max_filter_conditions));
    }
}

std::string to_string(const FilterExpression& expression) {
    using Kind = FilterExpression::Kind;
    std::vector<std::string> parts;
    for (const auto& child : expression.children) parts.push_back(to_string(child));
    std::vector<std::string> values;
    for (const auto& value : expression.values) values.push_back(quoted(value));
    switch (expression.kind) {
        case Kind::all_of: return parts.empty() ? "" : fmt::format("({})", fmt::join(parts, " AND "));
        case Kind::any_of: return fmt::format("({})", fmt::join(parts, " OR "));
        case Kind::negation: return "NOT " + parts.at(0);
        case Kind::compare: return fmt::format("{} {} {}", expression.attribute, expression.op, values.at(0));
        case Kind::range: return fmt::format("{} {} TO {}", expression.attribute, values.at(0), values.at(1));
        case Kind::one_of: return fmt::format("{} IN [{}]", expression.attribute, fmt::join(values, ", "));
        case Kind::exists: return expression.attribute + " EXISTS";
        case Kind::is_null: return expression.attribute + " IS NULL";
        case Kind::is_empty: return expression.attribute + " IS EMPTY";
        case Kind::starts_with: return fmt::format("{} STARTS WITH {}", expression.attribute, values.at(0));
    }
    return "";
}

}  // namespace query
