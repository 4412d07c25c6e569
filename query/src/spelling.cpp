#include "spelling.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "analyzers/document_layout.h"
#include "analyzers/listing.h"

namespace query {
namespace {

// A word in fewer listings than this is as likely a typo as a word.
constexpr Xapian::doccount min_frequency = 3;
constexpr std::size_t min_length = 3, max_length = 24;
// Titles read to learn how words are written; ~50 ms per 10,000.
constexpr std::size_t titles_sampled = 20'000;

std::uint64_t hash_of(std::string_view text) { return std::hash<std::string_view>{}(text); }

bool plain_latin_word(std::string_view term) {
    return term.size() >= min_length && term.size() <= max_length &&
           std::all_of(term.begin(), term.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// The term and every string one deletion away from it.
std::vector<std::string> with_deletions(const std::string& term) {
    std::vector<std::string> variants{term};
    for (std::size_t i = 0; i < term.size(); ++i) variants.push_back(term.substr(0, i) + term.substr(i + 1));
    return variants;
}

// Lower-cased runs of ASCII letters: enough to see how sellers spell words.
template <typename OnWord>
void for_each_latin_word(std::string_view text, OnWord on_word) {
    std::string word;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        const char c = i < text.size() ? text[i] : ' ';
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            word.push_back(static_cast<char>(c | 0x20));
        } else if (!word.empty()) {
            on_word(word);
            word.clear();
        }
    }
}

}  // namespace

std::size_t edit_distance(const std::string& a, const std::string& b, std::size_t limit) {
    const std::size_t n = a.size(), m = b.size();
    if ((n > m ? n - m : m - n) > limit) return limit + 1;
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        std::size_t row_min = limit + 1;
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
            row_min = std::min(row_min, d[i][j]);
        }
        if (row_min > limit) return limit + 1;
    }
    return std::min(d[n][m], limit + 1);
}

std::shared_ptr<const SpellingDictionary> SpellingDictionary::build(const Xapian::Database& database) {
    auto dictionary = std::make_shared<SpellingDictionary>();
    const std::string title_prefix(analyzers::word_fields[0].prefix);
    for (auto term = database.allterms_begin(title_prefix); term != database.allterms_end(title_prefix); ++term) {
        const std::string word = (*term).substr(title_prefix.size());
        if (term.get_termfreq() < min_frequency || !plain_latin_word(word)) continue;
        dictionary->add(word, word, term.get_termfreq());
    }
    std::sort(dictionary->variants_.begin(), dictionary->variants_.end());
    try {
        dictionary->learn_spellings(database);
    } catch (const Xapian::UnimplementedError&) {
        // A remote backend has no value streams: suggestions show stems.
    }
    return dictionary;
}

// Titles are indexed as stems ("vintag"); a suggestion shows the word as
// sellers most often write it ("vintage"), learnt from a sample of titles.
void SpellingDictionary::learn_spellings(const Xapian::Database& database) {
    std::unordered_map<std::string, std::uint32_t> index_of;
    for (std::uint32_t index = 0; index < words_.size(); ++index) index_of.emplace(words_[index].term, index);
    std::unordered_map<std::string, std::string> stem_of;
    std::vector<std::unordered_map<std::string, std::uint32_t>> spellings(words_.size());
    const Xapian::Stem stemmer("english");
    std::size_t sampled = 0;
    const auto slot = analyzers::slot::stored_fields;
    for (auto value = database.valuestream_begin(slot); value != database.valuestream_end(slot) && sampled < titles_sampled;
         ++value, ++sampled) {
        for_each_latin_word(analyzers::listing_from_stored_json(*value).title, [&](const std::string& written) {
            auto [stem, added] = stem_of.try_emplace(written);
            if (added) stem->second = stemmer(written);
            if (auto found = index_of.find(stem->second); found != index_of.end()) ++spellings[found->second][written];
        });
    }
    for (std::size_t index = 0; index < words_.size(); ++index) {
        std::uint32_t most = 0;
        for (const auto& [written, count] : spellings[index]) {
            if (count > most) most = count, words_[index].display = written;
        }
    }
}

void SpellingDictionary::add(std::string term, std::string display, Xapian::doccount frequency) {
    const auto index = static_cast<std::uint32_t>(words_.size());
    for (const auto& variant : with_deletions(term)) variants_.emplace_back(hash_of(variant), index);
    words_.push_back({.term = std::move(term), .display = std::move(display), .frequency = frequency});
}

std::optional<std::string> SpellingDictionary::correct(const std::string& term) const {
    if (!plain_latin_word(term)) return std::nullopt;
    const std::size_t limit = term.size() <= 4 ? 1 : 2;
    // One insertion, deletion, substitution or transposition always leaves
    // the two words sharing a string with at most one letter deleted from
    // each (so do many pairs of edits); a hash collision only adds a
    // candidate to check.
    std::vector<std::uint32_t> candidates;
    for (const auto& variant : with_deletions(term)) {
        const auto key = hash_of(variant);
        auto found = std::lower_bound(variants_.begin(), variants_.end(), std::make_pair(key, std::uint32_t{0}));
        for (; found != variants_.end() && found->first == key; ++found) candidates.push_back(found->second);
    }
    const Word* best = nullptr;
    std::size_t best_distance = limit + 1;
    for (const std::uint32_t index : candidates) {
        const Word& word = words_[index];
        if (word.term == term) return std::nullopt;  // known: nothing to correct
        const std::size_t distance = edit_distance(term, word.term, limit);
        if (distance > limit) continue;
        if (best == nullptr || distance < best_distance ||
            (distance == best_distance && word.frequency > best->frequency)) {
            best = &word;
            best_distance = distance;
        }
    }
    if (best == nullptr) return std::nullopt;
    return best->display;
}

}  // namespace query
