#include "docid_set.h"

#include <algorithm>

namespace query {

DocidSet::DocidSet(std::size_t size, bool all) : size_(size), words_((size + 63) / 64, all ? ~std::uint64_t{0} : 0) {
    if (!all || words_.empty()) return;
    words_[0] &= ~std::uint64_t{1};  // docid 0 does not exist
    if (size % 64 != 0) words_.back() &= (std::uint64_t{1} << (size % 64)) - 1;
}

DocidSet DocidSet::of_term(const Xapian::Database& database, const std::string& term, std::size_t size) {
    DocidSet set(size);
    for (auto posting = database.postlist_begin(term); posting != database.postlist_end(term); ++posting) {
        if (*posting >= size) break;  // posting lists are in docid order
        set.add(*posting);
    }
    return set;
}

DocidSet DocidSet::intersection(const DocidSet& a, const DocidSet& b) {
    DocidSet result;
    result.size_ = a.size_;
    result.words_.resize(a.words_.size());
    const std::size_t common = std::min(a.words_.size(), b.words_.size());
    for (std::size_t i = 0; i < common; ++i) result.words_[i] = a.words_[i] & b.words_[i];
    return result;
}

DocidSet DocidSet::difference(const DocidSet& a, const DocidSet& b) {
    DocidSet result;
    result.size_ = a.size_;
    result.words_.resize(a.words_.size());
    const std::size_t common = std::min(a.words_.size(), b.words_.size());
    for (std::size_t i = 0; i < common; ++i) result.words_[i] = a.words_[i] & ~b.words_[i];
    for (std::size_t i = common; i < a.words_.size(); ++i) result.words_[i] = a.words_[i];
    return result;
}

DocidSet& DocidSet::operator&=(const DocidSet& other) {
    for (std::size_t i = 0; i < words_.size(); ++i) words_[i] &= i < other.words_.size() ? other.words_[i] : 0;
    return *this;
}

DocidSet& DocidSet::operator|=(const DocidSet& other) {
    const std::size_t common = std::min(words_.size(), other.words_.size());
    for (std::size_t i = 0; i < common; ++i) words_[i] |= other.words_[i];
    return *this;
}

DocidSet& DocidSet::subtract(const DocidSet& other) {
    const std::size_t common = std::min(words_.size(), other.words_.size());
    for (std::size_t i = 0; i < common; ++i) words_[i] &= ~other.words_[i];
    return *this;
}

DocidSet DocidSet::at_ranks(const std::vector<std::size_t>& ranks) const {
    DocidSet subset(size_);
    std::size_t word_index = 0, ranks_before = 0;  // the set's docids before words_[word_index]
    for (const std::size_t rank : ranks) {
        auto in_word = static_cast<std::size_t>(std::popcount(words_[word_index]));
        while (rank >= ranks_before + in_word) {
            ranks_before += in_word;
            in_word = static_cast<std::size_t>(std::popcount(words_[++word_index]));
        }
        std::uint64_t word = words_[word_index];
        for (std::size_t skipped = rank - ranks_before; skipped > 0; --skipped) word &= word - 1;
        subset.words_[word_index] |= word & (~word + 1);  // the lowest bit left
    }
    return subset;
}

std::size_t DocidSet::count() const {
    std::size_t total = 0;
    for (std::uint64_t word : words_) total += static_cast<std::size_t>(std::popcount(word));
    return total;
}

}  // namespace query
