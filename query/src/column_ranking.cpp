#include "column_ranking.h"

#include <algorithm>
#include <queue>

#include "analyzers/document_layout.h"
#include "ranking_signals.h"
#include "shard_tasks.h"

namespace query {
namespace {

// A candidate with its sort key: a smaller key ranks first.
struct Candidate {
    double key;
    double newest_first;      // minus created_at
    Xapian::docid global_id;  // the docid across shards, as Xapian numbers them
    ListingAddress listing;

    bool operator<(const Candidate& other) const {
        if (key != other.key) return key < other.key;
        if (newest_first != other.newest_first) return newest_first < other.newest_first;
        return global_id < other.global_id;
    }
};

// Keeps the best `capacity` candidates seen.
class TopCandidates {
public:
    explicit TopCandidates(std::size_t capacity) : capacity_(capacity) {}

    void offer(const Candidate& candidate) {
        if (capacity_ == 0) return;
        if (heap_.size() < capacity_) {
            heap_.push(candidate);
        } else if (candidate < heap_.top()) {
            heap_.pop();
            heap_.push(candidate);
        }
    }

    // Offers every candidate `other` kept, emptying it.
    void offer_all(TopCandidates& other) {
        for (; !other.heap_.empty(); other.heap_.pop()) offer(other.heap_.top());
    }

    std::vector<Candidate> best_first() {
        std::vector<Candidate> sorted;
        for (; !heap_.empty(); heap_.pop()) sorted.push_back(heap_.top());
        std::reverse(sorted.begin(), sorted.end());
        return sorted;
    }

private:
    std::size_t capacity_;
    std::priority_queue<Candidate> heap_;  // the worst kept candidate on top
};

class KeyMaker {
public:
    KeyMaker(const ColumnOrder& order, std::size_t shard_count) : order_(order), shard_count_(shard_count) {}

    Candidate make(double price, double created_at, bool sold, std::size_t shard, Xapian::docid docid) const {
        return {key_of(price, created_at, sold), -created_at, combined_docid({shard, docid}, shard_count_),
                {shard, docid}};
    }

private:
    double key_of(double price, double created_at, bool sold) const {
        switch (order_.sort) {
            case SortOrder::price_asc: return price;
            case SortOrder::price_desc: return -price;
            case SortOrder::newest: return -created_at;
            case SortOrder::oldest: return created_at;
            case SortOrder::relevance: break;
        }
        // Freshness falls as age grows: without the on-sale bonus to mix in,
        // newest first is the same order, without an exp2 per listing.
        if (!order_.sold_shown) return -created_at;
        const RankingConfig& ranking = *order_.ranking;
        double score = ranking.freshness_at(order_.now_seconds).bonus(created_at);
        if (order_.sold_shown && !sold) score += ranking.on_sale_weight;
        return -score;
    }

    const ColumnOrder& order_;
    std::size_t shard_count_;
};

// Listings newer than the snapshot, through Xapian; returns how many matched.
std::uint64_t offer_new_listings(const ShardView& shard, std::size_t shard_index, const Xapian::Query& query,
                                 const KeyMaker& keys, TopCandidates& top) {
    const auto from = static_cast<Xapian::docid>(shard.snapshot->size());
    Xapian::Enquire enquire(shard.database);
    enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, query, listings_from(from)));
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    const Xapian::MSet matches = enquire.get_mset(0, shard.database.get_doccount());
    for (auto match = matches.begin(); match != matches.end(); ++match) {
        const Xapian::Document document = match.get_document();
        const auto value = [&](Xapian::valueno slot) { return Xapian::sortable_unserialise(document.get_value(slot)); };
        const bool sold = document.get_value(analyzers::slot::status) == "sold";
        top.offer(keys.make(value(analyzers::slot::price), value(analyzers::slot::created_at), sold, shard_index, *match));
    }
    return matches.size();
}

// Whether `order` is newest first: sorting by date, or relevance without
// sold listings (freshness then falls as age grows, nothing else differs).
bool newest_first(const ColumnOrder& order) {
    return order.sort == SortOrder::newest || (order.sort == SortOrder::relevance && !order.sold_shown);
}

// Walking the snapshot's newest-first list until `wanted` matches turn up
// takes about wanted x listings / matches steps; visiting every match,
// `matches` steps.
bool walk_is_shorter(std::size_t wanted, std::size_t matches, std::size_t listings) {
    return matches > 0 && wanted * (listings / matches) < matches;
}

// Offers the newest `wanted` of `matches`, in order.
template <typename Offer>
void offer_newest(const ShardSnapshot& snapshot, const DocidSet& matches, std::size_t wanted, Offer offer) {
    std::size_t found = 0;
    for (const Xapian::docid docid : snapshot.newest_first()) {
        if (found == wanted) break;
        if (!matches.contains(docid)) continue;
        offer(docid);
        ++found;
    }
}

// One shard's best `wanted` matches in its snapshot by `keys`.
TopCandidates best_in_snapshot(const ShardView& shard, std::size_t shard_index, const DocidSet& matches,
                               const ColumnOrder& order, const KeyMaker& keys, std::size_t wanted) {
    TopCandidates top(wanted);
    const ShardSnapshot& snapshot = *shard.snapshot;
    // Only the relevance order with sold listings shown tells sold apart.
    const bool sold_matters = order.sort == SortOrder::relevance && order.sold_shown;
    const auto sold =
        sold_matters ? snapshot.evaluate(Xapian::Query(std::string(analyzers::sold_term)), shard.database) : std::nullopt;
    const auto offer = [&](Xapian::docid docid) {
        const bool is_sold = sold && sold->contains(docid);
        top.offer(keys.make(snapshot.price(docid), snapshot.created_at(docid), is_sold, shard_index, docid));
    };
    if (newest_first(order) && walk_is_shorter(wanted, matches.count(), snapshot.size())) {
        offer_newest(snapshot, matches, wanted, offer);
    } else {
        matches.for_each(offer);
    }
    return top;
}

}  // namespace

std::optional<ColumnRanking> rank_by_columns(const std::vector<ShardView>& shards, const Filters& filters,
                                             const FilteredQueries& queries, const ColumnOrder& order,
                                             std::size_t offset, std::size_t limit, bool side_by_side) {
    const KeyMaker keys(order, shards.size());
    const std::size_t wanted = offset + limit;
    std::vector<std::optional<DocidSet>> matches = matches_in_snapshots(shards, filters, queries, side_by_side);
    ColumnRanking ranking;
    for (const auto& shard_matches : matches) {
        if (!shard_matches) return std::nullopt;
        ranking.matches += shard_matches->count();
    }
    std::vector<TopCandidates> best_of_shard(shards.size(), TopCandidates(wanted));
    run_shard_tasks(
        shards.size(),
        [&](std::size_t n) { best_of_shard[n] = best_in_snapshot(shards[n], n, *matches[n], order, keys, wanted); },
        side_by_side && ranking.matches >= min_matches_side_by_side);
    TopCandidates top(wanted);
    for (std::size_t shard_index = 0; shard_index < shards.size(); ++shard_index) {
        top.offer_all(best_of_shard[shard_index]);
        const ShardView& shard = shards[shard_index];
        if (shard.database.get_lastdocid() >= shard.snapshot->size()) {
            ranking.matches += offer_new_listings(shard, shard_index, queries.with_all_filters(filters), keys, top);
        }
    }
    const std::vector<Candidate> best = top.best_first();
    for (std::size_t rank = offset; rank < best.size(); ++rank) ranking.page.push_back(best[rank].listing);
    for (auto& shard_matches : matches) ranking.matching.push_back(std::move(*shard_matches));
    return ranking;
}

}  // namespace query
