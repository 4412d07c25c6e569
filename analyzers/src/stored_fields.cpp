// The stored fields shown in results: slot 7 holds the display text that
// no other slot has, and the JSON object is rebuilt from it and the other
// slots, exactly as stored_fields_json wrote it at indexing.
#include <fmt/format.h>

#include "analyzers/document_layout.h"

namespace analyzers {
namespace {

// First byte of a slot-7 value. Indexes written before issue 18 hold the
// JSON object there, which starts with '{'.
constexpr char text_format = '\x01';
constexpr char legacy_json_format = '{';

void append_text(std::string& out, std::string_view text) {
    std::size_t length = text.size();
    do {
        const auto low_bits = static_cast<unsigned char>(length & 0x7F);
        length >>= 7;
        out.push_back(static_cast<char>(length != 0 ? (low_bits | 0x80) : low_bits));
    } while (length != 0);
    out += text;
}

// Reads the next length-prefixed text of `value` from `offset` on; empty
// at the end of a (damaged) value rather than past it.
std::string_view next_text(std::string_view value, std::size_t& offset) {
    std::size_t length = 0;
    for (int shift = 0; offset < value.size() && shift < 64; shift += 7) {
        const auto byte = static_cast<unsigned char>(value[offset++]);
        length |= static_cast<std::size_t>(byte & 0x7F) << shift;
        if ((byte & 0x80) == 0) break;
    }
    const std::string_view text = value.substr(std::min(offset, value.size()), length);
    offset += text.size();
    return text;
}

struct StoredText {
    std::string_view id, title, description, seller_id;
    std::string_view image_url;  // last: values written before it existed end before it
};

StoredText read_stored_text(std::string_view value) {
    StoredText text;
    std::size_t offset = 1;  // after the format byte
    text.id = next_text(value, offset);
    text.title = next_text(value, offset);
    text.description = next_text(value, offset);
    text.seller_id = next_text(value, offset);
    text.image_url = next_text(value, offset);
    return text;
}

double number_in(const Xapian::Document& document, Xapian::valueno slot) {
    return number_in_slot(document.get_value(slot));
}

}  // namespace

double number_in_slot(const std::string& value) { return value.empty() ? 0 : Xapian::sortable_unserialise(value); }

Shipping shipping_in_slot(std::string_view value) {
    if (value == to_string(Shipping::seller)) return Shipping::seller;
    if (value == to_string(Shipping::buyer)) return Shipping::buyer;
    return Shipping::unknown;
}

bool holds_whole_listing(std::string_view stored_value) {
    return !stored_value.empty() && stored_value[0] == legacy_json_format;
}

std::string stored_text_value(const Listing& listing) {
    std::string value(1, text_format);
    append_text(value, listing.id);
    append_text(value, listing.title);
    append_text(value, description_snippet(listing.description));
    append_text(value, listing.seller_id);
    append_text(value, listing.image_url);
    return value;
}

Listing stored_text_of(std::string_view stored_value) {
    if (holds_whole_listing(stored_value)) return listing_from_stored_json(stored_value);
    const StoredText text = read_stored_text(stored_value);
    Listing listing;
    listing.id = text.id;
    listing.title = text.title;
    listing.description = text.description;
    listing.seller_id = text.seller_id;
    listing.image_url = text.image_url;
    return listing;
}

Listing stored_listing_of(const Xapian::Document& document) {
    const std::string value = document.get_value(slot::stored_fields);
    if (holds_whole_listing(value)) return listing_from_stored_json(value);
    Listing listing = stored_text_of(value);
    listing.brand = document.get_value(slot::brand);
    listing.category = document.get_value(slot::category);
    listing.price = number_in(document, slot::price);
    listing.condition = static_cast<int>(number_in(document, slot::condition));
    listing.shipping = shipping_in_slot(document.get_value(slot::shipping));
    listing.status = document.get_value(slot::status) == to_string(ListingStatus::sold) ? ListingStatus::sold
                                                                                         : ListingStatus::on_sale;
    listing.created_at = static_cast<std::int64_t>(number_in(document, slot::created_at));
    return listing;
}

std::string stored_fields_of(const Xapian::Document& document) {
    return stored_fields_json(stored_listing_of(document));
}

std::string stored_title(std::string_view stored_value) {
    if (holds_whole_listing(stored_value)) return listing_from_stored_json(stored_value).title;
    return std::string(read_stored_text(stored_value).title);
}

}  // namespace analyzers
