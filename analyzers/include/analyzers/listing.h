// The listing feed contract: what one JSON line of the feed means.
// Documented for users in README.md ("The listing feed").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace analyzers {

enum class Shipping { unknown, seller, buyer };
enum class ListingStatus { on_sale, sold };

struct Listing {
    std::string id;
    std::string title;
    std::string description;
    std::string brand;
    std::string category;  // "Women/Tops & Blouses/Blouse"
    double price = 0;
    int condition = 0;  // 1 (new) .. 5 (poor); 0 when the seller gave none
    Shipping shipping = Shipping::unknown;
    ListingStatus status = ListingStatus::on_sale;
    std::int64_t created_at = 0;  // epoch seconds
    std::string seller_id;
    std::string image_url;  // an http(s) URL of the listing's photo, or empty
};

enum class FeedOp {
    upsert,  // add or replace the whole listing
    remove,  // "op":"delete": take the listing out of the index
    sold,    // "op":"sold": mark an indexed listing sold, keeping its fields
};

struct FeedRecord {
    FeedOp op = FeedOp::upsert;
    Listing listing;  // for remove and sold only listing.id is set
};

// What a category may look like.
enum class CategoryRule {
    path_of_up_to_three_levels,  // the feed contract: "Women/Tops & Blouses/Blouse", no empty level
    any_text,                    // stored fields, some indexed before the rule existed
};

// Limits that keep one bad line from bloating the index.
struct FeedLimits {
    std::size_t max_line_bytes = 256 * 1024;
    std::size_t max_id_bytes = 128;
    std::size_t max_title_bytes = 1024;
    std::size_t max_description_bytes = 64 * 1024;
    std::size_t max_short_field_bytes = 512;  // brand, category, seller_id
    CategoryRule category_rule = CategoryRule::path_of_up_to_three_levels;
    // Producers' clocks drift, so created_at may be a little ahead of ours;
    // far ahead it would pin a listing first under "newest" for ever.
    std::int64_t max_created_at_lead_seconds = 24 * 3600;
    std::size_t max_url_bytes = 2048;  // image_url
};

// The rejection of a line over the limit; also used by the indexer, which
// stops reading such a line long before it ends.
std::string oversized_line_error(std::uint64_t line_bytes, std::size_t max_line_bytes);

// Either a record or the reason the line was rejected, never both.
struct [[nodiscard]] FeedLineResult {
    std::optional<FeedRecord> record;
    std::string error;  // e.g. "field 'price': expected a number, found string"

    bool ok() const { return record.has_value(); }
};

// Parses and validates one feed line. Never throws on bad input.
// Not thread-safe: give each thread its own FeedLineParser.
class FeedLineParser {
public:
    explicit FeedLineParser(FeedLimits limits = {});
    ~FeedLineParser();
    FeedLineParser(const FeedLineParser&) = delete;
    FeedLineParser& operator=(const FeedLineParser&) = delete;

    FeedLineResult parse(std::string_view line);

private:
    struct Impl;
    Impl* impl_;
    FeedLimits limits_;
};

std::string_view to_string(Shipping shipping);
std::string_view to_string(ListingStatus status);

// The part of the description kept in the index for display: its first
// bytes, never splitting a UTF-8 sequence.
std::string_view description_snippet(std::string_view description);

// The fields kept in the index for display, as one JSON object (the
// description shortened to a display snippet).
std::string stored_fields_json(const Listing& listing);
// Reads back what stored_fields_json wrote. Missing fields keep defaults.
Listing listing_from_stored_json(std::string_view json);

}  // namespace analyzers
