#include "word_dictionary.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_set>

#include "analyzers/document_layout.h"
#include "analyzers/listing.h"

namespace query {
namespace {

// A word in fewer listings than this is as likely a typo as a word: it is
// never offered as the correction of an unknown word ("did you mean"). As a
// typo alternative any title word serves: a listing whose rare word a buyer
// mistypes is still found ("mionstone" -> the one moonstone listing).
constexpr Xapian::doccount min_correction_frequency = 3;
constexpr std::size_t min_typo_length = 3, max_typo_length = 24;
// Candidates looked at for a correction, the closest and most frequent first.
constexpr std::size_t max_correction_candidates = 64;
// Titles read to learn how words are written; ~50 ms per 10,000.
constexpr std::size_t titles_sampled = 50'000;
// Prefixes starting more terms than this keep their most frequent
// completions ready; shorter ranges are scanned.
constexpr std::size_t scanned_completions = 2'000;
constexpr std::size_t kept_completions = 100;
constexpr std::size_t max_kept_prefix_bytes = 3;

std::uint64_t hash_of(std::string_view text) { return std::hash<std::string_view>{}(text); }

// The bucket of a hash among 2^bits, by its top bits (hashes sorted are
// sorted by bucket).
std::size_t bucket_of(std::uint64_t hash, int bits) { return bits == 0 ? 0 : static_cast<std::size_t>(hash >> (64 - bits)); }

bool plain_latin_word(std::string_view term) {
    return term.size() >= min_typo_length && term.size() <= max_typo_length &&
           std::all_of(term.begin(), term.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// `term` and every string up to `deletions` letters shorter made from it.
std::vector<std::string> with_deletions(const std::string& term, std::size_t deletions) {
    std::vector<std::string> variants{term};
    std::size_t from = 0;
    for (std::size_t round = 0; round < deletions; ++round) {
        const std::size_t to = variants.size();
        for (std::size_t n = from; n < to; ++n) {
            const std::string base = variants[n];
            for (std::size_t i = 0; i < base.size(); ++i) variants.push_back(base.substr(0, i) + base.substr(i + 1));
        }
        from = to;
    }
    std::sort(variants.begin(), variants.end());
    variants.erase(std::unique(variants.begin(), variants.end()), variants.end());
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

// The words of a normalised brand or category name: runs of letters and
// digits (any byte above ASCII counts as a letter: names may be Japanese).
template <typename OnWord>
void for_each_name_word(std::string_view name, OnWord on_word) {
    std::string word;
    for (std::size_t i = 0; i <= name.size(); ++i) {
        const auto c = static_cast<unsigned char>(i < name.size() ? name[i] : ' ');
        if (c >= 0x80 || std::isalnum(c) != 0) {
            word.push_back(static_cast<char>(c));
        } else if (!word.empty()) {
            on_word(word);
            word.clear();
        }
    }
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
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

std::shared_ptr<const WordDictionary> WordDictionary::build(const Xapian::Database& database) {
    auto dictionary = std::make_shared<WordDictionary>();
    dictionary->listing_count_ = database.get_doccount();
    dictionary->read_terms(database);
    try {
        dictionary->learn_spellings(database);
    } catch (const Xapian::UnimplementedError&) {
        // A remote backend has no value streams: suggestions show terms.
    }
    dictionary->index_typo_variants();
    dictionary->index_completion_ranges();
    return dictionary;
}

// Title terms, and the words of brand and category keys ("lululemon",
// "blouses"): a brand in no title is still a word buyers type.
void WordDictionary::read_terms(const Xapian::Database& database) {
    std::map<std::string, Xapian::doccount> frequency_of;
    const std::string title_prefix(analyzers::word_fields[0].prefix);
    for (auto term = database.allterms_begin(title_prefix); term != database.allterms_end(title_prefix); ++term) {
        frequency_of.emplace((*term).substr(title_prefix.size()), term.get_termfreq());
    }
    const Xapian::Stem stemmer("english");
    for (const std::string_view prefix : {analyzers::prefix::brand, analyzers::prefix::category}) {
        const std::string key_prefix(prefix);
        for (auto key = database.allterms_begin(key_prefix); key != database.allterms_end(key_prefix); ++key) {
            const std::string name = (*key).substr(key_prefix.size());
            const std::string_view last_level = std::string_view(name).substr(name.rfind('/') + 1);
            for_each_name_word(last_level, [&](const std::string& word) {
                const std::string term = plain_latin_word(word) ? stemmer(word) : word;
                auto& frequency = frequency_of[term];
                frequency = std::max(frequency, key.get_termfreq());
            });
        }
    }
    for (auto& [term, frequency] : frequency_of) terms_.push_back({.term = term, .frequency = frequency});
}

void WordDictionary::index_typo_variants() {
    for (std::uint32_t index = 0; index < terms_.size(); ++index) {
        if (plain_latin_word(terms_[index].term)) forms_.push_back({.text = terms_[index].term, .term_index = index});
    }
    for (const Spelling& spelling : spellings_) {
        if (plain_latin_word(spelling.written)) {
            forms_.push_back({.text = spelling.written, .term_index = spelling.term_index});
        }
    }
    for (std::uint32_t form = 0; form < forms_.size(); ++form) {
        for (const auto& variant : with_deletions(forms_[form].text, 1)) variants_.emplace_back(hash_of(variant), form);
    }
    std::sort(variants_.begin(), variants_.end());
    // About two variants a bucket.
    while ((std::size_t{1} << variant_bucket_bits_) * 2 < variants_.size()) ++variant_bucket_bits_;
    const std::size_t bucket_count = std::size_t{1} << variant_bucket_bits_;
    variant_buckets_.assign(bucket_count + 1, 0);
    std::size_t next = 0;
    for (std::size_t bucket = 0; bucket <= bucket_count; ++bucket) {
        while (next < variants_.size() && bucket_of(variants_[next].first, variant_bucket_bits_) < bucket) ++next;
        variant_buckets_[bucket] = static_cast<std::uint32_t>(next);
    }
}

template <typename Visit>
void WordDictionary::for_each_form_with_variant(std::uint64_t key, Visit visit) const {
    if (variants_.empty()) return;
    const std::size_t bucket = bucket_of(key, variant_bucket_bits_);
    for (std::size_t n = variant_buckets_[bucket]; n < variant_buckets_[bucket + 1]; ++n) {
        if (variants_[n].first == key) visit(variants_[n].second);
    }
}

// Titles are indexed as stems ("vintag", "run"): the words sellers write
// ("vintage", "running") are learnt from a sample of titles, for showing
// terms as words and for completing what buyers type.
void WordDictionary::learn_spellings(const Xapian::Database& database) {
    std::unordered_map<std::string, std::string> stem_of;
    std::unordered_map<std::string, std::uint32_t> seen;  // written word -> times
    const Xapian::Stem stemmer("english");
    std::size_t sampled = 0;
    const auto slot = analyzers::slot::stored_fields;
    for (auto value = database.valuestream_begin(slot);
         value != database.valuestream_end(slot) && sampled < titles_sampled; ++value, ++sampled) {
        for_each_latin_word(analyzers::stored_title(*value),
                            [&](const std::string& written) { ++seen[written]; });
    }
    std::vector<std::uint32_t> best_count(terms_.size(), 0);
    for (const auto& [written, count] : seen) {
        const Term* term = find(stemmer(written));
        if (term == nullptr) continue;
        const auto index = static_cast<std::uint32_t>(term - terms_.data());
        if (count > best_count[index]) {
            best_count[index] = count;
            terms_[index].display = written == term->term ? "" : written;
        }
        if (written != term->term) spellings_.push_back({.written = written, .term_index = index});
        else terms_[index].written_as_term = true;
    }
    std::sort(spellings_.begin(), spellings_.end(),
              [](const Spelling& a, const Spelling& b) { return a.written < b.written; });
}

void WordDictionary::index_completion_ranges() {
    // Count the terms under each short prefix, and keep the most frequent
    // completions of those that start too many to scan.
    std::unordered_map<std::string, std::size_t> starting;
    for (const Term& entry : terms_) {
        for (std::size_t bytes = 1; bytes <= max_kept_prefix_bytes && bytes <= entry.term.size(); ++bytes) {
            ++starting[entry.term.substr(0, bytes)];
        }
    }
    for (const auto& [prefix, count] : starting) {
        if (count <= scanned_completions) continue;
        std::vector<std::uint32_t> found;
        const auto first = std::lower_bound(terms_.begin(), terms_.end(), prefix,
                                            [](const Term& t, const std::string& p) { return t.term < p; });
        for (auto it = first; it != terms_.end() && starts_with(it->term, prefix); ++it) {
            found.push_back(static_cast<std::uint32_t>(it - terms_.begin()));
        }
        const std::size_t kept = std::min(kept_completions, found.size());
        std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(kept), found.end(),
                          [this](std::uint32_t a, std::uint32_t b) { return terms_[a].frequency > terms_[b].frequency; });
        found.resize(kept);
        popular_completions_.emplace(prefix, std::move(found));
    }
}

// A term the typed part may be the stem of: stemming cuts words back
// ("jeggings" -> jeg, "cleansing" -> cleans), so "jeggin" starts no term
// and no spelling seen in the sample, yet its word's term starts it. The
// longest term that `typed` starts with, of 3 letters or more and at most
// 4 shorter (Snowball removes no longer suffix), if any.
std::optional<std::uint32_t> WordDictionary::stem_within(std::string_view typed) const {
    if (!plain_latin_word(typed)) return std::nullopt;
    const std::size_t shortest = std::max<std::size_t>(3, typed.size() > 4 ? typed.size() - 4 : 0);
    for (std::size_t length = typed.size() - 1; length >= shortest; --length) {
        if (const Term* term = find(typed.substr(0, length))) return static_cast<std::uint32_t>(term - terms_.data());
    }
    return std::nullopt;
}

const WordDictionary::Term* WordDictionary::find(std::string_view term) const {
    const auto found = std::lower_bound(terms_.begin(), terms_.end(), term,
                                        [](const Term& t, std::string_view wanted) { return t.term < wanted; });
    return found != terms_.end() && found->term == term ? &*found : nullptr;
}

Xapian::doccount WordDictionary::frequency(std::string_view term) const {
    const Term* found = find(term);
    return found == nullptr ? 0 : found->frequency;
}

std::string WordDictionary::display(std::string_view term) const {
    const Term* found = find(term);
    return found == nullptr || found->display.empty() ? std::string(term) : found->display;
}

std::vector<WordDictionary::Alternative> WordDictionary::typo_alternatives(const std::string& typed,
                                                                          const std::string& term,
                                                                          std::size_t max_distance,
                                                                          std::size_t limit) const {
    std::vector<Alternative> alternatives;
    if (max_distance == 0) return alternatives;
    // One insertion, deletion, substitution or transposition always leaves
    // the two words sharing a string with at most one letter deleted from
    // each; a hash collision only adds a candidate to check.
    std::unordered_set<std::uint32_t> candidates;
    for (const std::string* word : {&typed, &term}) {
        if (!plain_latin_word(*word)) continue;
        for (const auto& variant : with_deletions(*word, max_distance)) {
            for_each_form_with_variant(hash_of(variant), [&](std::uint32_t form) { candidates.insert(form); });
        }
    }
    // The closest form of each term.
    std::unordered_map<std::uint32_t, std::size_t> distance_of_term;
    for (const std::uint32_t form_index : candidates) {
        const Form& form = forms_[form_index];
        const Term& entry = terms_[form.term_index];
        if (entry.term == term || form.text == typed) continue;  // the word typed, not a typo of it
        // A term seen only stemmed ("moonston") is compared stem to stem
        // too; a word sellers write as its term ("with") only with what was
        // typed, or "wihte" (term "wiht") would be one edit from "with".
        std::size_t distance = edit_distance(typed, form.text, max_distance);
        if (form.text == entry.term && !entry.written_as_term) {
            distance = std::min(distance, edit_distance(term, form.text, max_distance));
        }
        if (distance > max_distance) continue;
        auto [known, added] = distance_of_term.try_emplace(form.term_index, distance);
        if (!added) known->second = std::min(known->second, distance);
    }
    for (const auto& [index, distance] : distance_of_term) {
        alternatives.push_back({.term = terms_[index].term, .distance = distance, .frequency = terms_[index].frequency});
    }
    std::sort(alternatives.begin(), alternatives.end(), [](const Alternative& a, const Alternative& b) {
        if (a.distance != b.distance) return a.distance < b.distance;
        if (a.frequency != b.frequency) return a.frequency > b.frequency;
        return a.term < b.term;
    });
    if (alternatives.size() > limit) alternatives.resize(limit);
    return alternatives;
}

std::vector<WordDictionary::Correction> WordDictionary::corrections(const std::string& typed,
                                                                   const std::string& term) const {
    std::vector<Correction> found;
    if (!plain_latin_word(term) || frequency(term) >= min_correction_frequency) return found;
    const std::size_t limit = typed.size() <= 4 ? 1 : 2;
    for (const auto& alternative : typo_alternatives(typed, term, limit, max_correction_candidates)) {
        if (alternative.frequency >= min_correction_frequency) {
            found.push_back({.term = alternative.term, .display = display(alternative.term)});
        }
    }
    return found;
}

std::vector<WordDictionary::Completion> WordDictionary::completions(std::string_view typed, std::size_t limit) const {
    std::vector<std::uint32_t> found;
    if (const auto kept = popular_completions_.find(std::string(typed)); kept != popular_completions_.end()) {
        found = kept->second;
    } else {
        const auto first = std::lower_bound(terms_.begin(), terms_.end(), typed,
                                            [](const Term& t, std::string_view p) { return t.term < p; });
        for (auto it = first; it != terms_.end() && starts_with(it->term, typed); ++it) {
            found.push_back(static_cast<std::uint32_t>(it - terms_.begin()));
        }
    }
    const auto written = std::lower_bound(spellings_.begin(), spellings_.end(), typed,
                                          [](const Spelling& s, std::string_view p) { return s.written < p; });
    for (auto it = written; it != spellings_.end() && starts_with(it->written, typed); ++it) {
        found.push_back(it->term_index);
    }
    if (const auto stem = stem_within(typed)) found.push_back(*stem);
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    // Only the `limit` most frequent are ordered (a short prefix finds up to
    // 2,000 terms for 50 completions); the order is total, so they are the
    // same as a full sort's first `limit`.
    const auto more_frequent = [this](std::uint32_t a, std::uint32_t b) {
        if (terms_[a].frequency != terms_[b].frequency) return terms_[a].frequency > terms_[b].frequency;
        return terms_[a].term < terms_[b].term;
    };
    const std::size_t kept = std::min(limit, found.size());
    std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(kept), found.end(), more_frequent);
    found.resize(kept);
    std::vector<Completion> completions;
    for (const std::uint32_t index : found) {
        completions.push_back({.term = terms_[index].term, .frequency = terms_[index].frequency});
    }
    return completions;
}

bool WordDictionary::has_more_completions(std::string_view typed, std::size_t limit) const {
    if (limit < scanned_completions && popular_completions_.count(std::string(typed)) > 0) return true;
    return completions(typed, limit + 1).size() > limit;
}

}  // namespace query
