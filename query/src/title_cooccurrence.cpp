#include "title_cooccurrence.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "analyzers/document_layout.h"

namespace query {
namespace {

// A number ("5", "2x4") means the same with any word: it translates into none.
bool is_number(std::string_view term) { return !term.empty() && term[0] >= '0' && term[0] <= '9'; }

// Compressed rows from (row, column) pairs sorted by row: offsets and columns.
std::pair<std::vector<std::uint32_t>, std::vector<std::uint32_t>> rows_of(
    const std::vector<std::pair<std::uint32_t, std::uint32_t>>& sorted_pairs, std::size_t row_count) {
    std::vector<std::uint32_t> offsets(row_count + 1, 0), columns;
    columns.reserve(sorted_pairs.size());
    for (const auto& [row, column] : sorted_pairs) {
        ++offsets[row + 1];
        columns.push_back(column);
    }
    for (std::size_t row = 0; row < row_count; ++row) offsets[row + 1] += offsets[row];
    return {std::move(offsets), std::move(columns)};
}

}  // namespace

std::shared_ptr<const TitleCooccurrence> TitleCooccurrence::build(const Xapian::Database& database,
                                                                  std::size_t max_listings) {
    auto built = std::make_shared<TitleCooccurrence>();
    // The listings with the lowest docids, about max_listings of them: a
    // posting list is read up to the last of them and no further, so the
    // build costs the sample, not the index. (The combined database
    // interleaves the shards' docids, so every shard gives its share.)
    const double listings = database.get_doccount(), last_docid = database.get_lastdocid();
    const auto last_sampled = static_cast<Xapian::docid>(
        listings <= static_cast<double>(max_listings) ? last_docid
                                                      : std::ceil(last_docid * max_listings / listings));
    // Opening a posting list costs more than reading it: words the sample
    // would see fewer than twice (most words of a large index) are not
    // opened; they could not count anyway.
    const double sampled_share = std::min(1.0, static_cast<double>(max_listings) / std::max(listings, 1.0));
    const auto min_frequency = static_cast<Xapian::doccount>(std::ceil(2 / sampled_share));
    const std::string title_prefix(analyzers::word_fields[0].prefix);
    // (docid, term id) for every sampled title term.
    std::vector<std::pair<Xapian::docid, std::uint32_t>> postings;
    for (auto term = database.allterms_begin(title_prefix); term != database.allterms_end(title_prefix); ++term) {
        std::string word = (*term).substr(title_prefix.size());
        if (term.get_termfreq() < min_frequency || is_number(word)) continue;
        const auto id = static_cast<std::uint32_t>(built->ids_.size());
        bool kept = false;
        for (auto posting = database.postlist_begin(*term); posting != database.postlist_end(*term); ++posting) {
            if (*posting > last_sampled) break;
            postings.emplace_back(*posting, id);
            kept = true;
        }
        if (!kept) continue;
        built->hashes_.push_back(hash_of(word));
        built->ids_.emplace(std::move(word), id);
    }
    // Listings numbered in docid order, then both ways of reading the pairs.
    std::sort(postings.begin(), postings.end());
    std::vector<std::pair<std::uint32_t, std::uint32_t>> by_doc;  // (listing, term)
    by_doc.reserve(postings.size());
    std::uint32_t listing = 0;
    for (std::size_t n = 0; n < postings.size(); ++n) {
        if (n > 0 && postings[n].first != postings[n - 1].first) ++listing;
        by_doc.emplace_back(listing, postings[n].second);
    }
    postings = {};
    const std::size_t listing_count = by_doc.empty() ? 0 : listing + 1;
    std::tie(built->doc_offsets_, built->doc_terms_) = rows_of(by_doc, listing_count);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> by_term;  // (term, listing)
    by_term.reserve(by_doc.size());
    for (const auto& [doc, term] : by_doc) by_term.emplace_back(term, doc);
    by_doc = {};
    std::stable_sort(by_term.begin(), by_term.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::tie(built->term_offsets_, built->term_docs_) = rows_of(by_term, built->ids_.size());
    return built;
}

std::uint32_t TitleCooccurrence::id_of(std::string_view term) const {
    const auto found = ids_.find(term);
    return found == ids_.end() ? none : found->second;
}

const TitleCooccurrence::Counts::Met* TitleCooccurrence::Counts::find(std::uint64_t hash) const {
    if (slots.empty()) return nullptr;
    const std::size_t mask = slots.size() - 1;
    for (std::size_t slot = hash & mask;; slot = (slot + 1) & mask) {
        if (slots[slot].hash == hash) return &slots[slot];
        if (slots[slot].hash == 0) return nullptr;
    }
}

TitleCooccurrence::Counts TitleCooccurrence::walk(std::uint32_t id) const {
    // Counted in a reused array indexed by term id, then kept sparse.
    thread_local std::vector<std::uint32_t> count_of;
    if (count_of.size() < term_count()) count_of.assign(term_count(), 0);
    std::vector<std::uint32_t> touched;
    // Every step-th listing with the word past max_walked.
    const std::uint32_t first = term_offsets_[id], last = term_offsets_[id + 1];
    const std::uint32_t step = std::max<std::uint32_t>(1, (last - first + max_walked - 1) / max_walked);
    std::uint32_t walked = 0;
    for (std::uint32_t n = first; n < last; n += step, ++walked) {
        const std::uint32_t doc = term_docs_[n];
        for (std::uint32_t t = doc_offsets_[doc]; t < doc_offsets_[doc + 1]; ++t) {
            const std::uint32_t other = doc_terms_[t];
            if (count_of[other]++ == 0) touched.push_back(other);
        }
    }
    std::vector<std::uint32_t> met;
    for (const std::uint32_t other : touched) {
        if (count_of[other] >= 2 && other != id) met.push_back(other);
    }
    Counts counts{.slots = {}, .scale = walked == 0 ? 0 : static_cast<double>(frequency(id)) / walked};
    std::size_t size = 16;
    while (size < 2 * met.size()) size *= 2;
    counts.slots.resize(size);
    for (const std::uint32_t other : met) {
        const std::uint64_t hash = hashes_[other];
        std::size_t slot = hash & (size - 1);
        while (counts.slots[slot].hash != 0) slot = (slot + 1) & (size - 1);
        counts.slots[slot] = {.hash = hash, .together = count_of[other], .frequency = frequency(other)};
    }
    for (const std::uint32_t other : touched) count_of[other] = 0;
    return counts;
}

std::shared_ptr<const TitleCooccurrence::Counts> TitleCooccurrence::counts_of(std::uint32_t id) const {
    {
        std::lock_guard lock(cache_mutex_);
        if (const auto found = cache_.find(id); found != cache_.end()) return found->second;
    }
    auto counts = std::make_shared<const Counts>(walk(id));
    std::lock_guard lock(cache_mutex_);
    if (cached_pairs_ + counts->slots.size() / 2 > max_cached_pairs) {
        cache_.clear();
        cached_pairs_ = 0;
    }
    if (cache_.emplace(id, counts).second) cached_pairs_ += counts->slots.size() / 2;
    return counts;
}

std::vector<double> TitleCooccurrence::associations(std::string_view term,
                                                    const std::vector<std::string_view>& others) const {
    std::vector<double> strength(others.size(), 0);
    const std::uint32_t id = id_of(term);
    if (id == none) return strength;
    const auto counts = counts_of(id);
    const double listings = static_cast<double>(listing_count());
    const double term_frequency = frequency(id);
    for (std::size_t n = 0; n < others.size(); ++n) {
        if (others[n] == term) continue;
        const auto* met = counts->find(hash_of(others[n]));
        if (met == nullptr) continue;
        const double both = met->together * counts->scale;
        if (both >= listings) continue;
        const double pmi = std::log(both * listings / (term_frequency * met->frequency));
        strength[n] = std::clamp(pmi / -std::log(both / listings), 0.0, 1.0);
    }
    return strength;
}

}  // namespace query
