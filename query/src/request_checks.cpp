#include "query/request_checks.h"

#include <fmt/format.h>

namespace query {
namespace {

// The continuation bytes after a UTF-8 lead byte, and the smallest code
// point a sequence of that length may encode (less is an overlong form).
struct Sequence {
    std::size_t continuation_bytes;
    char32_t smallest;
};

std::optional<Sequence> sequence_of(unsigned char lead) {
    if ((lead & 0xE0) == 0xC0) return Sequence{1, 0x80};
    if ((lead & 0xF0) == 0xE0) return Sequence{2, 0x800};
    if ((lead & 0xF8) == 0xF0) return Sequence{3, 0x10000};
    return std::nullopt;  // a continuation byte, or not UTF-8 at all
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        if (lead < 0x80) {
            ++i;
            continue;
        }
        const auto sequence = sequence_of(lead);
        if (!sequence || i + sequence->continuation_bytes >= text.size()) return false;
        char32_t code_point = lead & (0x7F >> (sequence->continuation_bytes + 1));
        for (std::size_t k = 1; k <= sequence->continuation_bytes; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return false;
            code_point = (code_point << 6) | (next & 0x3F);
        }
        const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
        if (code_point < sequence->smallest || surrogate || code_point > 0x10FFFF) return false;
        i += 1 + sequence->continuation_bytes;
    }
    return true;
}

std::optional<std::string> category_path_problem(std::string_view category) {
    std::size_t levels = 0;
    for (std::string_view rest = category;;) {
        const std::size_t slash = std::min(rest.find('/'), rest.size());
        if (rest.substr(0, slash).find_first_not_of(" \t") == std::string_view::npos) {
            return fmt::format("a category is a path of 1 to {} levels joined by '/', none of them empty",
                               max_category_levels);
        }
        if (++levels > max_category_levels) {
            return fmt::format("a category has at most {} levels", max_category_levels);
        }
        if (slash == rest.size()) return std::nullopt;
        rest.remove_prefix(slash + 1);
    }
}

}  // namespace query
