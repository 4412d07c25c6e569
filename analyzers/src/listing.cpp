#include "analyzers/listing.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include "analyzers/json_writer.h"

namespace analyzers {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// How much of the description the index keeps for display.
constexpr std::size_t stored_description_bytes = 280;
constexpr std::size_t max_category_levels = 3;
// Editors on Windows start files with one; RFC 8259 lets parsers skip it.
constexpr std::string_view utf8_byte_order_mark = "\xEF\xBB\xBF";

std::string_view type_name(element_type type) {
    switch (type) {
        case element_type::ARRAY: return "array";
        case element_type::OBJECT: return "object";
        case element_type::INT64:
        case element_type::UINT64:
        case element_type::DOUBLE: return "number";
        case element_type::STRING: return "string";
        case element_type::BOOL: return "boolean";
        case element_type::NULL_VALUE: return "null";
    }
    return "unknown";
}

std::string wrong_type(std::string_view field, std::string_view expected, element value) {
    return fmt::format("field '{}': expected {}, found {}", field, expected, type_name(value.type()));
}

// Cuts `text` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}

bool is_blank(std::string_view text) { return text.find_first_not_of(" \t") == std::string_view::npos; }

// "Women/Tops & Blouses/Blouse": up to three levels, none empty or blank.
// An empty level ("A//B") would silently widen the category's filter keys.
std::string check_category_path(std::string_view category) {
    std::size_t levels = 0;
    for (std::size_t start = 0; start <= category.size(); ++levels) {
        std::size_t slash = category.find('/', start);
        if (slash == std::string_view::npos) slash = category.size();
        if (is_blank(category.substr(start, slash - start))) {
            return fmt::format("field 'category': level {} is empty", levels + 1);
        }
        start = slash + 1;
    }
    if (levels > max_category_levels) {
        return fmt::format("field 'category': {} levels, at most {} (levels are separated by '/')", levels,
                           max_category_levels);
    }
    return {};
}

// Validates the fields of one listing object; returns the first problem.
class ListingReader {
public:
    explicit ListingReader(const FeedLimits& limits) : limits_(limits) {}

    std::string read_string(std::string_view field, element value, std::size_t max_bytes,
                            std::string& out) const {
        std::string_view text;
        if (value.get_string().get(text)) return wrong_type(field, "a string", value);
        if (text.size() > max_bytes) {
            return fmt::format("field '{}': {} bytes is over the limit of {}", field, text.size(), max_bytes);
        }
        out.assign(text);
        return {};
    }

    std::string read_number(std::string_view field, element value, double& out) const {
        if (!value.is_number()) return wrong_type(field, "a number", value);
        double number = 0;
        if (value.get_double().get(number) || !std::isfinite(number)) {
            return fmt::format("field '{}': not a finite number", field);
        }
        out = number;
        return {};
    }

    std::string read_integer(std::string_view field, element value, std::int64_t& out) const {
        if (value.get_int64().get(out)) {
            if (value.is_number()) return fmt::format("field '{}': expected a whole number", field);
            return wrong_type(field, "a whole number", value);
        }
        return {};
    }

    std::string read_field(std::string_view key, element value, Listing& listing) const {
        if (key == "id") return read_string(key, value, limits_.max_id_bytes, listing.id);
        if (key == "title") return read_string(key, value, limits_.max_title_bytes, listing.title);
        if (value.is_null()) return {};  // optional fields may be null
        if (key == "description") {
            return read_string(key, value, limits_.max_description_bytes, listing.description);
        }
        if (key == "brand") return read_string(key, value, limits_.max_short_field_bytes, listing.brand);
        if (key == "category") return read_category(value, listing);
        if (key == "seller_id") {
            return read_string(key, value, limits_.max_short_field_bytes, listing.seller_id);
        }
        if (key == "image_url") return read_image_url(value, listing);
        if (key == "price") return read_price(value, listing);
        if (key == "condition") return read_condition(value, listing);
        if (key == "shipping") return read_shipping(value, listing);
        if (key == "status") return read_status(value, listing);
        if (key == "created_at") return read_created_at(value, listing);
        return {};  // unknown fields are ignored so producers can add fields first
    }

private:
    // A page shows it as an image's source: only http(s), no spaces or
    // control characters (a "javascript:" URL would run in buyers' pages).
    std::string read_image_url(element value, Listing& listing) const {
        if (auto error = read_string("image_url", value, limits_.max_url_bytes, listing.image_url); !error.empty()) {
            return error;
        }
        const std::string& url = listing.image_url;
        const bool scheme = url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0;
        const bool clean = std::none_of(url.begin(), url.end(), [](char c) { return static_cast<unsigned char>(c) <= ' '; });
        if (!scheme || !clean) return "field 'image_url': expected an http:// or https:// URL without spaces";
        return {};
    }

    std::string read_price(element value, Listing& listing) const {
        if (auto error = read_number("price", value, listing.price); !error.empty()) return error;
        if (listing.price < 0) return "field 'price': must not be negative";
        return {};
    }

    std::string read_condition(element value, Listing& listing) const {
        std::int64_t condition = 0;
        if (auto error = read_integer("condition", value, condition); !error.empty()) return error;
        if (condition < 1 || condition > 5) {
            return fmt::format("field 'condition': {} is not between 1 (new) and 5 (poor)", condition);
        }
        listing.condition = static_cast<int>(condition);
        return {};
    }

    std::string read_shipping(element value, Listing& listing) const {
        std::string text;
        if (auto error = read_string("shipping", value, 16, text); !error.empty()) return error;
        if (text == "seller") listing.shipping = Shipping::seller;
        else if (text == "buyer") listing.shipping = Shipping::buyer;
        else return fmt::format("field 'shipping': \"{}\" is not \"seller\" or \"buyer\"", text);
        return {};
    }

    std::string read_status(element value, Listing& listing) const {
        std::string text;
        if (auto error = read_string("status", value, 16, text); !error.empty()) return error;
        if (text == "on_sale") listing.status = ListingStatus::on_sale;
        else if (text == "sold") listing.status = ListingStatus::sold;
        else return fmt::format("field 'status': \"{}\" is not \"on_sale\" or \"sold\"", text);
        return {};
    }

    std::string read_category(element value, Listing& listing) const {
        if (auto error = read_string("category", value, limits_.max_short_field_bytes, listing.category);
            !error.empty()) {
            return error;
        }
        if (limits_.category_rule == CategoryRule::any_text || listing.category.empty()) return {};
        return check_category_path(listing.category);
    }

    std::string read_created_at(element value, Listing& listing) const {
        if (auto error = read_integer("created_at", value, listing.created_at); !error.empty()) return error;
        if (listing.created_at < 0) return "field 'created_at': must not be negative";
        const auto now = static_cast<std::int64_t>(std::time(nullptr));
        if (listing.created_at - now > limits_.max_created_at_lead_seconds) {
            return fmt::format("field 'created_at': {} is more than {} hours ahead of the indexer's clock ({})",
                               listing.created_at, limits_.max_created_at_lead_seconds / 3600, now);
        }
        return {};
    }

    const FeedLimits& limits_;
};

std::string read_op(element value, FeedOp& op) {
    std::string_view text;
    if (value.get_string().get(text)) return wrong_type("op", "a string", value);
    if (text == "upsert") op = FeedOp::upsert;
    else if (text == "delete") op = FeedOp::remove;
    else if (text == "sold") op = FeedOp::sold;
    else return fmt::format("field 'op': \"{}\" is not \"upsert\", \"delete\" or \"sold\"", text);
    return {};
}

std::string check_required(const FeedRecord& record, bool has_price) {
    if (record.listing.id.empty()) return "missing required field 'id'";
    if (record.op != FeedOp::upsert) return {};
    if (record.listing.title.empty()) return "missing required field 'title'";
    if (!has_price) return "missing required field 'price'";
    return {};
}

// Checked before any value: a field named twice would otherwise be
// last-wins without a word, and which value the producer meant is unknown.
std::string check_duplicate_fields(simdjson::dom::object object, std::vector<std::string_view>& keys) {
    keys.clear();
    for (auto field : object) keys.push_back(field.key);
    std::sort(keys.begin(), keys.end());
    const auto twice = std::adjacent_find(keys.begin(), keys.end());
    if (twice == keys.end()) return {};
    return fmt::format("duplicate field '{}'", *twice);
}

}  // namespace

std::string oversized_line_error(std::uint64_t line_bytes, std::size_t max_line_bytes) {
    return fmt::format("line of {} bytes is over the limit of {}", line_bytes, max_line_bytes);
}

struct FeedLineParser::Impl {
    simdjson::dom::parser parser;
    std::vector<std::string_view> keys;  // reused from line to line
};

FeedLineParser::FeedLineParser(FeedLimits limits) : impl_(new Impl), limits_(limits) {}

FeedLineParser::~FeedLineParser() { delete impl_; }

FeedLineResult FeedLineParser::parse(std::string_view line) {
    if (line.size() > limits_.max_line_bytes) {
        return {std::nullopt, oversized_line_error(line.size(), limits_.max_line_bytes)};
    }
    if (line.starts_with(utf8_byte_order_mark)) line.remove_prefix(utf8_byte_order_mark.size());
    element root;
    if (auto error = impl_->parser.parse(line.data(), line.size()).get(root)) {
        return {std::nullopt, fmt::format("invalid JSON: {}", simdjson::error_message(error))};
    }
    simdjson::dom::object object;
    if (root.get_object().get(object)) {
        return {std::nullopt, fmt::format("expected a JSON object, found {}", type_name(root.type()))};
    }
    if (auto error = check_duplicate_fields(object, impl_->keys); !error.empty()) {
        return {std::nullopt, std::move(error)};
    }
    FeedRecord record;
    ListingReader reader(limits_);
    bool has_price = false;
    for (auto [key, value] : object) {
        std::string error = key == "op" ? read_op(value, record.op) : reader.read_field(key, value, record.listing);
        if (!error.empty()) return {std::nullopt, std::move(error)};
        has_price = has_price || (key == "price" && !value.is_null());
    }
    if (auto error = check_required(record, has_price); !error.empty()) return {std::nullopt, std::move(error)};
    return {std::move(record), {}};
}

std::string_view to_string(Shipping shipping) {
    switch (shipping) {
        case Shipping::seller: return "seller";
        case Shipping::buyer: return "buyer";
        case Shipping::unknown: break;
    }
    return "";
}

std::string_view to_string(ListingStatus status) {
    return status == ListingStatus::sold ? "sold" : "on_sale";
}

std::string_view description_snippet(std::string_view description) {
    return utf8_prefix(description, stored_description_bytes);
}

std::string stored_fields_json(const Listing& listing) {
    JsonWriter json;
    json.begin_object();
    json.field("id", listing.id).field("title", listing.title);
    if (!listing.description.empty()) {
        json.field("description", description_snippet(listing.description));
    }
    if (!listing.brand.empty()) json.field("brand", listing.brand);
    if (!listing.category.empty()) json.field("category", listing.category);
    json.field("price", listing.price);
    if (listing.condition != 0) json.field("condition", listing.condition);
    if (listing.shipping != Shipping::unknown) json.field("shipping", to_string(listing.shipping));
    json.field("status", to_string(listing.status));
    json.field("created_at", listing.created_at);
    if (!listing.seller_id.empty()) json.field("seller_id", listing.seller_id);
    if (!listing.image_url.empty()) json.field("image_url", listing.image_url);
    json.end_object();
    return json.take();
}

Listing listing_from_stored_json(std::string_view json) {
    // Stored fields were validated on the way in, so a plain feed parse with
    // generous limits reads them back.
    thread_local FeedLineParser parser(FeedLimits{.max_line_bytes = 1 << 24,
                                                  .max_id_bytes = 1 << 20,
                                                  .max_title_bytes = 1 << 20,
                                                  .max_description_bytes = 1 << 20,
                                                  .max_short_field_bytes = 1 << 20,
                                                  .category_rule = CategoryRule::any_text,
                                                  .max_created_at_lead_seconds =
                                                      std::numeric_limits<std::int64_t>::max(),
                                                  .max_url_bytes = 1 << 20});
    FeedLineResult result = parser.parse(json);
    return result.ok() ? std::move(result.record->listing) : Listing{};
}

}  // namespace analyzers
