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

    // The docids of this set whose value in `by_rank` (indexed by their
    // rank in the set) is at least `lowest`. Most words of a top-k bound's
    // pass keep nothing: their values are compared together (vectorised)
    // before any bit is visited.
    DocidSet subset_at_least(const std::vector<double>& by_rank, double lowest) const {
        DocidSet subset(size_);
        std::size_t rank = 0;
        for (std::size_t word_index = 0; word_index < words_.size(); ++word_index) {
            const std::uint64_t word = words_[word_index];
            const auto in_word = static_cast<std::size_t>(std::popcount(word));
            const double* values = by_rank.data() + rank;
            std::size_t reaching = 0;
            for (std::size_t n = 0; n < in_word; ++n) reaching += values[n] >= lowest ? 1 : 0;
            if (reaching != 0) {
                std::uint64_t kept = 0;
                std::size_t n = 0;
                for (std::uint64_t left = word; left != 0; left &= left - 1, ++n) {
                    if (values[n] >= lowest) kept |= left & (~left + 1);  // the lowest bit left
                }
                subset.words_[word_index] = kept;
            }
            rank += in_word;
        }
        return subset;
    }

private:
    std::size_t size_ = 0;
    std::vector<std::uint64_t> words_;
};

}  // namespace query
