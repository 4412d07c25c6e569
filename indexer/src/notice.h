// What an operator must hear about while the indexer carries on: a rotated
// or truncated feed, an ignored file, a removed leftover, a failed commit.
#pragma once

#include <iostream>
#include <string>

#include "indexer/indexer.h"

namespace indexer {

// To the caller's on_notice, or to stderr when it set none: never lost.
inline void notify(const NoticeCallback& on_notice, const std::string& text) {
    if (on_notice) on_notice(text);
    else std::cerr << "listing-indexer: " << text << std::endl;
}

}  // namespace indexer
