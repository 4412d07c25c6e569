// Which title words go together: "spot" and "flood", "sponge" and
// "scrubber", "trellis" and "garden" share titles far more often than
// chance. A typed word a title lacks is still partly there when the title
// has words that go with it: the re-ranking of the best titles gives such
// a title a little credit (RelatedWords in proximity.h), the "translation"
// of a query word into the catalogue's own words.
//
// Built from the title terms' posting lists (not the documents' term
// lists, which a frozen generation's bases do not keep), over about
// max_listings listings, those with the lowest docids; a search then counts
// how often a typed word meets each word of the titles it re-ranks by
// walking the listings that have the typed word (at most max_walked of
// them), and keeps those counts for the next search with the word, rather
// than the build storing every pair.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <xapian.h>

namespace query {

// Built once, then only read (but for a cache of each word's counts, which
// a mutex guards): safe to share between threads.
class TitleCooccurrence {
public:
    static constexpr std::size_t default_max_listings = 200'000;
    static constexpr std::size_t max_walked = 1'000;
    // The counts of this many (word, other word) pairs are kept for words
    // asked again; the cache is emptied when it would hold more (~16 MB).
    static constexpr std::size_t max_cached_pairs = 500'000;

    static std::shared_ptr<const TitleCooccurrence> build(const Xapian::Database& database,
                                                          std::size_t max_listings = default_max_listings);

    // How strongly `term` (a title term, unprefixed: "spot") goes with each
    // of `others`: normalised pointwise mutual information, from 0 (met no
    // more often than chance, or fewer than twice) to 1 (always together).
    // Numbers and words in fewer than two titles go with nothing.
    std::vector<double> associations(std::string_view term, const std::vector<std::string_view>& others) const;

    std::size_t listing_count() const { return doc_offsets_.empty() ? 0 : doc_offsets_.size() - 1; }
    std::size_t term_count() const { return term_offsets_.empty() ? 0 : term_offsets_.size() - 1; }

private:
    std::uint32_t frequency(std::uint32_t term) const { return term_offsets_[term + 1] - term_offsets_[term]; }

    static constexpr std::uint32_t none = UINT32_MAX;
    std::uint32_t id_of(std::string_view term) const;
    // Never 0, which marks an empty slot of Counts.
    static std::uint64_t hash_of(std::string_view term) {
        const std::uint64_t hash = std::hash<std::string_view>{}(term);
        return hash == 0 ? 1 : hash;
    }

    // How often a word meets each other word (those met twice or more)
    // among the listings walked: a walk reads a thousand listings' rows
    // scattered over megabytes, so a word's counts are kept for the next
    // request that has it. Found by the other word's 64-bit hash in an
    // open-addressed table, so that a request looks its titles' few
    // hundred words up without a string compare or a lookup in the whole
    // vocabulary (two 64-bit hashes of different words agreeing is left
    // to chance: about one in 10^15 a lookup).
    struct Counts {
        struct Met {
            std::uint64_t hash = 0;  // 0: an empty slot
            std::uint32_t together = 0, frequency = 0;
        };
        std::vector<Met> slots;  // a power of two, at most half full
        double scale = 1;        // listings with the word per listing walked
        const Met* find(std::uint64_t hash) const;
    };
    std::shared_ptr<const Counts> counts_of(std::uint32_t term) const;
    Counts walk(std::uint32_t term) const;

    // Looked up by string_view, without making a string.
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
    };
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> ids_;
    std::vector<std::uint64_t> hashes_;  // of each term, by id
    // Each sampled listing's terms, and each term's sampled listings
    // (compressed rows: the n-th's are [offsets[n], offsets[n + 1])).
    std::vector<std::uint32_t> doc_offsets_, doc_terms_;
    std::vector<std::uint32_t> term_offsets_, term_docs_;

    mutable std::mutex cache_mutex_;
    mutable std::unordered_map<std::uint32_t, std::shared_ptr<const Counts>> cache_;
    mutable std::size_t cached_pairs_ = 0;
};

}  // namespace query
