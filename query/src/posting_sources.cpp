#include "posting_sources.h"

#include <algorithm>

#include "analyzers/document_layout.h"

namespace query {

FreshnessPostingSource::FreshnessPostingSource(FreshnessCurve curve, std::shared_ptr<const ShardSnapshots> snapshots)
    : curve_(curve), snapshots_(std::move(snapshots)) {}

void FreshnessPostingSource::init(const Xapian::Database& database) {
    database_ = database;
    snapshot_ = nullptr;
    if (snapshots_) {
        const std::string uuid = database.get_uuid();
        for (const auto& snapshot : *snapshots_) {
            if (snapshot->uuid() == uuid) snapshot_ = snapshot.get();
        }
    }
    all_listings_ = database.postlist_begin("");
    doccount_ = database.get_doccount();
    docid_ = 0;
    at_end_ = false;
    set_maxweight(curve_.weight);
}

void FreshnessPostingSource::next(double min_weight) { skip_to(docid_ + 1, min_weight); }

void FreshnessPostingSource::skip_to(Xapian::docid docid, double) {
    if (docid <= docid_ || at_end_) return;
    all_listings_.skip_to(docid);
    at_end_ = all_listings_ == database_.postlist_end("");
    if (!at_end_) docid_ = *all_listings_;
}

bool FreshnessPostingSource::check(Xapian::docid docid, double) {
    docid_ = docid;
    return true;
}

double FreshnessPostingSource::get_weight() const {
    const double created_at = snapshot_ != nullptr && docid_ < snapshot_->size()
                                  ? snapshot_->created_at(docid_)
                                  : Xapian::sortable_unserialise(database_.get_document(docid_).get_value(
                                        analyzers::slot::created_at));
    return curve_.bonus(created_at);
}

FreshnessPostingSource* FreshnessPostingSource::clone() const {
    return new FreshnessPostingSource(curve_, snapshots_);
}

void CandidatesSource::init(const Xapian::Database& database) {
    docids_.clear();
    const std::string uuid = database.get_uuid();
    Xapian::docid newer_from = 1;  // an unknown shard: every listing is a candidate
    for (const Shard& shard : *shards_) {
        if (shard.uuid != uuid) continue;
        docids_ = shard.docids;
        newer_from = shard.newer_from;
    }
    auto listing = database.postlist_begin("");
    for (listing.skip_to(newer_from); listing != database.postlist_end(""); ++listing) docids_.push_back(*listing);
    position_ = 0;
    started_ = false;
}

void CandidatesSource::next(double) {
    if (started_) ++position_;
    started_ = true;
}

void CandidatesSource::skip_to(Xapian::docid docid, double) {
    started_ = true;
    const auto from = docids_.begin() + static_cast<std::ptrdiff_t>(position_);
    position_ = static_cast<std::size_t>(std::lower_bound(from, docids_.end(), docid) - docids_.begin());
}

}  // namespace query
