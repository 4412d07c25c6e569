// The words of an index's titles and of its brand and category names, for
// understanding what buyers type:
// completions of a word being typed, typo alternatives of every word,
// splits of a run-together word, and "did you mean" for unknown words.
//
// Xapian's own spelling table would have to be written by the indexer for
// every title word (slowing the build) and holds stems only. Instead the
// dictionary is built from the title terms already in the index, with a
// symmetric-delete index for typo candidates (microseconds a word) and the
// spellings sellers use, learnt from a sample of titles ("vintag" is shown
// as "vintage"; "runnin" completes to "running", whose term is "run").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <xapian.h>

namespace query {

// Built once, then only read: safe to share between threads.
class WordDictionary {
public:
    static std::shared_ptr<const WordDictionary> build(const Xapian::Database& database);

    // Listings whose titles have `term`, or whose brand or category names
    // have it (the larger); 0 for a word in none.
    Xapian::doccount frequency(std::string_view term) const;
    // Listings in the index when the dictionary was built.
    Xapian::doccount listing_count() const { return listing_count_; }
    // `term` as sellers most often write it ("vintag" -> "vintage").
    std::string display(std::string_view term) const;

    // The known words within edit distance 2 (1 for words of up to 4
    // letters) of an unknown word (as typed, and its term), closest then
    // most frequent first, each as a reader would write it (at most a few
    // dozen); empty if the word is known or nothing is close.
    struct Correction {
        std::string term;     // the known word's term ("nike")
        std::string display;  // as sellers write it
    };
    std::vector<Correction> corrections(const std::string& typed, const std::string& term) const;

    struct Alternative {
        std::string term;
        std::size_t distance = 0;  // edits from the word typed (a transposition is one)
        Xapian::doccount frequency = 0;
    };
    // Known words within `max_distance` edits of
    // a typed word, as written (`typed`, "playstaiton") or as its term
    // ("playstaiton"; the stemmer can shorten a word and its typo alike),
    // closest then most frequent first, at most `limit`; never the typed
    // term itself. Every word one edit away is found; of those two edits
    // away, all but two substitutions (which the one-deletion index cannot
    // see).
    std::vector<Alternative> typo_alternatives(const std::string& typed, const std::string& term,
                                               std::size_t max_distance, std::size_t limit) const;

    struct Completion {
        std::string term;
        Xapian::doccount frequency = 0;
    };
    // Title terms that complete `typed` (a normalised word being typed:
    // the term itself starts with it, or a spelling sellers use does), most
    // frequent first, at most `limit`.
    std::vector<Completion> completions(std::string_view typed, std::size_t limit) const;
    // Whether `typed` has more than `limit` completions (up to 2,000: a
    // prefix starting more terms keeps only its most frequent ones).
    bool has_more_completions(std::string_view typed, std::size_t limit) const;

    std::size_t size() const { return terms_.size(); }

private:
    struct Term {
        std::string term;
        Xapian::doccount frequency = 0;
        std::string display;  // empty: as the term
        // Seen written exactly as the term in the sampled titles ("with",
        // not "moonston"): typos are then measured on what was typed alone.
        bool written_as_term = false;
    };
    // A spelling seen in titles whose term differs ("running" for "run").
    struct Spelling {
        std::string written;
        std::uint32_t term_index = 0;
    };
    // A way a typo-tolerant term is written: the term itself, or a spelling.
    struct Form {
        std::string text;
        std::uint32_t term_index = 0;
    };

    const Term* find(std::string_view term) const;
    std::optional<std::uint32_t> stem_within(std::string_view typed) const;
    void read_terms(const Xapian::Database& database);
    void index_typo_variants();
    void learn_spellings(const Xapian::Database& database);
    void index_completion_ranges();

    Xapian::doccount listing_count_ = 0;
    std::vector<Term> terms_;           // every title term, sorted
    std::vector<Spelling> spellings_;   // sorted by `written`
    std::vector<Form> forms_;
    // Hash of each form and of each one-letter deletion of it -> index into
    // forms_, sorted.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> variants_;
    // Where in variants_ the hashes with each value of their top
    // `variant_bucket_bits_` bits start (and, last, its size): a typed word's
    // dozens of deletions are each found in one step rather than by a
    // binary search through millions of variants.
    std::vector<std::uint32_t> variant_buckets_;
    int variant_bucket_bits_ = 0;

    // The forms with a variant of hash `key`.
    template <typename Visit>
    void for_each_form_with_variant(std::uint64_t key, Visit visit) const;
    // The most frequent completions of the short prefixes that start very
    // many terms, so that typing "s" does not scan a hundred thousand.
    std::unordered_map<std::string, std::vector<std::uint32_t>> popular_completions_;
};

// Damerau-Levenshtein (optimal string alignment) distance, stopping early
// once it exceeds `limit` (returns limit + 1 then).
std::size_t edit_distance(const std::string& a, const std::string& b, std::size_t limit);

}  // namespace query
