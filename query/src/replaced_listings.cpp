#include "replaced_listings.h"

#include <algorithm>
#include <bit>

#include "analyzers/frozen_generation.h"

namespace query {
namespace {

// Matches the replaced docids of the database it is initialised with,
// recognised by its uuid (Xapian clones a source for each database of a
// combined one); none in any other database.
class ReplacedSource : public Xapian::PostingSource {
public:
    explicit ReplacedSource(std::shared_ptr<const ReplacedListings> replaced) : replaced_(std::move(replaced)) {}

    void init(const Xapian::Database& database) override {
        docids_ = &replaced_->docids_of(database.get_uuid());
        position_ = 0;
        started_ = false;
    }
    Xapian::doccount get_termfreq_min() const override { return 0; }
    Xapian::doccount get_termfreq_est() const override { return static_cast<Xapian::doccount>(docids_->size()); }
    Xapian::doccount get_termfreq_max() const override { return static_cast<Xapian::doccount>(docids_->size()); }
    void next(double) override {
        if (started_) ++position_;
        started_ = true;
    }
    void skip_to(Xapian::docid docid, double) override {
        started_ = true;
        const auto from = docids_->begin() + static_cast<std::ptrdiff_t>(position_);
        position_ = static_cast<std::size_t>(std::lower_bound(from, docids_->end(), docid) - docids_->begin());
    }
    bool at_end() const override { return started_ && position_ >= docids_->size(); }
    Xapian::docid get_docid() const override { return (*docids_)[position_]; }
    ReplacedSource* clone() const override { return new ReplacedSource(replaced_); }
    std::string name() const override { return "listing.Replaced"; }

private:
    std::shared_ptr<const ReplacedListings> replaced_;  // keeps the docids alive
    const std::vector<Xapian::docid>* docids_ = nullptr;  // set by init
    std::size_t position_ = 0;
    bool started_ = false;
};

}  // namespace

std::shared_ptr<const ReplacedListings> ReplacedListings::read(const std::vector<Xapian::Database>& databases,
                                                               std::size_t shard_count) {
    auto replaced = std::make_shared<ReplacedListings>();
    replaced->database_count_ = databases.size();
    for (std::size_t shard = 0; shard < shard_count && shard_count + shard < databases.size(); ++shard) {
        const auto stored = analyzers::ReplacedListings::of(databases[shard_count + shard]);
        Base base{.uuid = databases[shard].get_uuid(), .words = stored.words()};
        for (std::size_t word = 0; word < base.words.size(); ++word) {
            for (std::uint64_t bits = base.words[word]; bits != 0; bits &= bits - 1) {
                base.docids.push_back(static_cast<Xapian::docid>(word * 64 + std::countr_zero(bits)));
            }
        }
        replaced->count_ += base.docids.size();
        replaced->bases_.push_back(std::move(base));
    }
    return replaced;
}

std::shared_ptr<const DocidSet> ReplacedListings::of(std::size_t index, std::size_t size) const {
    if (index >= bases_.size() || bases_[index].docids.empty()) return nullptr;
    auto set = std::make_shared<DocidSet>(size);
    for (const Xapian::docid docid : bases_[index].docids) {
        if (docid < size) set->add(docid);
    }
    return set;
}

const std::vector<Xapian::docid>& ReplacedListings::docids_of(const std::string& uuid) const {
    static const std::vector<Xapian::docid> none;
    for (const Base& base : bases_) {
        if (base.uuid == uuid) return base.docids;
    }
    return none;  // a delta, or another database
}

bool ReplacedListings::contains_combined(Xapian::docid combined) const {
    if (database_count_ == 0) return false;
    const std::size_t index = (combined - 1) % database_count_;
    const Xapian::docid docid = static_cast<Xapian::docid>((combined - 1) / database_count_ + 1);
    if (index >= bases_.size()) return false;
    const auto& words = bases_[index].words;
    return (docid >> 6) < words.size() && (words[docid >> 6] >> (docid & 63) & 1) != 0;
}

Xapian::Query ReplacedListings::left_out_of(const Xapian::Query& query) const {
    if (empty()) return query;
    // The source (and Xapian's clones of it) keep the docids alive: a query
    // may outlive the view that made it.
    return Xapian::Query(Xapian::Query::OP_AND_NOT, query,
                         Xapian::Query((new ReplacedSource(shared_from_this()))->release()));
}

}  // namespace query
