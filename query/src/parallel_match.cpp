#include "parallel_match.h"

#include <algorithm>
#include <future>

namespace query {
namespace {

// Every listing of one shard of a combined database, none of the others':
// the shard is recognised by its UUID when Xapian initialises the source
// on each sub-database. Weightless, so it only filters.
class ShardOnlySource : public Xapian::PostingSource {
public:
    explicit ShardOnlySource(std::string uuid) : uuid_(std::move(uuid)) {}

    void init(const Xapian::Database& database) override {
        database_ = database;
        active_ = database.get_uuid() == uuid_;
        doccount_ = active_ ? database.get_doccount() : 0;
        all_ = database.postlist_begin("");
        at_end_ = !active_ || all_ == database.postlist_end("");
        docid_ = 0;
    }
    Xapian::doccount get_termfreq_min() const override { return doccount_; }
    Xapian::doccount get_termfreq_est() const override { return doccount_; }
    Xapian::doccount get_termfreq_max() const override { return doccount_; }
    void next(double) override { advance_to(docid_ + 1); }
    void skip_to(Xapian::docid docid, double) override {
        if (docid > docid_) advance_to(docid);
    }
    // In the wanted shard every docid asked about is a listing.
    bool check(Xapian::docid docid, double) override {
        if (!active_) {
            at_end_ = true;
            return true;
        }
        docid_ = docid;
        return true;
    }
    bool at_end() const override { return at_end_; }
    Xapian::docid get_docid() const override { return docid_; }
    ShardOnlySource* clone() const override { return new ShardOnlySource(uuid_); }
    std::string name() const override { return "listing.ShardOnly"; }

private:
    void advance_to(Xapian::docid docid) {
        if (at_end_) return;
        all_.skip_to(docid);
        at_end_ = all_ == database_.postlist_end("");
        if (!at_end_) docid_ = *all_;
    }

    std::string uuid_;
    Xapian::Database database_;
    Xapian::PostingIterator all_;
    Xapian::doccount doccount_ = 0;
    Xapian::docid docid_ = 0;
    bool active_ = false, at_end_ = true;
};

ParallelMatches match_one_shard(Xapian::Database& combined, const Xapian::Query& query,
                                const Xapian::Weight& weighting, Xapian::doccount count) {
    Xapian::Enquire enquire(combined);
    enquire.set_weighting_scheme(weighting);
    enquire.set_query(query);
    const Xapian::MSet matches = enquire.get_mset(0, count);
    ParallelMatches result;
    result.estimated = matches.get_matches_estimated();
    result.exact = matches.get_matches_lower_bound() == matches.get_matches_upper_bound();
    for (auto match = matches.begin(); match != matches.end(); ++match) result.top.push_back({match.get_weight(), *match});
    return result;
}

}  // namespace

Xapian::Query restricted_to_shard(const Xapian::Query& query, const std::string& shard_uuid) {
    return Xapian::Query(Xapian::Query::OP_FILTER, query, Xapian::Query((new ShardOnlySource(shard_uuid))->release()));
}

ParallelMatches match_shards_in_parallel(std::vector<Xapian::Database>& combined, std::vector<Xapian::Query> queries,
                                         const Xapian::Weight& weighting, Xapian::doccount count) {
    std::vector<std::future<ParallelMatches>> others;
    for (std::size_t shard = 1; shard < queries.size(); ++shard) {
        others.push_back(std::async(std::launch::async, [&combined, &queries, &weighting, shard, count] {
            return match_one_shard(combined[shard], queries[shard], weighting, count);
        }));
    }
    ParallelMatches merged = match_one_shard(combined[0], queries[0], weighting, count);
    for (auto& other : others) {
        ParallelMatches part = other.get();
        merged.estimated += part.estimated;
        merged.exact = merged.exact && part.exact;
        merged.top.insert(merged.top.end(), part.top.begin(), part.top.end());
    }
    std::sort(merged.top.begin(), merged.top.end(), [](const RankedDocument& a, const RankedDocument& b) {
        return a.weight != b.weight ? a.weight > b.weight : a.docid < b.docid;
    });
    if (merged.top.size() > count) merged.top.resize(count);
    return merged;
}

}  // namespace query
