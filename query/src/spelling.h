// "Did you mean": corrections for query words that no listing contains,
// drawn from the title vocabulary of the index.
//
// Xapian's own spelling table would have to be written by the indexer for
// every title word (slowing the 25k listings/s build) and holds stems only.
// Instead the dictionary is built from the title terms already in the index
// (those in at least a few listings), and a symmetric-delete index finds
// candidates within edit distance 2 in microseconds.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <xapian.h>

namespace query {

// Built once, then only read: safe to share between threads.
class SpellingDictionary {
public:
    static std::shared_ptr<const SpellingDictionary> build(const Xapian::Database& database);

    // The most frequent known word within edit distance 2 (1 for words of
    // up to 4 letters) of `term`, as a reader would write it ("vintag" is
    // shown as "vintage"); nullopt if there is none.
    std::optional<std::string> correct(const std::string& term) const;

    std::size_t size() const { return words_.size(); }

private:
    struct Word {
        std::string term;     // the indexed (stemmed) term
        std::string display;  // a word that stems to it
        Xapian::doccount frequency;
    };
    void add(std::string term, std::string display, Xapian::doccount frequency);
    void learn_spellings(const Xapian::Database& database);

    std::vector<Word> words_;
    // Hash of the word and of each one-letter deletion -> word index, sorted.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> variants_;
};

// Damerau-Levenshtein (optimal string alignment) distance, stopping early
// once it exceeds `limit` (returns limit + 1 then).
std::size_t edit_distance(const std::string& a, const std::string& b, std::size_t limit);

}  // namespace query
