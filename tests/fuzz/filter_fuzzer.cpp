// libFuzzer target: any bytes as a Meilisearch-style filter. The parser may
// only throw FilterError; what it accepts must print to a canonical text
// that parses back to the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "query/filter_expression.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const std::string canonical = query::to_string(query::parse_filter(text));
        if (!canonical.empty() && query::to_string(query::parse_filter(canonical)) != canonical) std::abort();
    } catch (const query::FilterError&) {
    }
    return 0;
}
