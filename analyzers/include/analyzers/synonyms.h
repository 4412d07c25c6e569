// Synonyms and brand aliases, loaded from text files in data/ at start.
//
// synonyms.txt, one group per line, every phrase finds the others:
//     airpods, air pods
// brand_aliases.txt, one alias per line, the alias finds the brand (and is
// filed under it), not the other way round:
//     lulu => lululemon
// Phrases are analysed with the same TextAnalyzer as listings, so "Air-Pods"
// in a file and "air pods" in a query meet on the same terms.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analyzers/text_analyzer.h"

namespace analyzers {

using Phrase = std::vector<std::string>;  // analysed terms, in order

class SynonymTable {
public:
    struct Match {
        std::size_t length = 0;             // words of the query it covers; 0 = none
        std::vector<Phrase> alternatives;   // other ways to say them
    };

    // Adds a group where every phrase finds every other.
    void add_group(const std::vector<Phrase>& phrases);
    // Adds a one-way rule: `from` also finds `to`.
    void add_rule(const Phrase& from, const Phrase& to);

    // The longest known phrase starting at words[start].
    Match longest_match(const std::vector<Word>& words, std::size_t start) const;

    std::size_t size() const { return alternatives_.size(); }

private:
    std::unordered_map<std::string, std::vector<Phrase>> alternatives_;  // key: terms joined by ' '
    std::size_t longest_phrase_ = 0;
};

// Maps what sellers and buyers type to one canonical brand key, so that
// "Lululemon Athletica" and "lululemon" filter and facet as one brand.
class BrandAliases {
public:
    void add(std::string normalized_alias, std::string normalized_brand);
    // `normalized_brand` is TextAnalyzer::normalize of what the seller typed.
    std::string canonical(const std::string& normalized_brand) const;
    std::size_t size() const { return canonical_.size(); }

private:
    std::unordered_map<std::string, std::string> canonical_;
};

// Everything loaded from data/ that analysis needs at run time.
// Loaded once, then only read: safe to share between threads.
struct Lexicon {
    SynonymTable synonyms;  // includes brand aliases as one-way rules
    BrandAliases brands;
};

// Throws std::runtime_error naming the file and line of a malformed entry.
Lexicon parse_lexicon(std::string_view synonyms_text, std::string_view brand_aliases_text,
                      TextAnalyzer& analyzer);
// Reads <data_dir>/synonyms.txt and <data_dir>/brand_aliases.txt (either may
// be missing: an empty table). Throws std::runtime_error on a bad file.
Lexicon load_lexicon(const std::filesystem::path& data_dir);

}  // namespace analyzers
