// Searching a sorted run (a posting list's docids) from where the last
// search ended.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>

namespace query {

// The first of sorted [from, end) not below `value`: steps doubling from
// `from`, then a binary search over the last step. A gate's listings come
// in docid order, so each is usually a short way past the one before in a
// posting list, where a binary search over the rest took twenty probes
// through memory the cache had not seen (issue 17, eighth pass: −3% of the
// long-tail log's server time).
template <typename Iterator, typename Value>
Iterator gallop_to(Iterator from, Iterator end, const Value& value) {
    if (from == end || !(*from < value)) return from;
    std::size_t step = 1;
    Iterator below = from;  // *below < value
    while (static_cast<std::size_t>(std::distance(below, end)) > step && *std::next(below, step) < value) {
        std::advance(below, step);
        step *= 2;
    }
    const Iterator last = static_cast<std::size_t>(std::distance(below, end)) > step ? std::next(below, step) : end;
    return std::lower_bound(std::next(below), last, value);
}

}  // namespace query
