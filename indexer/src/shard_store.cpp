#include "shard_store.h"

#include <algorithm>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "analyzers/document_layout.h"

namespace indexer {
namespace {

// Xapian's replication client opens every database it copies for writing,
// and glass opens a base without its termlist table only for reading. An
// empty table file lets replicas copy a frozen base (scripts/replica.sh).
// It changes nothing else: the base's metadata still says it has no
// termlists, and nothing of ours opens a base for writing.
void leave_empty_termlist_table(const std::filesystem::path& base) {
    std::ofstream table(base / "termlist.glass", std::ios::binary);
    if (!table) throw std::runtime_error(fmt::format("cannot create {}", (base / "termlist.glass").string()));
}

constexpr const char* position_key = "feed.position";
constexpr const char* feed_key = "feed.identity";

ShardCheckpoint read_checkpoint(const Xapian::Database& database) {
    ShardCheckpoint checkpoint;
    const std::string position = database.get_metadata(position_key);
    if (!position.empty()) checkpoint.position = FeedPosition::decode(position);
    checkpoint.feed_identity = database.get_metadata(feed_key);
    return checkpoint;
}

std::optional<Xapian::Document> find_in(Xapian::Database& database, const std::string& id_term) {
    auto posting = database.postlist_begin(id_term);
    if (posting == database.postlist_end(id_term)) return std::nullopt;
    return database.get_document(*posting);
}

// The shard's dictionary; a damaged one stops the follower, naming the shard.
std::shared_ptr<const analyzers::StoredTextDictionary> stored_text_dictionary_of(const Xapian::Database& shard,
                                                                                const std::filesystem::path& path) {
    try {
        return analyzers::StoredTextDictionary::of(shard);
    } catch (const std::runtime_error& error) {
        throw std::runtime_error(fmt::format("shard {}: {}", path.string(), error.what()));
    }
}

// Commits the open transaction with the feed position it reaches, and opens
// the next one.
void commit_with_position(Xapian::WritableDatabase& database, const FeedPosition& position,
                          const std::string& feed_identity) {
    database.set_metadata(position_key, position.encode());
    database.set_metadata(feed_key, feed_identity);
    database.commit_transaction();
    database.begin_transaction();
}

// Anything after the last commit has no position: it is replayed next time.
void close_uncommitted(Xapian::WritableDatabase& database) {
    database.cancel_transaction();
    database.close();
}

// A frozen generation's base is never written (Xapian would add termlists
// to its empty table); the follower writes its delta instead, when CURRENT
// says the generation is frozen. Should a CURRENT not say so, this refuses
// the base and says what is wrong.
Xapian::WritableDatabase open_for_writing(const std::filesystem::path& path) {
    if (std::filesystem::exists(path / "iamglass") && !analyzers::has_termlists(Xapian::Database(path.string()))) {
        throw std::runtime_error(fmt::format(
            "shard {} is a frozen generation's base (built with --no-termlists), which is never written, but CURRENT "
            "does not name the generation frozen (a '# frozen' line and its deltas): was it written by hand?",
            path.string()));
    }
    return Xapian::WritableDatabase(path.string(), Xapian::DB_CREATE_OR_OPEN);
}

// A listing in a part without termlists cannot be changed there (Xapian
// needs its old document's terms): FrozenBuildStore sends such changes to
// its delta instead.
[[noreturn]] void refuse_change(const std::string& listing_id) {
    throw std::logic_error(fmt::format("listing '{}' cannot be changed in a part without termlists", listing_id));
}

constexpr const char* replaced_ids_file = "replaced-ids";

// Compaction meets a metadata key in every part that has it: the value of
// the last part, which merge_parts adds to hold the shard's own keys, wins.
// (The stored-text dictionary is the same in every part.)
class LatestMetadataCompactor final : public Xapian::Compactor {
public:
    std::string resolve_duplicate_metadata(const std::string&, size_t count, const std::string tags[]) override {
        return tags[count - 1];
    }
};

}  // namespace

CheckpointedStore::CheckpointedStore(const std::filesystem::path& path)
    : database_(open_for_writing(path)),
      checkpoint_(read_checkpoint(database_)),
      dictionary_(stored_text_dictionary_of(database_, path)) {
    // A shard the follower starts is analysed as it analyses; one analysed
    // otherwise keeps its version (what the follower adds is analysed anew,
    // the rest is not), and is said once.
    if (database_.get_doccount() == 0 && database_.get_metadata(analyzers::analysis_version_key).empty()) {
        database_.set_metadata(analyzers::analysis_version_key, std::to_string(analyzers::analysis_version));
    } else if (const auto mismatch = analyzers::analysis_mismatch(database_, path.string()); !mismatch.empty()) {
        std::cerr << "listing-indexer: warning: " << mismatch << std::endl;
    }
    database_.begin_transaction();
}

void CheckpointedStore::upsert(const std::string& listing_id, const Xapian::Document& document) {
    database_.replace_document(analyzers::id_term(listing_id), document);
}

void CheckpointedStore::remove(const std::string& listing_id) {
    database_.delete_document(analyzers::id_term(listing_id));
}

std::optional<Xapian::Document> CheckpointedStore::find(const std::string& listing_id) {
    return find_in(database_, analyzers::id_term(listing_id));
}

void CheckpointedStore::replace(const std::string& listing_id, const Xapian::Document& document) {
    database_.replace_document(analyzers::id_term(listing_id), document);
}

void CheckpointedStore::commit(const FeedPosition& position, const std::string& feed_identity) {
    commit_with_position(database_, position, feed_identity);
}

void CheckpointedStore::close() { close_uncommitted(database_); }

void FrozenShardStore::create_delta(const std::filesystem::path& base_path, const std::filesystem::path& delta_path,
                                    const std::filesystem::path& built) {
    const Xapian::Database base(base_path.string());
    const bool anything_built = std::filesystem::exists(built / "iamglass");
    if (anything_built) {
        Xapian::Database(built.string()).compact(delta_path.string());  // written and synced afresh
    }
    Xapian::WritableDatabase delta(delta_path.string(), anything_built ? Xapian::DB_OPEN : Xapian::DB_CREATE);
    for (auto key = base.metadata_keys_begin(); key != base.metadata_keys_end(); ++key) {
        if (*key != analyzers::termlists_key) delta.set_metadata(*key, base.get_metadata(*key));
    }
    delta.set_metadata(analyzers::delta_base_key, base.get_uuid());
    analyzers::ReplacedListings replaced;
    for (const std::string& id : FrozenBuildStore::replaced_ids(built)) {
        const std::string id_term = analyzers::id_term(id);
        const auto posting = base.postlist_begin(id_term);
        if (posting != base.postlist_end(id_term)) replaced.add(*posting);
    }
    replaced.write_changes(delta);
    delta.commit();
    std::filesystem::remove_all(built);
}

namespace {

// A delta is read with the base whose docids it marks, and no other.
Xapian::WritableDatabase open_delta(const Xapian::Database& base, const std::filesystem::path& base_path,
                                    const std::filesystem::path& delta_path) {
    Xapian::WritableDatabase delta(delta_path.string(), Xapian::DB_OPEN);
    if (delta.get_metadata(analyzers::delta_base_key) != base.get_uuid()) {
        throw std::runtime_error(fmt::format("{} was not made for the base {}: a frozen generation's shard and its "
                                             "delta must stay together",
                                             delta_path.string(), base_path.string()));
    }
    return delta;
}

}  // namespace

FrozenShardStore::FrozenShardStore(const std::filesystem::path& base, const std::filesystem::path& delta,
                                   const analyzers::Lexicon& lexicon)
    : base_(base.string()),
      delta_(open_delta(base_, base, delta)),
      replaced_(analyzers::ReplacedListings::of(delta_)),
      checkpoint_(read_checkpoint(delta_)),
      dictionary_(stored_text_dictionary_of(delta_, delta)),
      builder_(lexicon, dictionary_) {
    if (const auto mismatch = analyzers::analysis_mismatch(base_, base.string()); !mismatch.empty()) {
        std::cerr << "listing-indexer: warning: " << mismatch << std::endl;
    }
    delta_.begin_transaction();
}

std::optional<Xapian::docid> FrozenShardStore::live_in_base(const std::string& id_term) {
    const auto posting = base_.postlist_begin(id_term);
    if (posting == base_.postlist_end(id_term) || replaced_.contains(*posting)) return std::nullopt;
    return *posting;
}

void FrozenShardStore::replace_in_base(const std::string& id_term) {
    if (const auto docid = live_in_base(id_term)) replaced_.add(*docid);
}

void FrozenShardStore::upsert(const std::string& listing_id, const Xapian::Document& document) {
    replace(listing_id, document);
}

void FrozenShardStore::remove(const std::string& listing_id) {
    const std::string id_term = analyzers::id_term(listing_id);
    delta_.delete_document(id_term);
    replace_in_base(id_term);
}

std::optional<Xapian::Document> FrozenShardStore::find(const std::string& listing_id) {
    const std::string id_term = analyzers::id_term(listing_id);
    if (auto in_delta = find_in(delta_, id_term)) return in_delta;
    const auto docid = live_in_base(id_term);
    if (!docid) return std::nullopt;
    return builder_.build(analyzers::stored_listing_of(base_.get_document(*docid), base_));
}

void FrozenShardStore::replace(const std::string& listing_id, const Xapian::Document& document) {
    const std::string id_term = analyzers::id_term(listing_id);
    delta_.replace_document(id_term, document);
    replace_in_base(id_term);
}

void FrozenShardStore::commit(const FeedPosition& position, const std::string& feed_identity) {
    replaced_.write_changes(delta_);  // in the same commit as the listings that replaced them
    commit_with_position(delta_, position, feed_identity);
}

void FrozenShardStore::close() { close_uncommitted(delta_); }

PartedBuildStore::PartedBuildStore(std::filesystem::path directory, std::size_t listings_per_part,
                                   std::shared_ptr<const analyzers::StoredTextDictionary> dictionary,
                                   bool without_termlists)
    : directory_(std::move(directory)),
      listings_per_part_(listings_per_part),
      dictionary_(std::move(dictionary)),
      without_termlists_(without_termlists) {
    std::filesystem::create_directories(directory_);
}

int PartedBuildStore::part_flags() const {
    return Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC | (without_termlists_ ? Xapian::DB_NO_TERMLIST : 0);
}

Xapian::WritableDatabase& PartedBuildStore::current_part() {
    if (parts_.empty() || listings_in_current_part_ >= listings_per_part_) {
        if (!parts_.empty()) parts_.back().commit();
        const auto path = directory_ / fmt::format("part-{:03}", parts_.size());
        parts_.emplace_back(path.string(), part_flags());
        if (dictionary_) dictionary_->write_to(parts_.back());
        if (without_termlists_) parts_.back().set_metadata(analyzers::termlists_key, analyzers::no_termlists);
        listings_in_current_part_ = 0;
    }
    return parts_.back();
}

void PartedBuildStore::upsert(const std::string& listing_id, const Xapian::Document& document) {
    auto [where, first_time] = part_of_listing_.try_emplace(listing_id, 0);
    if (!first_time) {
        if (without_termlists_) refuse_change(listing_id);
        // Updated later in the dump: replace it where it is.
        parts_[where->second].replace_document(analyzers::id_term(listing_id), document);
        return;
    }
    Xapian::WritableDatabase& part = current_part();
    where->second = static_cast<std::uint32_t>(parts_.size() - 1);
    part.add_document(document);  // a new id cannot be in any part yet: no lookup needed
    ++listings_in_current_part_;
}

void PartedBuildStore::remove(const std::string& listing_id) {
    auto where = part_of_listing_.find(listing_id);
    if (where == part_of_listing_.end()) return;
    if (without_termlists_) refuse_change(listing_id);
    parts_[where->second].delete_document(analyzers::id_term(listing_id));
    part_of_listing_.erase(where);
}

std::optional<Xapian::Document> PartedBuildStore::find(const std::string& listing_id) {
    auto where = part_of_listing_.find(listing_id);
    if (where == part_of_listing_.end()) return std::nullopt;
    if (without_termlists_) refuse_change(listing_id);
    return find_in(parts_[where->second], analyzers::id_term(listing_id));
}

void PartedBuildStore::replace(const std::string& listing_id, const Xapian::Document& document) {
    auto where = part_of_listing_.find(listing_id);
    if (where != part_of_listing_.end()) {
        parts_[where->second].replace_document(analyzers::id_term(listing_id), document);
    }
}

void PartedBuildStore::commit(const FeedPosition&, const std::string&) {
    // Only the current part is growing; earlier parts get the odd update.
    for (auto& part : parts_) part.commit();
}

void PartedBuildStore::close() {
    for (auto& part : parts_) part.close();
    parts_.clear();
}

std::optional<analyzers::Listing> PartedBuildStore::stored_listing(const std::string& listing_id) {
    auto where = part_of_listing_.find(listing_id);
    if (where == part_of_listing_.end()) return std::nullopt;
    Xapian::WritableDatabase& part = parts_[where->second];
    const auto document = find_in(part, analyzers::id_term(listing_id));
    if (!document) return std::nullopt;
    return analyzers::stored_listing_of(*document, part);
}

void PartedBuildStore::merge_parts(const std::filesystem::path& directory, const std::filesystem::path& destination,
                                   const std::optional<FeedPosition>& position, const std::string& feed_identity,
                                   bool without_termlists) {
    // One more part, empty, holding what the follower resumes from: the
    // last source, so its metadata wins (LatestMetadataCompactor). A base
    // without termlists is never opened for writing after merging: its
    // first revision is the one replicas copy.
    {
        const auto metadata_part = directory / "part-metadata";
        Xapian::WritableDatabase part(metadata_part.string(), Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC |
                                                                  (without_termlists ? Xapian::DB_NO_TERMLIST : 0));
        if (position) part.set_metadata(position_key, position->encode());
        part.set_metadata(feed_key, feed_identity);
        part.set_metadata(analyzers::analysis_version_key, std::to_string(analyzers::analysis_version));
        if (without_termlists) part.set_metadata(analyzers::termlists_key, analyzers::no_termlists);
        part.commit();
    }
    Xapian::Database all_parts;
    std::vector<std::filesystem::path> part_paths;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) part_paths.push_back(entry.path());
    std::sort(part_paths.begin(), part_paths.end());  // part-000, part-001, ..., part-metadata
    for (const auto& path : part_paths) all_parts.add_database(Xapian::Database(path.string()));
    LatestMetadataCompactor latest_metadata;
    all_parts.compact(destination.string(), Xapian::DBCOMPACT_MULTIPASS, 0, latest_metadata);
    std::filesystem::remove_all(directory);
    if (without_termlists) leave_empty_termlist_table(destination);
}


FrozenBuildStore::FrozenBuildStore(std::filesystem::path parts_directory, std::filesystem::path delta_directory,
                                   std::size_t listings_per_part,
                                   std::shared_ptr<const analyzers::StoredTextDictionary> dictionary,
                                   const analyzers::Lexicon& lexicon)
    : parts_(std::move(parts_directory), listings_per_part, dictionary, /*without_termlists=*/true),
      delta_directory_(std::move(delta_directory)),
      builder_(lexicon, std::move(dictionary)) {}

Xapian::WritableDatabase& FrozenBuildStore::delta() {
    if (!delta_) {
        delta_.emplace(delta_directory_.string(), Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
        if (const auto& dictionary = parts_.stored_text_dictionary()) dictionary->write_to(*delta_);
    }
    return *delta_;
}

bool FrozenBuildStore::moved_to_delta(const std::string& listing_id) {
    if (replaced_.count(listing_id) != 0) return true;
    if (!parts_.holds(listing_id)) return false;
    replaced_.insert(listing_id);
    return true;
}

void FrozenBuildStore::upsert(const std::string& listing_id, const Xapian::Document& document) {
    if (moved_to_delta(listing_id)) {
        delta().replace_document(analyzers::id_term(listing_id), document);
    } else {
        parts_.upsert(listing_id, document);  // its first time
    }
}

void FrozenBuildStore::remove(const std::string& listing_id) {
    if (moved_to_delta(listing_id)) delta().delete_document(analyzers::id_term(listing_id));
}

std::optional<Xapian::Document> FrozenBuildStore::find(const std::string& listing_id) {
    if (replaced_.count(listing_id) != 0) return delta_ ? find_in(*delta_, analyzers::id_term(listing_id)) : std::nullopt;
    // A part's copy has no termlist to carry over: indexed again from its
    // stored fields, as FrozenShardStore::find does.
    const auto stored = parts_.stored_listing(listing_id);
    if (!stored) return std::nullopt;
    return builder_.build(*stored);
}

void FrozenBuildStore::commit(const FeedPosition& position, const std::string& feed_identity) {
    parts_.commit(position, feed_identity);
    if (delta_) delta_->commit();
}

void FrozenBuildStore::close() {
    parts_.close();
    if (delta_) delta_->close();
    if (replaced_.empty()) return;
    std::filesystem::create_directories(delta_directory_);
    std::ofstream out(delta_directory_ / replaced_ids_file, std::ios::binary);
    for (const std::string& id : replaced_) out << id.size() << ' ' << id;  // ids may hold any character
    if (!out.flush()) throw std::runtime_error("cannot write " + (delta_directory_ / replaced_ids_file).string());
}

std::vector<std::string> FrozenBuildStore::replaced_ids(const std::filesystem::path& delta_directory) {
    std::vector<std::string> ids;
    std::ifstream in(delta_directory / replaced_ids_file, std::ios::binary);
    std::size_t size = 0;
    while (in >> size) {
        in.get();  // the space
        std::string id(size, '\0');
        in.read(id.data(), static_cast<std::streamsize>(size));
        ids.push_back(std::move(id));
    }
    return ids;
}

}  // namespace indexer
