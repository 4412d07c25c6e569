#include "snapshot_scoring.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <unordered_map>

#include "posting_sources.h"
#include "shard_tasks.h"
#include "sorted_search.h"

namespace query {
namespace {

using Op = QueryTree::Op;

// A few more candidates than asked for: listings changed since the
// snapshot drop out in Xapian's final pass, and rounding (Xapian adds the
// same weights in another order) can reorder near-equal scores at the border.
constexpr std::size_t candidate_margin = 16;

// A binary search per listing of the gate beats a pass over the postings
// when the postings outnumber the gate this many times.
constexpr std::size_t few_in_gate_ratio = 32;

// Bounding the scores costs a pass over the postings about half as dear as
// weighing them. Once a word's terms bound themselves (MatchBounds), it
// pays from a few thousand matches a shard: over the long-tail log, server
// time -3.3% with this threshold against 32,768, -0.9% with 256 (a relaxed
// 7-word query: 238,000 matches a shard, 180 weighed). Fewer are weighed
// in full.
constexpr std::size_t min_matches_to_bound = 2048;
// The first pass weighs this many listings per listing kept, those with
// the highest bounds: bounds are loose (a word's alternatives add up in
// them), so the best bounds are not always the best scores. Over the
// long-tail log (compare_speed.py, three runs against 8): 4 gives -1.8% to
// -2.4% server time, 2 about as much, 1 -0.8%, 16 +0.8%; 512 or 8,192
// matches to bound from instead of 2,048 both lose (+1.3%, +0.4%).
constexpr std::size_t first_pass_per_kept = 4;

// A threshold from another shard spares a shard's first pass when at most
// this many listings per listing kept reach it.
constexpr std::size_t listings_weighed_without_first_pass_per_kept = 64;

// Relative slack between a score and its bound for rounding. Bounds are
// summed in single precision (half the memory: a bound pass adds into an
// array as long as the matches, 800 KB for 100,000 of a shard's in double),
// each addition rounding by at most 6e-8 of the sum; a listing's bound sums
// at most a few hundred parts (the query's terms it has, and the signals).
constexpr double bound_rounding_margin = 1e-4;

// The part of BM25's weight that depends on a listing's length and the
// term's wdf, not on the term: shared by all the terms a request weighs in
// a shard. Most postings have wdf 1 and a short listing; their parts are
// looked up (computed once per length: a table per term cost 256 divisions,
// and a two-letter prefix weighs a hundred terms in each of three passes).
class LengthNormalisation {
public:
    LengthNormalisation(const Bm25Parameters& bm25, Xapian::doccount doccount, Xapian::totallength total_length)
        : bm25_(bm25) {
        const double collection_size = doccount;
        if (bm25.b != 0 && bm25.k1 != 0 && collection_size > 0) {
            const double average_length = double(total_length) / collection_size;
            if (average_length != 0) length_factor_ = 1 / average_length;
        }
        for (Xapian::termcount length = 0; length < once_by_length_.size(); ++length) {
            once_by_length_[length] = computed(1, length);
        }
    }

    // wdf / (k1 (normalised length x b + 1 - b) + wdf).
    double part(Xapian::termcount wdf, Xapian::termcount length) const {
        if (wdf == 1 && length < once_by_length_.size()) return once_by_length_[length];
        return computed(wdf, length);
    }

private:
    double computed(Xapian::termcount wdf, Xapian::termcount length) const {
        const double normlen = std::max(length * length_factor_, bm25_.min_normlen);
        const double wdf_double = wdf;
        const double denominator = bm25_.k1 * (normlen * bm25_.b + (1 - bm25_.b)) + wdf_double;
        return wdf_double / denominator;
    }

    const Bm25Parameters& bm25_;
    double length_factor_ = 0;
    std::array<double, 256> once_by_length_{};
};

// One term's BM25 weight as Xapian::BM25Weight computes it (init() and
// get_sumpart(), with k2 = 0, k3 = 1 and a query term frequency of 1),
// from the statistics of the combined database.
class TermWeight {
public:
    TermWeight(const Bm25Parameters& bm25, const LengthNormalisation& lengths, Xapian::doccount doccount,
               Xapian::doccount termfreq_of_term, double factor)
        : lengths_(lengths) {
        const double collection_size = doccount;
        const double termfreq = termfreq_of_term;
        double tw = (collection_size - termfreq + 0.5) / (termfreq + 0.5);
        if (tw < 2) tw = tw * 0.5 + 1;
        const double k3 = 1, wqf = 1;
        termweight_ = std::log(tw) * factor;
        termweight_ *= (k3 + 1) * wqf / (k3 + wqf);
        termweight_ *= (bm25.k1 + 1);
    }

    double of(Xapian::termcount wdf, Xapian::termcount length) const {
        return termweight_ * lengths_.part(wdf, length);
    }
    // The most a posting weighs with at most `max_wdf` in a listing of at
    // least `min_length` terms (the weight grows with the wdf and falls
    // with the length).
    double upper_bound(Xapian::termcount max_wdf, Xapian::termcount min_length) const {
        return of(max_wdf, min_length);
    }

private:
    const LengthNormalisation& lengths_;
    double termweight_ = 0;
};

// Scores (or bounds) of the matching listings of one shard, in a compact
// array: a listing's slot is its rank among the matches (a popcount away).
template <typename Value>
class MatchScores {
public:
    explicit MatchScores(const DocidSet& matches) : words_(matches.words()) {
        ranks_before_.reserve(words_.size());
        std::size_t rank = 0;
        for (std::uint64_t word : words_) {
            ranks_before_.push_back(static_cast<std::uint32_t>(rank));
            rank += static_cast<std::size_t>(std::popcount(word));
        }
        scores_.assign(rank, Value{0});
    }

    // `docid` must be a match.
    void add(Xapian::docid docid, Value weight) { add_at(slot_of(docid), weight); }
    // Adds `weight` if `docid` is a match, reading its bitmap word once.
    void add_if_match(Xapian::docid docid, Value weight) {
        const std::size_t word = docid >> 6;
        if (word >= words_.size()) return;
        const std::uint64_t bits = words_[word], bit = std::uint64_t{1} << (docid & 63);
        if ((bits & bit) != 0) add_at(slot_in(word, bits, bit), weight);
    }
    void add_at(std::size_t slot, Value weight) { scores_[slot] += weight; }
    void add_to_all(Value weight) {
        for (Value& score : scores_) score += weight;
    }
    // The score of the n-th match in docid order.
    Value nth(std::size_t n) const { return scores_[n]; }
    // The scores by rank in the matches (docid order).
    const std::vector<Value>& by_rank() const { return scores_; }

private:
    std::size_t slot_of(Xapian::docid docid) const {
        const std::size_t word = docid >> 6;
        return slot_in(word, words_[word], std::uint64_t{1} << (docid & 63));
    }
    // The slot of the match at `bit` of bitmap word `word` (whose bits are `bits`).
    std::size_t slot_in(std::size_t word, std::uint64_t bits, std::uint64_t bit) const {
        return ranks_before_[word] + static_cast<std::size_t>(std::popcount(bits & (bit - 1)));
    }

    const std::vector<std::uint64_t>& words_;
    std::vector<std::uint32_t> ranks_before_;
    std::vector<Value> scores_;
};

// What BM25 reads of the combined database: its size, its length, its
// shortest listing and each query term's frequency, read before the shards
// are weighed (side by side, a shard's thread must touch neither the
// combined database nor another shard's handle: Xapian's handles are not
// to be shared between threads). When every snapshot is current, a term's
// frequency is the length of its postings in the snapshots, which the
// query weighs anyway (and the snapshots cache), read by each shard's
// task; otherwise the combined database is asked, which reads B-tree
// blocks of every shard (5% of a query matching a few hundred listings).
class CollectionStatistics {
public:
    CollectionStatistics(const Xapian::Database& combined, const std::vector<ShardView>& shards, const QueryTree& tree,
                         bool side_by_side)
        : doccount(combined.get_doccount()),
          total_length(combined.get_total_length()),
          shortest(combined.get_doclength_lower_bound()) {
        const std::vector<std::string> terms = index_distinct_terms(tree);
        frequencies_ = all_current(shards) ? frequencies_in_snapshots(shards, terms,
                                                                      side_by_side &&
                                                                          terms.size() >= min_terms_side_by_side)
                                           : frequencies_in(combined, terms);
    }

    // A term of the tree's frequency.
    Xapian::doccount frequency_of(const std::string& term) const { return frequencies_[index_.at(term)]; }

    // A term of the tree's postings in shard `shard`, when the frequencies
    // were read from the snapshots (each shard's postings were found then:
    // finding them again in the snapshot's caches missed the processor's
    // caches twice a term); nullptr otherwise.
    std::shared_ptr<const TermPostings> postings_in(std::size_t shard, const std::string& term) const {
        if (shard >= postings_.size()) return nullptr;
        const auto found = index_.find(term);
        return found == index_.end() ? nullptr : postings_[shard][found->second];
    }

    const Xapian::doccount doccount;
    const Xapian::totallength total_length;
    const Xapian::termcount shortest;  // the shortest listing's length

private:
    // The tree's distinct terms in the order met, each indexed in index_
    // (no sort: a prefix's hundreds of completions took thousands of string
    // comparisons).
    std::vector<std::string> index_distinct_terms(const QueryTree& tree) {
        std::vector<std::string> terms;
        const std::function<void(const QueryTree&)> collect = [&](const QueryTree& node) {
            if (node.op() == QueryTree::Op::term && index_.emplace(node.term_name(), terms.size()).second) {
                terms.push_back(node.term_name());
            }
            for (const QueryTree& child : node.children()) collect(child);
        };
        collect(tree);
        return terms;
    }

    static bool all_current(const std::vector<ShardView>& shards) {
        return std::all_of(shards.begin(), shards.end(),
                           [](const ShardView& shard) { return shard.snapshot->is_current_for(shard.database); });
    }

    // Each shard's task reads its own snapshot's postings, kept for the passes after.
    std::vector<Xapian::doccount> frequencies_in_snapshots(const std::vector<ShardView>& shards,
                                                           const std::vector<std::string>& terms, bool side_by_side) {
        postings_.assign(shards.size(), {});
        run_shard_tasks(
            shards.size(),
            [&](std::size_t n) {
                postings_[n].reserve(terms.size());
                for (const std::string& term : terms) {
                    postings_[n].push_back(shards[n].snapshot->term_postings(term, shards[n].database));
                }
            },
            side_by_side);
        std::vector<Xapian::doccount> frequencies(terms.size(), 0);
        for (const auto& in_shard : postings_) {
            for (std::size_t n = 0; n < terms.size(); ++n) {
                frequencies[n] += static_cast<Xapian::doccount>(in_shard[n]->docids.size());
            }
        }
        return frequencies;
    }

    static std::vector<Xapian::doccount> frequencies_in(const Xapian::Database& combined,
                                                        const std::vector<std::string>& terms) {
        std::vector<Xapian::doccount> frequencies;
        for (const std::string& term : terms) frequencies.push_back(combined.get_termfreq(term));
        return frequencies;
    }

    std::unordered_map<std::string, std::size_t> index_;  // of each of the tree's distinct terms
    std::vector<Xapian::doccount> frequencies_;            // by index
    std::vector<std::vector<std::shared_ptr<const TermPostings>>> postings_;  // by shard, then term index
};

// Calls visit(n) for each n where `docids`[n] is among `listed` (both
// ascending): a few listings are looked up in a long posting list by
// galloping, or a shorter list is walked beside them.
template <typename Visit>
void for_each_listed(const std::vector<Xapian::docid>& listed, const std::vector<Xapian::docid>& docids, Visit visit) {
    if (listed.size() * few_in_gate_ratio < docids.size()) {
        auto from = docids.begin();
        for (const Xapian::docid docid : listed) {
            from = gallop_to(from, docids.end(), docid);
            if (from == docids.end()) return;
            if (*from == docid) visit(static_cast<std::size_t>(from - docids.begin()));
        }
        return;
    }
    for (std::size_t n = 0, g = 0; n < docids.size() && g < listed.size();) {
        if (docids[n] < listed[g]) {
            ++n;
        } else if (listed[g] < docids[n]) {
            ++g;
        } else {
            visit(n++);
            ++g;
        }
    }
}

// The docids of `listed` in `set`.
std::vector<Xapian::docid> listed_in(const std::vector<Xapian::docid>& listed, const DocidSet& set) {
    std::vector<Xapian::docid> found;
    for (const Xapian::docid docid : listed) {
        if (set.contains(docid)) found.push_back(docid);
    }
    return found;
}

// The listings a node is weighed for, with their number (counted once,
// not once per term: a word in 300 brand names has 300 terms). Few
// listings (the first pass of the top-k bound weighs a few hundred of a
// shard's 500,000) are kept as a sorted list: narrowing a gate to an
// operator node's matches then tests each listing, where a bitmap took a
// pass over 62 KB and another to count it, for every node and pass.
class Gate {
public:
    explicit Gate(const DocidSet& listings) : docs_(&listings), count_(listings.count()) {}

    std::size_t count() const { return count_; }

    // The docids in increasing order, listed once for all the terms that look them up.
    const std::vector<Xapian::docid>& listed() const {
        if (!listed_) {
            listed_.emplace();
            listed_->reserve(count_);
            docs_->for_each([&](Xapian::docid docid) { listed_->push_back(docid); });
        }
        return *listed_;
    }

    template <typename Visit>
    void for_each(Visit visit) const {
        if (docs_ == nullptr) {
            for (const Xapian::docid docid : *listed_) visit(docid);
        } else {
            docs_->for_each(visit);
        }
    }

    // Calls visit(n) for each n where sorted `docids`[n] is in the gate.
    template <typename Visit>
    void for_each_of(const std::vector<Xapian::docid>& docids, Visit visit) const {
        if (docs_ != nullptr) {
            for (std::size_t n = 0; n < docids.size(); ++n) {
                if (docs_->contains(docids[n])) visit(n);
            }
            return;
        }
        for_each_listed(*listed_, docids, visit);
    }

    // Whether the gate holds few of a shard's listings: looked up one by
    // one rather than as a set.
    bool is_few(std::size_t shard_size) const { return count_ * listed_below_share < shard_size; }

    // A gate of `listed` (ascending).
    static Gate of_listed(std::vector<Xapian::docid> listed) { return Gate(std::move(listed)); }

    // The listings of the gate in `matching`.
    Gate narrowed_to(const DocidSet& matching) const {
        if (docs_ != nullptr && count_ * listed_below_share >= matching.size()) {
            auto narrowed = std::make_shared<const DocidSet>(DocidSet::intersection(matching, *docs_));
            return Gate(std::move(narrowed));
        }
        return Gate(listed_in(listed(), matching));
    }

private:
    // A gate holding fewer than one listing in this many of the shard's is listed.
    static constexpr std::size_t listed_below_share = 64;

    explicit Gate(std::shared_ptr<const DocidSet> owned)
        : owned_(std::move(owned)), docs_(owned_.get()), count_(owned_->count()) {}
    explicit Gate(std::vector<Xapian::docid> listed) : count_(listed.size()), listed_(std::move(listed)) {}

    std::shared_ptr<const DocidSet> owned_;
    const DocidSet* docs_ = nullptr;  // null for a listed gate
    std::size_t count_;
    mutable std::optional<std::vector<Xapian::docid>> listed_;
};

// A term, or a term scaled (a field's weight): its postings are its matches.
bool is_term(const QueryTree& node) {
    if (node.op() == QueryTree::Op::scale) return is_term(node.children().front());
    return node.op() == QueryTree::Op::term;
}

const std::string& term_of(const QueryTree& node) {
    return node.op() == QueryTree::Op::scale ? term_of(node.children().front()) : node.term_name();
}

// A node weighing only the listings in its own terms' postings, all of them
// matches: a term, or terms scaled and OR'd (a word's fields, its
// completions or typo alternatives). Weighed over a gate, it needs no set
// of its matches.
bool weighs_its_postings(const QueryTree& node) {
    switch (node.op()) {
        case QueryTree::Op::term: return true;
        case QueryTree::Op::scale: return weighs_its_postings(node.children().front());
        case QueryTree::Op::any_of:
            return std::all_of(node.children().begin(), node.children().end(), weighs_its_postings);
        default: return false;
    }
}

// The terms of such a node, as one list (for one cached union).
void collect_terms(const QueryTree& node, std::vector<std::string>& terms) {
    if (node.op() == QueryTree::Op::term) {
        terms.push_back(node.term_name());
        return;
    }
    for (const QueryTree& child : node.children()) collect_terms(child, terms);
}

// The terms of those of an any_of node's children that weigh their
// postings, as one list (read as one union).
std::vector<std::string> terms_weighing_postings(const std::vector<QueryTree>& children) {
    std::vector<std::string> terms;
    for (const QueryTree& child : children) {
        if (weighs_its_postings(child)) collect_terms(child, terms);
    }
    return terms;
}

// A node's matches: a set the snapshot caches (a term's, a union's), shared
// as it is, or one built for the node. Null when the snapshot cannot tell.
using SharedMatches = std::shared_ptr<const DocidSet>;

SharedMatches tree_matches_any(const ShardView& shard, const std::vector<QueryTree>& children);
void fold(Op op, DocidSet& result, const DocidSet& next);

// The listings below a shard snapshot's size matching `node`. A cached set
// is not copied unless it is combined with another (a 500k-listing shard's
// bitmap is 62 KB: copies were 5% of a search's time).
SharedMatches tree_matches(const ShardView& shard, const QueryTree& node) {
    const ShardSnapshot& snapshot = *shard.snapshot;
    switch (node.op()) {
        case Op::term: return snapshot.term_docs(node.term_name(), shard.database);
        case Op::leaf:
        case Op::match_all: return snapshot.present();
        case Op::scale:
        case Op::and_maybe:
        case Op::filter:
        case Op::and_not:
        case Op::all_of:
        case Op::any_of: break;
    }
    const auto& children = node.children();
    if (children.empty()) return std::make_shared<const DocidSet>(snapshot.size());
    if (node.op() == Op::any_of) return tree_matches_any(shard, children);
    SharedMatches first = tree_matches(shard, children.front());
    if (!first || children.size() == 1 || node.op() == Op::scale || node.op() == Op::and_maybe) return first;
    const auto second = tree_matches(shard, children[1]);
    if (!second) return nullptr;
    DocidSet result = node.op() == Op::and_not ? *first : DocidSet::intersection(*first, *second);
    if (node.op() == Op::and_not) result.subtract(*second);
    for (std::size_t n = 2; n < children.size(); ++n) {
        const auto next = tree_matches(shard, children[n]);
        if (!next) return nullptr;
        fold(node.op(), result, *next);
    }
    return std::make_shared<const DocidSet>(std::move(result));
}

// The terms among `children` as one union (cached for a word in many
// brand or category names), then the other children.
SharedMatches tree_matches_any(const ShardView& shard, const std::vector<QueryTree>& children) {
    const ShardSnapshot& snapshot = *shard.snapshot;
    const std::vector<std::string> terms = terms_weighing_postings(children);
    SharedMatches of_terms =
        terms.empty() ? std::make_shared<const DocidSet>(snapshot.size()) : snapshot.union_docs(terms, shard.database);
    const bool others = std::any_of(children.begin(), children.end(),
                                    [](const QueryTree& child) { return !weighs_its_postings(child); });
    if (!others) return of_terms;
    DocidSet result = *of_terms;
    for (const QueryTree& child : children) {
        if (weighs_its_postings(child)) continue;
        const auto next = tree_matches(shard, child);
        if (!next) return nullptr;
        result |= *next;
    }
    return std::make_shared<const DocidSet>(std::move(result));
}

void fold(Op op, DocidSet& result, const DocidSet& next) {
    if (op == Op::any_of) result |= next;
    else if (op == Op::and_not) result.subtract(next);
    else result &= next;
}

// The postings of the terms one query weighs in one shard, and the matches
// of its operator nodes, each read once for all the passes over the shard
// (bounds, then weighing); a word in many brand or category names brings
// its terms' postings as one group, cached in the snapshot.
class ShardReads {
public:
    ShardReads(const ShardView& shard, std::size_t shard_index, const CollectionStatistics& statistics,
               const Bm25Parameters& bm25)
        : shard_(shard),
          shard_index_(shard_index),
          statistics_(statistics),
          bm25_(bm25),
          lengths_(bm25, statistics.doccount, statistics.total_length) {}

    const ShardView& shard() const { return shard_; }
    const CollectionStatistics& statistics() const { return statistics_; }
    // The BM25 weight of `term` times `factor`, with the combined database's statistics.
    TermWeight weight_of(const std::string& term, double factor) const {
        return TermWeight(bm25_, lengths_, statistics_.doccount, statistics_.frequency_of(term), factor);
    }

    // The listings matching `node`, a node of the tree every pass reads
    // (known by its address).
    const DocidSet* matches_of(const QueryTree& node) {
        auto found = matches_.find(&node);
        if (found == matches_.end()) found = matches_.emplace(&node, tree_matches(shard_, node)).first;
        return found->second.get();
    }

    // Reads the term children of an any_of node together.
    void load_group(const std::vector<QueryTree>& children) {
        std::vector<std::string> terms;
        for (const QueryTree& child : children) {
            if (is_term(child)) terms.push_back(term_of(child));
        }
        if (!ShardSnapshot::kept_as_group(terms) || known_.contains(terms.front())) return;
        const auto group = shard_.snapshot->group_postings(terms, shard_.database);
        for (std::size_t n = 0; n < terms.size(); ++n) {
            known_.try_emplace(terms[n], group, &group->of_terms[n]);  // sharing the group's ownership
        }
    }

    const TermPostings& of(const std::string& term) {
        auto [found, added] = known_.try_emplace(term);
        if (!added) return *found->second;
        found->second = statistics_.postings_in(shard_index_, term);
        if (found->second == nullptr) found->second = shard_.snapshot->term_postings(term, shard_.database);
        return *found->second;
    }

private:
    const ShardView& shard_;
    std::size_t shard_index_;
    const CollectionStatistics& statistics_;
    const Bm25Parameters& bm25_;
    LengthNormalisation lengths_;
    std::unordered_map<std::string, std::shared_ptr<const TermPostings>> known_;
    std::unordered_map<const QueryTree*, SharedMatches> matches_;
};

// The docids of `listed` in `postings` (both ascending).
std::vector<Xapian::docid> listed_in(const std::vector<Xapian::docid>& listed,
                                     const std::vector<Xapian::docid>& postings) {
    std::vector<Xapian::docid> found;
    for_each_listed(listed, postings, [&](std::size_t n) { found.push_back(postings[n]); });
    return found;
}

std::vector<Xapian::docid> sorted_union(const std::vector<Xapian::docid>& a, const std::vector<Xapian::docid>& b) {
    std::vector<Xapian::docid> both;
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
    return both;
}

std::vector<Xapian::docid> sorted_difference(const std::vector<Xapian::docid>& a,
                                             const std::vector<Xapian::docid>& b) {
    std::vector<Xapian::docid> rest;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(rest));
    return rest;
}

// The listings of `listed` (ascending, a few of a shard's) that match
// `node`, each looked up in the node's terms: what tree_matches gives, in
// the gate, without building the node's set (a 62 KB bitmap a shard for
// every operator node, most of a query's weighing when it matches a few
// hundred listings).
std::vector<Xapian::docid> listed_matching(ShardReads& reads, const QueryTree& node,
                                           const std::vector<Xapian::docid>& listed) {
    if (listed.empty()) return {};
    const ShardSnapshot& snapshot = *reads.shard().snapshot;
    switch (node.op()) {
        case Op::term: return listed_in(listed, reads.of(node.term_name()).docids);
        case Op::leaf:
        case Op::match_all: return listed_in(listed, *snapshot.present());
        case Op::scale:
        case Op::and_maybe: return listed_matching(reads, node.children().front(), listed);
        case Op::filter:
        case Op::all_of: {
            std::vector<Xapian::docid> matching = listed;
            for (const QueryTree& child : node.children()) matching = listed_matching(reads, child, matching);
            return matching;
        }
        case Op::and_not: {
            const auto& children = node.children();
            std::vector<Xapian::docid> matching = listed_matching(reads, children.front(), listed);
            for (std::size_t n = 1; n < children.size(); ++n) {
                matching = sorted_difference(matching, listed_matching(reads, children[n], matching));
            }
            return matching;
        }
        case Op::any_of: break;
    }
    // A word in many brand or category names: its terms' union, cached in
    // the snapshot, is looked up once rather than each term.
    const std::vector<std::string> terms = terms_weighing_postings(node.children());
    std::vector<Xapian::docid> matching;
    if (ShardSnapshot::kept_as_group(terms)) {
        matching = listed_in(listed, *snapshot.union_docs(terms, reads.shard().database));
    } else {
        for (const std::string& term : terms) matching = sorted_union(matching, listed_in(listed, reads.of(term).docids));
    }
    for (const QueryTree& child : node.children()) {
        if (weighs_its_postings(child)) continue;
        matching = sorted_union(matching, listed_matching(reads, child, sorted_difference(listed, matching)));
    }
    return matching;
}

// Weighs the matches of one shard's snapshot the way Xapian's matcher
// weighs a query tree: a node's weight is the sum of its weighted
// children that match.
class ShardScorer {
public:
    ShardScorer(ShardReads& reads, const DocidSet& matches)
        : snapshot_(*reads.shard().snapshot), reads_(reads), matches_(matches), scores_(matches) {}

    // Adds `node`'s weight times `factor` to the listings of `gate` that
    // match it (for an operator node, the caller made sure all of them do).
    // False if the tree cannot be weighed here.
    bool weigh(const QueryTree& node, double factor, const Gate& gate) {
        switch (node.op()) {
            case Op::term: weigh_term(node.term_name(), factor, gate); return true;
            case Op::leaf: return weigh_leaf(*node.weighted_leaf(), factor, gate);
            case Op::match_all: return factor == 0;  // Xapian would weigh it as a term: not done here
            case Op::scale: return weigh(node.children().front(), factor * node.factor(), gate);
            case Op::all_of:
                for (const QueryTree& child : node.children()) {
                    if (!weigh(child, factor, gate)) return false;
                }
                return true;
            case Op::any_of: return weigh_where_matching(node.children(), 0, factor, gate);
            case Op::and_maybe:
                return weigh(node.children().front(), factor, gate) &&
                       weigh_where_matching(node.children(), 1, factor, gate);
            case Op::filter:
            case Op::and_not: return weigh(node.children().front(), factor, gate);
        }
        return false;
    }

    const MatchScores<double>& scores() const { return scores_; }

private:
    // Children from `first` on weigh where they match.
    bool weigh_where_matching(const std::vector<QueryTree>& children, std::size_t first, double factor,
                              const Gate& gate) {
        reads_.load_group(children);
        for (std::size_t n = first; n < children.size(); ++n) {
            if (!weigh_where_it_matches(children[n], factor, gate)) return false;
        }
        return true;
    }

    // A term's postings are its matches, and a weighted leaf matches every
    // listing; an operator node weighs the listings of the gate it matches.
    bool weigh_where_it_matches(const QueryTree& child, double factor, const Gate& gate) {
        if (weighs_its_postings(child) || child.op() == Op::leaf) return weigh(child, factor, gate);
        if (gate.is_few(snapshot_.size())) {
            return weigh(child, factor, Gate::of_listed(listed_matching(reads_, child, gate.listed())));
        }
        const DocidSet* all_matching = reads_.matches_of(child);
        if (all_matching == nullptr) return false;
        return weigh(child, factor, gate.narrowed_to(*all_matching));
    }

    void weigh_term(const std::string& term, double factor, const Gate& gate) {
        if (factor == 0) return;  // Xapian weighs nothing under a zero factor
        const TermWeight weight = reads_.weight_of(term, factor);
        const TermPostings& postings = reads_.of(term);
        const auto& docids = postings.docids;
        const auto add = [&](std::size_t n) {
            scores_.add(docids[n], weight.of(postings.wdfs[n], snapshot_.doc_length(docids[n])));
        };
        // A few listings in the gate (the first pass of a query about to be
        // relaxed, say) are looked up in a long posting list, not the reverse.
        if (gate.count() * few_in_gate_ratio < docids.size()) return for_each_listed(gate.listed(), docids, add);
        gate.for_each_of(docids, add);
    }

    bool weigh_leaf(const WeightedLeaf& leaf, double factor, const Gate& gate) {
        if (factor == 0) return true;
        // Xapian multiplies a posting source's weight by the factor.
        if (const auto* constant = dynamic_cast<const ConstantLeaf*>(&leaf)) {
            const double weight = factor * constant->weight();
            gate.for_each([&](Xapian::docid docid) { scores_.add(docid, weight); });
            return true;
        }
        if (const auto* freshness = dynamic_cast<const FreshnessLeaf*>(&leaf)) {
            // The listings' dates are read at scattered docids: a batch is
            // fetched ahead, then weighed.
            std::array<Xapian::docid, 16> batch{};
            std::size_t held = 0;
            const auto weigh_batch = [&] {
                for (std::size_t n = 0; n < held; ++n) {
                    scores_.add(batch[n], factor * freshness->bonus(snapshot_.created_at(batch[n])));
                }
                held = 0;
            };
            gate.for_each([&](Xapian::docid docid) {
                snapshot_.prefetch_created_at(docid);
                batch[held++] = docid;
                if (held == batch.size()) weigh_batch();
            });
            weigh_batch();
            return true;
        }
        return false;
    }

    const ShardSnapshot& snapshot_;
    ShardReads& reads_;
    const DocidSet& matches_;
    MatchScores<double> scores_;
};

// Whether a weighted leaf (a ranking signal) is in the tree.
bool has_leaf(const QueryTree& node) {
    if (node.op() == Op::leaf) return true;
    return std::any_of(node.children().begin(), node.children().end(), has_leaf);
}

// Upper bounds of the weight each match of one shard can get, from the
// tree's parts: a listing weighs at most the sum of the bounds of the parts
// it matches. A part is a term (BM25 at its highest wdf in the shortest
// listing), a weighted leaf (its constant, or the most freshness gives)
// or a filtered node over a leaf (the bound of what it weighs, where it
// matches: a relaxed query's per-word bonus, the brand-match signal); sums,
// and filtered nodes over terms alone, are split into their parts. The
// bounds are summed per listing over the matches.
class MatchBounds {
public:
    MatchBounds(ShardReads& reads, const DocidSet& matches) : reads_(reads), bounds_(matches) {}

    // False if the tree holds something it cannot bound.
    bool add(const QueryTree& node, double factor) {
        if (factor < 0) return false;
        if (factor == 0) return true;  // weighs nothing
        switch (node.op()) {
            case Op::match_all: return true;
            case Op::scale: return add(node.children().front(), factor * node.factor());
            case Op::all_of:
            case Op::any_of:
            case Op::and_maybe:
                reads_.load_group(node.children());
                for (const QueryTree& child : node.children()) {
                    if (!add(child, factor)) return false;
                }
                return true;
            case Op::term: {
                const TermPostings& postings = reads_.of(node.term_name());
                add_at(postings.docids, factor * term_bound(node.term_name(), &postings));
                return true;
            }
            case Op::leaf: {
                const auto bound = leaf_bound(*node.weighted_leaf());
                if (!bound) return false;
                everywhere_ += factor * *bound;
                return true;
            }
            case Op::filter:
            case Op::and_not: {
                // Terms alone under the node bound themselves, each on the
                // listings that have it (weights are never negative: where
                // the node does not match they only loosen the bound). One
                // bound for the whole subtree wherever the node matches
                // summed a word's fifty completions for every listing, and
                // every match of "then" reached the threshold. A weighted
                // leaf's bound holds where the node matches.
                if (!has_leaf(node.children().front())) return add(node.children().front(), factor);
                const auto bound = weight_bound(node.children().front());
                const DocidSet* where = reads_.matches_of(node);
                if (!bound || where == nullptr) return false;
                add_where(*where, factor * *bound);
                return true;
            }
        }
        return false;
    }

    // The bounds of the matches by rank (docid order), once every part is
    // added. With a `threshold` some listings must reach (a score another
    // shard's best reached), parts whose bounds add up to well below it
    // are added to every match instead of to the listings that have them
    // (MaxScore's non-essential lists): the bounds stay bounds, a listing
    // with none of the other parts still falls short of the threshold, and
    // the longest posting lists, the least informative words', are not
    // read ("sho": shoes, short, shorts).
    const std::vector<float>& by_rank(std::optional<double> threshold = std::nullopt) {
        if (threshold) fold_parts_below(*threshold * fold_share);
        for (const Part& part : parts_) {
            const auto value = static_cast<float>(part.bound);
            if (part.postings != nullptr) {
                for (const Xapian::docid docid : *part.postings) bounds_.add_if_match(docid, value);
            } else {
                part.where->for_each([&](Xapian::docid docid) { bounds_.add_if_match(docid, value); });
            }
        }
        parts_.clear();
        bounds_.add_to_all(static_cast<float>(everywhere_));
        everywhere_ = 0;
        return bounds_.by_rank();
    }

private:
    // The share of a threshold the parts added to every match may bound.
    // What they add to every bound lets more listings reach the threshold
    // and be weighed: under wrk over the long-tail log, against 0.1, a half
    // lost 9% to 14% and a quarter 2% to 5%; 0.05 did about as well.
    static constexpr double fold_share = 0.1;

    // A part of the tree bounded where it matches: a term's postings, or a
    // node's matches.
    struct Part {
        const std::vector<Xapian::docid>* postings = nullptr;
        const DocidSet* where = nullptr;
        double bound = 0;
        std::size_t size = 0;  // postings (set bits: counted when needed), the cost of adding it
    };

    void add_at(const std::vector<Xapian::docid>& docids, double bound) {
        if (bound > 0) parts_.push_back({.postings = &docids, .bound = bound, .size = docids.size()});
    }

    void add_where(const DocidSet& where, double bound) {
        if (bound > 0) parts_.push_back({.where = &where, .bound = bound});
    }

    // Moves parts into the bound every match gets while that stays below
    // `budget`, the costliest for their bound first.
    void fold_parts_below(double budget) {
        for (Part& part : parts_) {
            if (part.where != nullptr) part.size = part.where->count();
        }
        std::sort(parts_.begin(), parts_.end(), [](const Part& a, const Part& b) {
            return double(a.size) * b.bound > double(b.size) * a.bound;
        });
        std::vector<Part> kept;
        for (const Part& part : parts_) {
            if (everywhere_ + part.bound <= budget) {
                everywhere_ += part.bound;
            } else {
                kept.push_back(part);
            }
        }
        parts_ = std::move(kept);
    }

    // The most the term weighs in this shard: at its highest wdf among the
    // shard's postings (the ones weighed), in the shortest listing. The
    // postings are read for weighing anyway; Xapian's get_wdf_upper_bound
    // read B-tree blocks of every shard for each term, 15% of the time of a
    // two-letter prefix's hundreds of completions.
    double term_bound(const std::string& term, const TermPostings* postings = nullptr) {
        const TermWeight weight = reads_.weight_of(term, 1.0);
        if (postings == nullptr) postings = &reads_.of(term);
        return weight.upper_bound(postings->max_wdf, reads_.statistics().shortest);
    }

    std::optional<double> leaf_bound(const WeightedLeaf& leaf) const {
        if (const auto* constant = dynamic_cast<const ConstantLeaf*>(&leaf)) return constant->weight();
        if (const auto* freshness = dynamic_cast<const FreshnessLeaf*>(&leaf)) {
            return freshness->bonus(std::numeric_limits<double>::max());  // no age: the full weight
        }
        return std::nullopt;
    }

    // The most `node` weighs anywhere (times 1).
    std::optional<double> weight_bound(const QueryTree& node) {
        switch (node.op()) {
            case Op::term: return term_bound(node.term_name());
            case Op::leaf: return leaf_bound(*node.weighted_leaf());
            case Op::match_all: return 0.0;
            case Op::scale: {
                const auto child = weight_bound(node.children().front());
                if (!child || node.factor() < 0) return std::nullopt;
                return *child * node.factor();
            }
            case Op::filter:
            case Op::and_not: return weight_bound(node.children().front());
            case Op::all_of:
            case Op::any_of:
            case Op::and_maybe: break;
        }
        double sum = 0;
        for (const QueryTree& child : node.children()) {
            const auto bound = weight_bound(child);
            if (!bound) return std::nullopt;
            sum += *bound;
        }
        return sum;
    }

    ShardReads& reads_;
    MatchScores<float> bounds_;  // by match, without the part every match gets
    std::vector<Part> parts_;    // bounded where they match, added by by_rank()
    double everywhere_ = 0;
};

// A listing and its score, ordered as Xapian orders its matches: higher
// score first, equal scores by docid across shards.
struct Scored {
    double score;
    Xapian::docid global_id;
    std::size_t shard;
    Xapian::docid docid;  // within its shard

    bool operator<(const Scored& other) const {  // ranks before `other`
        if (score != other.score) return score > other.score;
        return global_id < other.global_id;
    }
};

// The best `count` listings over the shards, and those whose scores nearly
// tie the worst of them (the border's ties). Xapian's matcher adds a
// listing's weights in another order and may rank one of those within the
// best; its final pass can only order the listings it is given, so it is
// given all of those too (in a catalogue of look-alikes, a run of hundreds
// of listings can tie to the last bits across the border).
class BestListings {
public:
    explicit BestListings(std::size_t count) : count_(count) {}

    void offer(const Scored& scored) {
        if (best_.size() < count_) {
            best_.push(scored);
        } else if (count_ > 0 && scored < best_.top()) {
            keep_if_tied(best_.top());
            best_.pop();
            best_.push(scored);
        } else if (count_ > 0) {
            keep_if_tied(scored);
        }
    }

    // `score_of(n)`: the score of the n-th of `listings` in docid order.
    template <typename ScoreOf>
    void offer_all(const DocidSet& listings, ScoreOf score_of, std::size_t shard, std::size_t shard_count) {
        std::size_t n = 0;
        listings.for_each([&](Xapian::docid docid) {
            offer({score_of(n++), combined_docid({shard, docid}, shard_count), shard, docid});
        });
    }

    // The score a listing must beat to be kept, once `count` are.
    std::optional<double> threshold() const {
        if (count_ == 0 || best_.size() < count_) return std::nullopt;
        return best_.top().score;
    }

    // The best, worst first, then the border's ties in no order.
    std::vector<Scored> take() {
        drop_untied();
        std::vector<Scored> listings;
        for (; !best_.empty(); best_.pop()) listings.push_back(best_.top());
        listings.insert(listings.end(), border_ties_.begin(), border_ties_.end());
        border_ties_.clear();
        return listings;
    }

private:
    // A listing left out that ties the worst kept, as the worst is now (it
    // only rises: one not tied now never will be).
    void keep_if_tied(const Scored& left_out) {
        if (!nearly_tied(left_out.score, best_.top().score)) return;
        border_ties_.push_back(left_out);
        if (border_ties_.size() > 2 * border_ties_checked_) drop_untied();
    }
    void drop_untied() {
        if (best_.empty()) return;
        const double worst = best_.top().score;
        std::erase_if(border_ties_, [&](const Scored& listing) { return !nearly_tied(listing.score, worst); });
        border_ties_checked_ = std::max<std::size_t>(border_ties_.size(), 64);
    }

    std::size_t count_;
    std::priority_queue<Scored> best_;  // the worst kept on top
    std::vector<Scored> border_ties_;
    std::size_t border_ties_checked_ = 64;
};

// Each listing's exact score over `listings` (a shard's), in docid order.
std::optional<std::vector<double>> exact_scores(ShardReads& reads, const QueryTree& scored, const DocidSet& listings) {
    ShardScorer scorer(reads, listings);
    if (!scorer.weigh(scored, 1.0, Gate(listings))) return std::nullopt;
    const std::size_t count = listings.count();
    std::vector<double> scores(count);
    for (std::size_t n = 0; n < count; ++n) scores[n] = scorer.scores().nth(n);
    return scores;
}

// Values are compared this many at a time (vectorised) before one is
// looked at alone: most of a top-k bound's values fall below what it seeks.
constexpr std::size_t values_compared_together = 16;

// Whether any of the `values_compared_together` values from `values` passes `passes`.
template <typename Value, typename Passes>
bool any_in_block(const Value* values, Passes passes) {
    std::size_t passing = 0;
    for (std::size_t n = 0; n < values_compared_together; ++n) passing += passes(values[n]) ? 1 : 0;
    return passing != 0;
}

// The ranks (indexes, ascending) of the values at least `lowest`.
template <typename Value>
std::vector<std::size_t> ranks_at_least(const std::vector<Value>& values, Value lowest) {
    std::vector<std::size_t> ranks;
    const auto reaches = [&](Value value) { return value >= lowest; };
    std::size_t n = 0;
    for (; n + values_compared_together <= values.size(); n += values_compared_together) {
        if (!any_in_block(values.data() + n, reaches)) continue;
        for (std::size_t in_block = n; in_block < n + values_compared_together; ++in_block) {
            if (reaches(values[in_block])) ranks.push_back(in_block);
        }
    }
    for (; n < values.size(); ++n) {
        if (reaches(values[n])) ranks.push_back(n);
    }
    return ranks;
}

// The ranks of exactly `wanted` of `values` (ascending): the highest values
// and, among those tying at the lowest value taken, the lowest ranks (a
// word's bounds are all alike, and taking every tie weighed every match
// twice). A heap of the best so far, whose worst rises as it fills: a block
// of values none of which beats it is passed over at once.
template <typename Value>
std::vector<std::size_t> ranks_of_highest(const std::vector<Value>& values, std::size_t wanted) {
    struct Ranked {
        Value value;
        std::size_t rank;
    };
    // The heap's front is the worst kept: the lowest value, the highest rank among equals.
    const auto better = [](const Ranked& a, const Ranked& b) {
        return a.value > b.value || (a.value == b.value && a.rank < b.rank);
    };
    std::vector<Ranked> best;
    best.reserve(wanted);
    const auto offer = [&](std::size_t rank) {
        if (best.size() < wanted) {
            best.push_back({values[rank], rank});
            std::push_heap(best.begin(), best.end(), better);
        } else if (values[rank] > best.front().value) {  // an equal value has a higher rank: not better
            std::pop_heap(best.begin(), best.end(), better);
            best.back() = {values[rank], rank};
            std::push_heap(best.begin(), best.end(), better);
        }
    };
    std::size_t n = 0;
    for (; n < values.size() && best.size() < wanted; ++n) offer(n);
    for (; wanted > 0 && n + values_compared_together <= values.size(); n += values_compared_together) {
        const Value worst_kept = best.front().value;
        if (!any_in_block(values.data() + n, [&](Value value) { return value > worst_kept; })) continue;
        for (std::size_t in_block = n; in_block < n + values_compared_together; ++in_block) offer(in_block);
    }
    for (; wanted > 0 && n < values.size(); ++n) offer(n);
    std::vector<std::size_t> ranks;
    ranks.reserve(best.size());
    for (const Ranked& kept : best) ranks.push_back(kept.rank);
    std::sort(ranks.begin(), ranks.end());
    return ranks;
}

// The k-th largest of `values` (k from 1; values.size() >= k): the least of
// the k highest.
double kth_largest(const std::vector<double>& values, std::size_t k) {
    double least = std::numeric_limits<double>::infinity();
    for (const std::size_t rank : ranks_of_highest(values, k)) least = std::min(least, values[rank]);
    return least;
}

// The matches of a shard that may rank: those weighed to find the
// threshold, with their scores, and the others to weigh.
struct MayRank {
    DocidSet weighed;
    std::vector<double> scores;  // of `weighed`, in docid order
    DocidSet to_weigh;
};

// MaxScore over the whole tree, in two steps: the `kept` listings with the
// highest bounds are weighed, and the kept-th best of their scores (or the
// best kept so far over the shards, when higher) is a score the final
// `kept` all reach; only the matches whose bound reaches it can rank, and
// those not weighed yet are returned to be weighed (weighing the first ones
// again was a fifth of the weighing of a relaxed query). nullopt when the
// tree cannot be bounded (everything is weighed then). Listings left out
// score below the kept-th best: the top `kept` and their order are exactly
// the exhaustive ones.
std::optional<MayRank> listings_that_may_rank(ShardReads& reads, const QueryTree& scored, const DocidSet& matches,
                                              std::size_t kept, std::optional<double> best_so_far) {
    MatchBounds bounds(reads, matches);
    if (!bounds.add(scored, 1.0)) return std::nullopt;
    const std::vector<float>& bound_of = bounds.by_rank(best_so_far);
    const auto reaching = [&](double threshold) {
        // Scores are sums of the same terms in another order than the
        // bounds, and bounds are rounded to single precision: a margin far
        // above rounding keeps a listing that ties it.
        return ranks_at_least(bound_of,
                              static_cast<float>(threshold - (std::abs(threshold) + 1) * bound_rounding_margin));
    };
    // A shard weighed before this one gave a threshold: when few listings
    // reach it, they are weighed without a first pass of their own (a pass
    // over every posting of the tree: shards are weighed one after another
    // on a busy server).
    if (best_so_far) {
        std::vector<std::size_t> ranks = reaching(*best_so_far);
        if (ranks.size() <= kept * listings_weighed_without_first_pass_per_kept) {
            return MayRank{.weighed = DocidSet(matches.size()), .scores = {}, .to_weigh = matches.at_ranks(ranks)};
        }
    }
    // Any listings give a threshold: the final `kept` best all score at
    // least the kept-th best of them.
    DocidSet first = matches.at_ranks(ranks_of_highest(bound_of, std::min(bound_of.size(), kept * first_pass_per_kept)));
    auto first_scores = exact_scores(reads, scored, first);
    if (!first_scores) return std::nullopt;
    double threshold = kth_largest(*first_scores, kept);
    if (best_so_far) threshold = std::max(threshold, *best_so_far);
    DocidSet to_weigh = matches.at_ranks(reaching(threshold));
    to_weigh.subtract(first);
    return MayRank{.weighed = std::move(first), .scores = std::move(*first_scores), .to_weigh = std::move(to_weigh)};
}

// A thousand times the rounding seen, and still far below what a ranking
// signal tells apart.
constexpr double rounding_tie = 1e-12;

}  // namespace

bool nearly_tied(double a, double b) { return std::abs(a - b) <= rounding_tie * std::max(std::abs(a), std::abs(b)); }

namespace {

// The listing's wdf for `term` in its shard (0: the listing lacks it).
Xapian::termcount wdf_of(const ShardView& shard, const std::string& term, Xapian::docid docid) {
    const auto postings = shard.snapshot->term_postings(term, shard.database);
    const auto found = std::lower_bound(postings->docids.begin(), postings->docids.end(), docid);
    if (found == postings->docids.end() || *found != docid) return 0;
    return postings->wdfs[static_cast<std::size_t>(found - postings->docids.begin())];
}

// Whether BM25 normalises two listing lengths alike: the same length, or
// both shorter than the shortest length it tells apart (min_normlen of the
// average; a margin keeps a length at the border, which Xapian's own
// average could put on the other side, out).
bool normalised_alike(Xapian::termcount a, Xapian::termcount b, const Bm25Parameters& bm25, double average_length) {
    if (a == b) return true;
    if (bm25.b == 0 || bm25.k1 == 0) return true;  // lengths do not count
    if (average_length <= 0) return false;
    const double below = bm25.min_normlen * (1 - 1e-9) * average_length;
    return a < below && b < below;
}

// Whether every signal of the tree weighs `above` at least as much as
// `below`: constants weigh both the same, and freshness (from dates the
// snapshots hold exactly, as Xapian reads them) gives `above` no less.
bool signals_no_less(const QueryTree& node, const ShardView& shard_above, Xapian::docid above,
                     const ShardView& shard_below, Xapian::docid below) {
    if (node.op() == Op::leaf) {
        const WeightedLeaf& leaf = *node.weighted_leaf();
        if (dynamic_cast<const ConstantLeaf*>(&leaf) != nullptr) return true;
        const auto* freshness = dynamic_cast<const FreshnessLeaf*>(&leaf);
        if (freshness == nullptr) return false;
        return shard_above.snapshot->created_at_exact(above) && shard_below.snapshot->created_at_exact(below) &&
               freshness->bonus(shard_above.snapshot->created_at(above)) >=
                   freshness->bonus(shard_below.snapshot->created_at(below));
    }
    return std::all_of(node.children().begin(), node.children().end(), [&](const QueryTree& child) {
        return signals_no_less(child, shard_above, above, shard_below, below);
    });
}

}  // namespace

OrderedAlike::OrderedAlike(std::vector<ShardView> shards, const Xapian::Database& combined,
                           std::shared_ptr<const QueryTree> scored, const Bm25Parameters& bm25)
    : shards_(std::move(shards)),
      scored_(std::move(scored)),
      bm25_(bm25),
      average_length_(combined.get_doccount() == 0 ? 0.0
                                                   : double(combined.get_total_length()) / combined.get_doccount()) {}

const std::vector<std::string>& OrderedAlike::terms() const {
    if (!terms_) {
        terms_.emplace();
        collect_terms(*scored_, *terms_);
        std::sort(terms_->begin(), terms_->end());
        terms_->erase(std::unique(terms_->begin(), terms_->end()), terms_->end());
    }
    return *terms_;
}

bool OrderedAlike::operator()(const ScoredCandidate& above, const ScoredCandidate& below) const {
    const ShardView& shard_above = shards_[above.shard];
    const ShardView& shard_below = shards_[below.shard];
    // Tied in Xapian's sums, `above` must come first by docid.
    if (combined_docid({above.shard, above.docid}, shards_.size()) >=
        combined_docid({below.shard, below.docid}, shards_.size())) {
        return false;
    }
    if (!normalised_alike(shard_above.snapshot->doc_length(above.docid), shard_below.snapshot->doc_length(below.docid),
                          bm25_, average_length_)) {
        return false;
    }
    if (!signals_no_less(*scored_, shard_above, above.docid, shard_below, below.docid)) return false;
    return std::all_of(terms().begin(), terms().end(), [&](const std::string& term) {
        return wdf_of(shard_above, term, above.docid) == wdf_of(shard_below, term, below.docid);
    });
}

std::uint64_t SnapshotCandidates::candidate_count() const {
    std::uint64_t total = 0;
    for (const auto& shard : docids) total += shard.size();
    return total;
}

namespace {

// The highest kept-th best score of any shard weighed so far. Each shard's
// kept-th best is a score the query's final `kept` all reach, so shards
// weighed after one (or beside it, once it is done) bound against it.
class SharedThreshold {
public:
    std::optional<double> get() const {
        std::lock_guard lock(mutex_);
        return value_;
    }
    void raise(std::optional<double> score) {
        if (!score) return;
        std::lock_guard lock(mutex_);
        if (!value_ || *score > *value_) value_ = score;
    }

private:
    mutable std::mutex mutex_;
    std::optional<double> value_;
};

// The best `kept` listings of one shard's matches, weighed on its snapshot;
// nullopt when the tree holds something the snapshot cannot weigh.
std::optional<std::vector<Scored>> best_in_shard(const ShardView& shard, std::size_t shard_index,
                                                 std::size_t shard_count, const DocidSet& matches,
                                                 const CollectionStatistics& statistics, const QueryTree& scored,
                                                 const Bm25Parameters& bm25, std::size_t kept, ScoringBound bound,
                                                 SharedThreshold& threshold) {
    const std::size_t match_count = matches.count();
    if (match_count == 0) return std::vector<Scored>{};
    ShardReads reads(shard, shard_index, statistics, bm25);
    const bool bounded = match_count > kept && (bound == ScoringBound::top_k_always ||
                                                (bound == ScoringBound::top_k && match_count >= min_matches_to_bound));
    const auto may_rank = bounded ? listings_that_may_rank(reads, scored, matches, kept, threshold.get()) : std::nullopt;
    BestListings best(kept);
    if (may_rank) {
        best.offer_all(may_rank->weighed, [&](std::size_t n) { return may_rank->scores[n]; }, shard_index,
                       shard_count);
    }
    const DocidSet& to_weigh = may_rank ? may_rank->to_weigh : matches;
    ShardScorer scorer(reads, to_weigh);
    if (!scorer.weigh(scored, 1.0, Gate(to_weigh))) return std::nullopt;
    best.offer_all(to_weigh, [&](std::size_t n) { return scorer.scores().nth(n); }, shard_index, shard_count);
    threshold.raise(best.threshold());
    return best.take();
}

}  // namespace

std::optional<SnapshotCandidates> snapshot_candidates(const std::vector<ShardView>& shards,
                                                      const Xapian::Database& combined,
                                                      const QueryTree& scored, const Bm25Parameters& bm25,
                                                      const Filters& filters, const FilteredQueries& queries,
                                                      std::size_t count, ScoringBound bound, bool side_by_side,
                                                      std::uint64_t ranked_from_matches) {
    const std::size_t shard_count = shards.size();
    std::vector<std::optional<DocidSet>> matches = matches_in_snapshots(shards, filters, queries, side_by_side);
    SnapshotCandidates candidates;
    candidates.docids.resize(shard_count);
    for (const auto& shard_matches : matches) {
        if (!shard_matches) return std::nullopt;
        candidates.matches += shard_matches->count();
    }
    // With no match, no term of the tree is looked up.
    if (candidates.matches > 0 && candidates.matches >= ranked_from_matches) {
        const CollectionStatistics statistics(combined, shards, scored, side_by_side);
        const std::size_t kept = count + candidate_margin;
        SharedThreshold threshold;
        std::vector<std::optional<std::vector<Scored>>> best_of_shard(shard_count);
        run_shard_tasks(
            shard_count,
            [&](std::size_t n) {
                best_of_shard[n] = best_in_shard(shards[n], n, shard_count, *matches[n], statistics, scored, bm25,
                                                 kept, bound, threshold);
            },
            side_by_side && candidates.matches >= min_matches_side_by_side);
        BestListings best(kept);
        for (const auto& shard_best : best_of_shard) {
            if (!shard_best) return std::nullopt;
            for (const Scored& listing : *shard_best) best.offer(listing);
        }
        std::vector<Scored> taken = best.take();
        std::sort(taken.begin(), taken.end());
        for (const Scored& listing : taken) {
            candidates.docids[listing.shard].push_back(listing.docid);
            candidates.ranked.push_back({listing.score, listing.shard, listing.docid});
        }
        for (auto& docids : candidates.docids) std::sort(docids.begin(), docids.end());
    }
    for (auto& shard_matches : matches) candidates.matching.push_back(std::move(*shard_matches));
    return candidates;
}

namespace {

// The scores of the `listings` in shard `shard_index` (written at their
// places in `scores`); false when the tree cannot be weighed there or a
// listing is beyond the snapshot.
bool scores_in_shard(const ShardView& shard, std::size_t shard_index, const CollectionStatistics& statistics,
                     const QueryTree& scored, const Bm25Parameters& bm25, const std::vector<ListingAddress>& listings,
                     std::vector<double>& scores) {
    const auto in_shard = [&](const ListingAddress& listing) { return listing.shard == shard_index; };
    if (std::none_of(listings.begin(), listings.end(), in_shard)) return true;
    DocidSet listed(shard.snapshot->size());
    for (const ListingAddress& listing : listings) {
        if (!in_shard(listing)) continue;
        if (listing.docid == 0 || listing.docid >= shard.snapshot->size()) return false;
        listed.add(listing.docid);
    }
    ShardReads reads(shard, shard_index, statistics, bm25);
    const auto in_docid_order = exact_scores(reads, scored, listed);
    if (!in_docid_order) return false;
    // The n-th listing of the set in docid order has the n-th score.
    std::vector<Xapian::docid> ascending;
    listed.for_each([&](Xapian::docid docid) { ascending.push_back(docid); });
    for (std::size_t n = 0; n < listings.size(); ++n) {
        if (!in_shard(listings[n])) continue;
        const auto at = std::lower_bound(ascending.begin(), ascending.end(), listings[n].docid) - ascending.begin();
        scores[n] = (*in_docid_order)[static_cast<std::size_t>(at)];
    }
    return true;
}

}  // namespace

std::optional<std::vector<double>> snapshot_scores(const std::vector<ShardView>& shards,
                                                   const Xapian::Database& combined, const QueryTree& scored,
                                                   const Bm25Parameters& bm25,
                                                   const std::vector<ListingAddress>& listings, bool side_by_side) {
    std::vector<double> scores(listings.size());
    const CollectionStatistics statistics(combined, shards, scored, side_by_side);
    std::vector<char> weighed(shards.size(), 0);
    run_shard_tasks(
        shards.size(),
        [&](std::size_t n) { weighed[n] = scores_in_shard(shards[n], n, statistics, scored, bm25, listings, scores); },
        side_by_side);
    if (std::find(weighed.begin(), weighed.end(), 0) != weighed.end()) return std::nullopt;
    return scores;
}

Xapian::Query candidates_query(const std::vector<ShardView>& shards, const SnapshotCandidates& candidates) {
    auto listed = std::make_shared<std::vector<CandidatesSource::Shard>>();
    for (std::size_t shard = 0; shard < shards.size(); ++shard) {
        listed->push_back({shards[shard].snapshot->uuid(), candidates.docids[shard],
                           static_cast<Xapian::docid>(shards[shard].snapshot->size())});
    }
    return Xapian::Query((new CandidatesSource(listed))->release());
}

}  // namespace query
