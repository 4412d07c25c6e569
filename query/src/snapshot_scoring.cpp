#include "snapshot_scoring.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>

#include "posting_sources.h"

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

// One term's BM25 weight as Xapian::BM25Weight computes it (init() and
// get_sumpart(), with k2 = 0, k3 = 1 and a query term frequency of 1),
// from the statistics of the combined database.
class TermWeight {
public:
    TermWeight(const Bm25Parameters& bm25, const Xapian::Database& combined, Xapian::doccount termfreq_of_term,
               double factor)
        : bm25_(bm25) {
        const double collection_size = combined.get_doccount();
        const double termfreq = termfreq_of_term;
        double tw = (collection_size - termfreq + 0.5) / (termfreq + 0.5);
        if (tw < 2) tw = tw * 0.5 + 1;
        const double k3 = 1, wqf = 1;
        termweight_ = std::log(tw) * factor;
        termweight_ *= (k3 + 1) * wqf / (k3 + wqf);
        termweight_ *= (bm25.k1 + 1);
        if (bm25.b != 0 && bm25.k1 != 0 && collection_size > 0) {
            const double average_length = double(combined.get_total_length()) / collection_size;
            if (average_length != 0) length_factor_ = 1 / average_length;
        }
        // Most postings have wdf 1 and a short listing: their weights are
        // looked up (the same arithmetic, done once per length).
        for (Xapian::termcount length = 0; length < once_by_length_.size(); ++length) {
            once_by_length_[length] = computed(1, length);
        }
    }

    double of(Xapian::termcount wdf, Xapian::termcount length) const {
        if (wdf == 1 && length < once_by_length_.size()) return once_by_length_[length];
        return computed(wdf, length);
    }

private:
    double computed(Xapian::termcount wdf, Xapian::termcount length) const {
        const double normlen = std::max(length * length_factor_, bm25_.min_normlen);
        const double wdf_double = wdf;
        const double denominator = bm25_.k1 * (normlen * bm25_.b + (1 - bm25_.b)) + wdf_double;
        return termweight_ * (wdf_double / denominator);
    }

    const Bm25Parameters& bm25_;
    double termweight_ = 0;
    double length_factor_ = 0;
    std::array<double, 256> once_by_length_{};
};

// Scores of the matching listings of one shard, in a compact array: a
// listing's slot is its rank among the matches (a popcount away).
class MatchScores {
public:
    // With `tracked`, the slots given weight are listed (for best_of, which
    // reads a child's scores back and clears them).
    explicit MatchScores(const DocidSet& matches, bool tracked = false)
        : words_(matches.words()), tracked_(tracked) {
        ranks_before_.reserve(words_.size());
        std::size_t rank = 0;
        for (std::uint64_t word : words_) {
            ranks_before_.push_back(static_cast<std::uint32_t>(rank));
            rank += static_cast<std::size_t>(std::popcount(word));
        }
        scores_.assign(rank, 0.0);
    }

    // `docid` must be a match.
    void add(Xapian::docid docid, double weight) { add_at(slot_of(docid), weight); }
    void add_at(std::size_t slot, double weight) {
        if (tracked_ && weight != 0 && scores_[slot] == 0) touched_.push_back(slot);
        scores_[slot] += weight;
    }
    // The score of the n-th match in docid order.
    double nth(std::size_t n) const { return scores_[n]; }
    // Calls visit(slot, score) for each slot given weight since the last
    // call, and zeroes it (tracked scores only).
    template <typename Visit>
    void take_touched(Visit visit) {
        for (const std::size_t slot : touched_) {
            visit(slot, scores_[slot]);
            scores_[slot] = 0;
        }
        touched_.clear();
    }

private:
    std::size_t slot_of(Xapian::docid docid) const {
        const std::size_t word = docid >> 6;
        const std::uint64_t below = words_[word] & ((std::uint64_t{1} << (docid & 63)) - 1);
        return ranks_before_[word] + static_cast<std::size_t>(std::popcount(below));
    }

    const std::vector<std::uint64_t>& words_;
    std::vector<std::uint32_t> ranks_before_;
    std::vector<double> scores_;
    bool tracked_;
    std::vector<std::size_t> touched_;
};

// Terms' frequencies over the combined database, each looked up once
// per query (a lookup reads B-tree blocks of every shard).
class TermFrequencies {
public:
    explicit TermFrequencies(const Xapian::Database& combined) : combined_(combined) {}

    Xapian::doccount of(const std::string& term) {
        auto [found, added] = known_.try_emplace(term, 0);
        if (added) found->second = combined_.get_termfreq(term);
        return found->second;
    }

private:
    const Xapian::Database& combined_;
    std::unordered_map<std::string, Xapian::doccount> known_;
};

// The listings a node is weighed for, with their number (counted once,
// not once per term: a word in 300 brand names has 300 terms).
struct Gate {
    explicit Gate(const DocidSet& listings) : docs(listings), count(listings.count()) {}
    const DocidSet& docs;
    std::size_t count;
};

// A term, or a term scaled (a field's weight): its postings are its matches.
bool is_term(const QueryTree& node) {
    if (node.op() == QueryTree::Op::scale) return is_term(node.children().front());
    return node.op() == QueryTree::Op::term;
}

const std::string& term_of(const QueryTree& node) {
    return node.op() == QueryTree::Op::scale ? term_of(node.children().front()) : node.term_name();
}

// Weighs the matches of one shard's snapshot the way Xapian's matcher
// weighs a query tree: a node's weight is the sum of its weighted
// children that match.
class ShardScorer {
public:
    ShardScorer(const ShardView& shard, const Xapian::Database& combined, TermFrequencies& termfreqs,
                const Bm25Parameters& bm25, const DocidSet& matches)
        : shard_(shard), snapshot_(*shard.snapshot), combined_(combined), termfreqs_(termfreqs), bm25_(bm25),
          matches_(matches), scores_(matches), target_(&scores_) {}

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
            case Op::best_of: return weigh_best(node.children(), factor, gate);
            case Op::and_maybe:
                return weigh(node.children().front(), factor, gate) &&
                       weigh_where_matching(node.children(), 1, factor, gate);
            case Op::filter:
            case Op::and_not: return weigh(node.children().front(), factor, gate);
        }
        return false;
    }

    const MatchScores& scores() const { return scores_; }

private:
    // Children from `first` on weigh where they match.
    bool weigh_where_matching(const std::vector<QueryTree>& children, std::size_t first, double factor,
                              const Gate& gate) {
        for (std::size_t n = first; n < children.size(); ++n) {
            if (!weigh_where_it_matches(children[n], factor, gate)) return false;
        }
        return true;
    }

    // A term's postings are its matches, and a weighted leaf matches every
    // listing; an operator node weighs the listings of the gate it matches.
    bool weigh_where_it_matches(const QueryTree& child, double factor, const Gate& gate) {
        if (is_term(child) || child.op() == Op::leaf) return weigh(child, factor, gate);
        auto matching = matches_of(child);
        if (!matching) return false;
        *matching &= gate.docs;
        return weigh(child, factor, Gate(*matching));
    }

    // Each listing gets the weight of its best matching child (Xapian's
    // OP_MAX): every child weighs into a scratch array, whose touched slots
    // fold into the best so far; the best are added to the target at the end.
    bool weigh_best(const std::vector<QueryTree>& children, double factor, const Gate& gate) {
        Scratch& scratch = scratch_at(best_depth_++);
        MatchScores* outer = target_;
        target_ = &scratch.child;
        bool weighed = true;
        for (const QueryTree& child : children) {
            weighed = weighed && weigh_where_it_matches(child, factor, gate);
            scratch.child.take_touched([&](std::size_t slot, double weight) {
                scratch.best_of_slot[slot] = std::max(scratch.best_of_slot[slot], weight);
                scratch.best_slots.push_back(slot);
            });
        }
        target_ = outer;
        for (const std::size_t slot : scratch.best_slots) {
            if (scratch.best_of_slot[slot] == 0) continue;  // listed twice: added already
            target_->add_at(slot, scratch.best_of_slot[slot]);
            scratch.best_of_slot[slot] = 0;
        }
        scratch.best_slots.clear();
        --best_depth_;
        return weighed;
    }

    // Scratch arrays for best_of, one pair per depth of nested best_of
    // nodes, made when first needed and reused.
    struct Scratch {
        explicit Scratch(const DocidSet& matches) : child(matches, true), best_of_slot(child_slots(matches), 0) {}
        static std::size_t child_slots(const DocidSet& matches) { return matches.count(); }
        MatchScores child;
        std::vector<double> best_of_slot;
        std::vector<std::size_t> best_slots;
    };
    Scratch& scratch_at(std::size_t depth) {
        while (scratches_.size() <= depth) scratches_.push_back(std::make_unique<Scratch>(matches_));
        return *scratches_[depth];
    }

    void weigh_term(const std::string& term, double factor, const Gate& gate) {
        if (factor == 0) return;  // Xapian weighs nothing under a zero factor
        const TermWeight weight(bm25_, combined_, termfreqs_.of(term), factor);
        const auto postings = snapshot_.term_postings(term, shard_.database);
        const auto& docids = postings->docids;
        const auto add = [&](std::size_t n) {
            target_->add(docids[n], weight.of(postings->wdfs[n], snapshot_.doc_length(docids[n])));
        };
        // A few listings in the gate (the first pass of a query about to be
        // relaxed, say) are looked up in a long posting list, not the reverse.
        if (gate.count * few_in_gate_ratio < docids.size()) {
            auto from = docids.begin();
            gate.docs.for_each([&](Xapian::docid docid) {
                from = std::lower_bound(from, docids.end(), docid);
                if (from != docids.end() && *from == docid) add(static_cast<std::size_t>(from - docids.begin()));
            });
            return;
        }
        for (std::size_t n = 0; n < docids.size(); ++n) {
            if (gate.docs.contains(docids[n])) add(n);
        }
    }

    bool weigh_leaf(const WeightedLeaf& leaf, double factor, const Gate& gate) {
        if (factor == 0) return true;
        // Xapian multiplies a posting source's weight by the factor.
        if (const auto* constant = dynamic_cast<const ConstantLeaf*>(&leaf)) {
            const double weight = factor * constant->weight();
            gate.docs.for_each([&](Xapian::docid docid) { target_->add(docid, weight); });
            return true;
        }
        if (const auto* freshness = dynamic_cast<const FreshnessLeaf*>(&leaf)) {
            gate.docs.for_each([&](Xapian::docid docid) {
                target_->add(docid, factor * freshness->bonus(snapshot_.created_at(docid)));
            });
            return true;
        }
        return false;
    }

    // The listings below the snapshot's size matching `node`.
    std::optional<DocidSet> matches_of(const QueryTree& node) const {
        switch (node.op()) {
            case Op::term: return *snapshot_.term_docs(node.term_name(), shard_.database);
            case Op::leaf:
            case Op::match_all: return snapshot_.evaluate(Xapian::Query::MatchAll, shard_.database);
            case Op::scale:
            case Op::and_maybe:
            case Op::filter:
            case Op::and_not:
            case Op::all_of:
            case Op::any_of:
            case Op::best_of: break;
        }
        const auto& children = node.children();
        if (children.empty()) return DocidSet(snapshot_.size());
        if (node.op() == Op::any_of || node.op() == Op::best_of) return matches_of_any(children);
        auto result = matches_of(children.front());
        if (node.op() == Op::scale || node.op() == Op::and_maybe) return result;
        for (std::size_t n = 1; n < children.size() && result; ++n) {
            const QueryTree& child = children[n];
            if (child.op() == Op::term) {  // the cached set as it is, not a copy
                fold(node.op(), *result, *snapshot_.term_docs(child.term_name(), shard_.database));
                continue;
            }
            const auto next = matches_of(child);
            if (!next) return std::nullopt;
            fold(node.op(), *result, *next);
        }
        return result;
    }

    // The terms among `children` as one union (cached for a word in many
    // brand or category names), then the other children.
    std::optional<DocidSet> matches_of_any(const std::vector<QueryTree>& children) const {
        std::vector<std::string> terms;
        for (const QueryTree& child : children) {
            if (is_term(child)) terms.push_back(term_of(child));
        }
        std::optional<DocidSet> result =
            terms.empty() ? DocidSet(snapshot_.size()) : *snapshot_.union_docs(terms, shard_.database);
        for (const QueryTree& child : children) {
            if (is_term(child)) continue;
            const auto next = matches_of(child);
            if (!next) return std::nullopt;
            *result |= *next;
        }
        return result;
    }

    static void fold(Op op, DocidSet& result, const DocidSet& next) {
        if (op == Op::any_of || op == Op::best_of) result |= next;
        else if (op == Op::and_not) result.subtract(next);
        else result &= next;
    }

    const ShardView& shard_;
    const ShardSnapshot& snapshot_;
    const Xapian::Database& combined_;
    TermFrequencies& termfreqs_;
    const Bm25Parameters& bm25_;
    const DocidSet& matches_;
    MatchScores scores_;
    MatchScores* target_;  // where weights go: the scores, or a best_of child's scratch
    std::vector<std::unique_ptr<Scratch>> scratches_;
    std::size_t best_depth_ = 0;
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

// The best `count` listings over the shards.
class BestListings {
public:
    explicit BestListings(std::size_t count) : count_(count) {}

    void offer_all(const DocidSet& matches, const MatchScores& scores, std::size_t shard, std::size_t shard_count) {
        std::size_t n = 0;
        matches.for_each([&](Xapian::docid docid) {
            const Scored scored{scores.nth(n++), static_cast<Xapian::docid>((docid - 1) * shard_count + shard + 1),
                                shard, docid};
            if (best_.size() < count_) {
                best_.push(scored);
            } else if (count_ > 0 && scored < best_.top()) {
                best_.pop();
                best_.push(scored);
            }
        });
    }

    std::vector<Scored> take() {
        std::vector<Scored> listings;
        for (; !best_.empty(); best_.pop()) listings.push_back(best_.top());
        return listings;
    }

private:
    std::size_t count_;
    std::priority_queue<Scored> best_;  // the worst kept on top
};

}  // namespace

std::uint64_t SnapshotCandidates::candidate_count() const {
    std::uint64_t total = 0;
    for (const auto& shard : docids) total += shard.size();
    return total;
}

std::optional<SnapshotCandidates> snapshot_candidates(const std::vector<ShardView>& shards,
                                                      const Xapian::Database& combined,
                                                      const QueryTree& scored, const Bm25Parameters& bm25,
                                                      const Filters& filters, const FilteredQueries& queries,
                                                      std::size_t count) {
    SnapshotCandidates candidates;
    candidates.docids.resize(shards.size());
    BestListings best(count + candidate_margin);
    TermFrequencies termfreqs(combined);
    for (std::size_t shard_index = 0; shard_index < shards.size(); ++shard_index) {
        const ShardView& shard = shards[shard_index];
        auto matches = matches_in_snapshot(shard, filters, queries);
        if (!matches) return std::nullopt;
        {
            ShardScorer scorer(shard, combined, termfreqs, bm25, *matches);
            if (!scorer.weigh(scored, 1.0, Gate(*matches))) return std::nullopt;
            best.offer_all(*matches, scorer.scores(), shard_index, shards.size());
        }
        candidates.matches += matches->count();
        candidates.matching.push_back(std::move(*matches));
    }
    for (const Scored& listing : best.take()) candidates.docids[listing.shard].push_back(listing.docid);
    for (auto& docids : candidates.docids) std::sort(docids.begin(), docids.end());
    return candidates;
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
