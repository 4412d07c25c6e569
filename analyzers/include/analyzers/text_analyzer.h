// Text to terms: the one pipeline both the indexer and the query side run,
// so a word always becomes the same term on both sides.
//
//   raw text -> NFKC case folding, Latin accents removed  ("Pokémon ２７ｃｍ" -> "pokemon 27cm")
//            -> ICU word breaking (dictionary-based for Japanese and Chinese)
//            -> compounds joined ("t-shirt", "3/4", "128gb") and split into parts
//            -> Snowball English stemming of Latin words ("sneakers" -> "sneaker")
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace analyzers {

// One word of the text as it is indexed and searched.
struct Word {
    std::string term;  // the term, e.g. "tshirt", "27cm", "sneaker", "スニーカー"
    // For a compound, the terms of its pieces: "t-shirt" -> {"t", "shirt"},
    // "128gb" -> {"128", "gb"}, "3/4" -> {"3", "4"}; empty otherwise.
    std::vector<std::string> parts;
    std::uint32_t position = 0;  // 1-based position of the word in the text
    // The word normalised but not stemmed ("running", "northface"), with
    // AnalyzerOptions::keep_surface only: the query side completes and
    // splits what was typed; the indexer never needs it.
    std::string surface;
};

struct AnalyzerOptions {
    // Plain ASCII text skips ICU and goes through an ASCII tokenizer that
    // follows ICU's word-break rules; off only to test that they agree.
    bool ascii_fast_path = true;
    // Fill Word::surface.
    bool keep_surface = false;
    // Recent words' stems kept (a power of two; 64 bytes each, allocated on
    // first use): the indexer, analysing millions of descriptions, wants
    // many; a query a few.
    std::size_t stem_cache_slots = 1 << 12;
};

// Not thread-safe (ICU break iterators and the stem cache are per instance):
// give each thread its own TextAnalyzer. Construction costs a few
// microseconds; reuse instances.
class TextAnalyzer {
public:
    explicit TextAnalyzer(AnalyzerOptions options = {});
    ~TextAnalyzer();
    TextAnalyzer(TextAnalyzer&&) noexcept;
    TextAnalyzer& operator=(TextAnalyzer&&) noexcept;

    // NFKC case folding with Latin diacritics removed, curly apostrophes
    // made straight. Used for filter keys (brand, category) as well as text.
    std::string normalize(std::string_view text);

    std::vector<Word> analyze(std::string_view text);
    // The term of one normalised word, as analyze() stems it ("running" ->
    // "run"; numbers, CJK and mixed words are kept as they are).
    std::string stem(const std::string& normalized_word);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace analyzers
