// Comparing secrets (the admin token, the search key).
#pragma once

#include <string_view>

namespace server {

// Compares without stopping at the first difference, so response timing
// tells nothing about how much of a guessed token was right.
inline bool same_token(std::string_view given, std::string_view expected) {
    if (given.size() != expected.size()) return false;
    unsigned char difference = 0;
    for (std::size_t i = 0; i < given.size(); ++i) difference |= static_cast<unsigned char>(given[i] ^ expected[i]);
    return difference == 0;
}

}  // namespace server
