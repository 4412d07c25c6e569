// The stored fields shown in results: slot 7 holds the display text that
// no other slot has, and the JSON object is rebuilt from it and the other
// slots, exactly as stored_fields_json wrote it at indexing.
#include <fmt/format.h>

#include "analyzers/document_layout.h"
#include "analyzers/stored_text_dictionary.h"

namespace analyzers {
namespace {

// First byte of a slot-7 value:
//  - text: the texts one after another, each length-prefixed;
//  - compressed: the title as in text (titles are read alone, to rerank
//    and to learn words, and gain least), then the dictionary's id (4
//    bytes, little-endian), the other texts' length, and those texts as
//    in text, compressed against the dictionary (stored_text_dictionary.h);
//  - legacy JSON: indexes written before issue 18 hold the JSON object,
//    which starts with '{'.
constexpr char text_format = '\x01';
constexpr char compressed_format = '\x02';
constexpr char legacy_json_format = '{';

void append_number(std::string& out, std::size_t number) {
    do {
        const auto low_bits = static_cast<unsigned char>(number & 0x7F);
        number >>= 7;
        out.push_back(static_cast<char>(number != 0 ? (low_bits | 0x80) : low_bits));
    } while (number != 0);
}

// Reads the number at `offset`; 0 at the end of a (damaged) value.
std::size_t next_number(std::string_view value, std::size_t& offset) {
    std::size_t number = 0;
    for (int shift = 0; offset < value.size() && shift < 64; shift += 7) {
        const auto byte = static_cast<unsigned char>(value[offset++]);
        number |= static_cast<std::size_t>(byte & 0x7F) << shift;
        if ((byte & 0x80) == 0) break;
    }
    return number;
}

void append_text(std::string& out, std::string_view text) {
    append_number(out, text.size());
    out += text;
}

// Reads the next length-prefixed text of `value` from `offset` on; empty
// at the end of a (damaged) value rather than past it.
std::string_view next_text(std::string_view value, std::size_t& offset) {
    const std::size_t length = next_number(value, offset);
    const std::string_view text = value.substr(std::min(offset, value.size()), length);
    offset += text.size();
    return text;
}

void append_id(std::string& out, std::uint32_t id) {
    for (int byte = 0; byte < 4; ++byte) out.push_back(static_cast<char>((id >> (8 * byte)) & 0xFF));
}

std::uint32_t next_id(std::string_view value, std::size_t& offset) {
    if (offset + 4 > value.size()) throw std::runtime_error("stored text is damaged: it ends inside its dictionary id");
    std::uint32_t id = 0;
    for (int byte = 0; byte < 4; ++byte) {
        id |= static_cast<std::uint32_t>(static_cast<unsigned char>(value[offset++])) << (8 * byte);
    }
    return id;
}

bool is_compressed(std::string_view stored_value) {
    return !stored_value.empty() && stored_value[0] == compressed_format;
}

Listing read_text_format(std::string_view value) {
    std::size_t offset = 1;  // after the format byte
    Listing listing;
    listing.id = next_text(value, offset);
    listing.title = next_text(value, offset);
    listing.description = next_text(value, offset);
    listing.seller_id = next_text(value, offset);
    listing.image_url = next_text(value, offset);  // empty in values written before image URLs were kept
    return listing;
}

Listing read_compressed_format(std::string_view value, const Xapian::Database& source) {
    std::size_t offset = 1;  // after the format byte
    Listing listing;
    listing.title = next_text(value, offset);
    const std::uint32_t dictionary = next_id(value, offset);
    const std::size_t size = next_number(value, offset);
    // The texts come from one feed line: a damaged size must not become a
    // huge allocation.
    if (size > FeedLimits{}.max_line_bytes) {
        throw std::runtime_error(fmt::format("stored text is damaged: it claims {} bytes", size));
    }
    const std::string texts =
        dictionary_for(dictionary, source).decompress(value.substr(std::min(offset, value.size())), size);
    offset = 0;
    listing.id = next_text(texts, offset);
    listing.description = next_text(texts, offset);
    listing.seller_id = next_text(texts, offset);
    listing.image_url = next_text(texts, offset);
    return listing;
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

// Each length-prefixed, in the order read_compressed_format reads them.
std::string compressed_stored_text(const Listing& listing) {
    std::string texts;
    append_text(texts, listing.id);
    append_text(texts, description_snippet(listing.description));
    append_text(texts, listing.seller_id);
    append_text(texts, listing.image_url);
    return texts;
}

namespace {

std::string text_format_value(const Listing& listing) {
    std::string value(1, text_format);
    append_text(value, listing.id);
    append_text(value, listing.title);
    append_text(value, description_snippet(listing.description));
    append_text(value, listing.seller_id);
    append_text(value, listing.image_url);
    return value;
}

std::string compressed_format_value(const Listing& listing, const StoredTextDictionary& dictionary) {
    const std::string texts = compressed_stored_text(listing);
    std::string value(1, compressed_format);
    append_text(value, listing.title);
    append_id(value, dictionary.id());
    append_number(value, texts.size());
    value += dictionary.compress(texts);
    return value;
}

}  // namespace

std::string stored_text_value(const Listing& listing, const StoredTextDictionary* dictionary) {
    std::string text = text_format_value(listing);
    if (dictionary == nullptr) return text;
    std::string compressed = compressed_format_value(listing, *dictionary);
    // A listing with little text gains less than the frame and id cost.
    return compressed.size() < text.size() ? compressed : text;
}

Listing stored_text_of(std::string_view stored_value, const Xapian::Database& source) {
    if (holds_whole_listing(stored_value)) return listing_from_stored_json(stored_value);
    if (is_compressed(stored_value)) return read_compressed_format(stored_value, source);
    return read_text_format(stored_value);
}

Listing stored_listing_of(const Xapian::Document& document, const Xapian::Database& source) {
    const std::string value = document.get_value(slot::stored_fields);
    if (holds_whole_listing(value)) return listing_from_stored_json(value);
    Listing listing = stored_text_of(value, source);
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

std::string stored_fields_of(const Xapian::Document& document, const Xapian::Database& source) {
    return stored_fields_json(stored_listing_of(document, source));
}

std::string stored_title(std::string_view stored_value) {
    if (holds_whole_listing(stored_value)) return listing_from_stored_json(stored_value).title;
    std::size_t offset = 1;  // after the format byte
    if (!is_compressed(stored_value)) next_text(stored_value, offset);  // the id comes first in the text format
    return std::string(next_text(stored_value, offset));
}

}  // namespace analyzers
