// A set of one shard's docids as a bitmap: the boolean side of a query
// (which listings match) evaluated with word-wide AND/OR, for exact totals
// and facet counts without visiting documents one by one through Xapian.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include <xapian.h>

namespace query {

class DocidSet {
public:
    DocidSet() = default;
    // Docids [0, size), none of them in the set (or all but 0 with `all`).
    explicit DocidSet(std::size_t size, bool all = false);
    // The docids below `size` in `term`'s posting list (~20 ns a posting).
    static DocidSet of_term(const Xapian::Database& database, const std::string& term, std::size_t size);

    std::size_t size() const { return size_; }
    std::size_t memory_bytes() const { return words_.size() * sizeof(std::uint64_t); }
    void add(Xapian::docid docid) { words_[docid >> 6] |= std::uint64_t{1} << (docid & 63); }
    bool contains(Xapian::docid docid) const {
        return docid < size_ && (words_[docid >> 6] >> (docid & 63) & 1) != 0;
    }

    // The docids in both, in one pass (a copy then &= reads the first twice).
    static DocidSet intersection(const DocidSet& a, const DocidSet& b);
    // The docids of `a` not in `b`, in one pass (a copy then subtract reads `a` twice).
    static DocidSet difference(const DocidSet& a, const DocidSet& b);

    DocidSet& operator&=(const DocidSet& other);
    DocidSet& operator|=(const DocidSet& other);
    DocidSet& subtract(const DocidSet& other);
    std::size_t count() const;
    // The bitmap itself: docid d is bit d % 64 of word d / 64.
    const std::vector<std::uint64_t>& words() const { return words_; }

    // Calls visit(docid) for each docid in the set, in increasing order.
    template <typename Visit>
    void for_each(Visit visit) const {
        for (std::size_t word_index = 0; word_index < words_.size(); ++word_index) {
            for (std::uint64_t word = words_[word_index]; word != 0; word &= word - 1) {
                visit(static_cast<Xapian::docid>(word_index * 64 + static_cast<std::size_t>(std::countr_zero(word))));
            }
        }
    }

    // The docids at `ranks` in this set (ascending, each below count(); rank
    // 0 is the lowest docid): a word's bits are visited only if it holds one.
    DocidSet at_ranks(const std::vector<std::size_t>& ranks) const;

private:
    std::size_t size_ = 0;
    std::vector<std::uint64_t> words_;
};

}  // namespace query
