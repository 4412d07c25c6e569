// Our Xapian::PostingSource adapters: the ranking and the candidate lists
// that Xapian's matcher reads as posting lists.
//
// A posting source is cloned by Xapian for each shard of a combined
// database and init() with that shard: a source recognises the shard by
// its UUID to find its snapshot. One instance is used by one matcher
// (one thread) at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <xapian.h>

#include "query/ranking.h"
#include "shard_snapshot.h"

namespace query {

// The freshness bonus as a posting source over every listing. Reading the
// created_at value of each match through Xapian doubled query time, so
// listings in a shard's snapshot are read from its in-memory column (the
// shard is recognised by its UUID); newer ones from their value.
class FreshnessPostingSource : public Xapian::PostingSource {
public:
    FreshnessPostingSource(FreshnessCurve curve, std::shared_ptr<const ShardSnapshots> snapshots);

    void init(const Xapian::Database& database) override;
    Xapian::doccount get_termfreq_min() const override { return doccount_; }
    Xapian::doccount get_termfreq_est() const override { return doccount_; }
    Xapian::doccount get_termfreq_max() const override { return doccount_; }
    void next(double min_weight) override;
    void skip_to(Xapian::docid docid, double min_weight) override;
    // Every listing has a created_at: any docid asked about is a match.
    bool check(Xapian::docid docid, double min_weight) override;
    bool at_end() const override { return at_end_; }
    Xapian::docid get_docid() const override { return docid_; }
    double get_weight() const override;
    FreshnessPostingSource* clone() const override;
    std::string name() const override { return "listing.Freshness"; }

private:
    FreshnessCurve curve_;
    std::shared_ptr<const ShardSnapshots> snapshots_;
    // Set by init, for one shard.
    Xapian::Database database_;
    const ShardSnapshot* snapshot_ = nullptr;
    Xapian::PostingIterator all_listings_;
    Xapian::doccount doccount_ = 0;
    Xapian::docid docid_ = 0;
    bool at_end_ = false;
};

// Matches the listed docids of each shard (recognised by its UUID) and
// every docid from its snapshot's size on: the candidates snapshot scoring
// chose, plus the listings newer than the snapshots.
class CandidatesSource : public Xapian::PostingSource {
public:
    struct Shard {
        std::string uuid;
        std::vector<Xapian::docid> docids;  // ascending
        Xapian::docid newer_from = 1;
    };

    explicit CandidatesSource(std::shared_ptr<const std::vector<Shard>> shards) : shards_(std::move(shards)) {}

    void init(const Xapian::Database& database) override;
    Xapian::doccount get_termfreq_min() const override { return 0; }
    Xapian::doccount get_termfreq_est() const override { return static_cast<Xapian::doccount>(docids_.size()); }
    Xapian::doccount get_termfreq_max() const override { return static_cast<Xapian::doccount>(docids_.size()); }
    void next(double min_weight) override;
    void skip_to(Xapian::docid docid, double min_weight) override;
    bool at_end() const override { return started_ && position_ >= docids_.size(); }
    Xapian::docid get_docid() const override { return docids_[position_]; }
    CandidatesSource* clone() const override { return new CandidatesSource(shards_); }
    std::string name() const override { return "listing.Candidates"; }

private:
    std::shared_ptr<const std::vector<Shard>> shards_;
    std::vector<Xapian::docid> docids_;  // set by init, for one shard
    std::size_t position_ = 0;
    bool started_ = false;
};

}  // namespace query
