// libFuzzer target: any bytes as one feed line. The parser must never crash
// or throw, and what it accepts must survive the stored-fields round trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "analyzers/listing.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static analyzers::FeedLineParser parser;
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    const analyzers::FeedLineResult result = parser.parse(line);
    if (result.ok() == !result.error.empty()) std::abort();  // exactly one of record and error
    if (!result.ok() || result.record->op != analyzers::FeedOp::upsert) return 0;
    const analyzers::Listing& listing = result.record->listing;
    const analyzers::Listing back = analyzers::listing_from_stored_json(analyzers::stored_fields_json(listing));
    if (back.id != listing.id || back.title != listing.title || back.price != listing.price) std::abort();
    return 0;
}
