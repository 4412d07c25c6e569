// Where one shard's writer puts documents. Two ways, one per job:
//
// CheckpointedStore (follow): one Xapian database; records are applied
//   inside a transaction and the feed position is written with set_metadata
//   in the same commit, fsynced. A crash loses only the open transaction,
//   and the position says where to replay from. (Transactions also stop
//   Xapian's automatic flush every XAPIAN_FLUSH_THRESHOLD changes from
//   committing documents without their position.)
//
// PartedBuildStore (build): a series of small databases ("parts"), each
//   filled up to a fixed number of listings, merged by compaction at the
//   end. Xapian's cost per commit grows with the database, so many small
//   databases plus one merge index faster than one growing database. No
//   fsync: an unpublished build is thrown away if it dies.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/frozen_generation.h"
#include "analyzers/stored_text_dictionary.h"
#include "analyzers/synonyms.h"
#include "feed_source.h"

namespace indexer {

// What a shard had committed when it was opened.
struct ShardCheckpoint {
    std::optional<FeedPosition> position;  // nothing: never written from a feed
    std::string feed_identity;
};

class ShardStore {
public:
    virtual ~ShardStore() = default;
    virtual const ShardCheckpoint& checkpoint() const = 0;
    // What the listings' stored text is compressed against (none: stored as it is).
    virtual std::shared_ptr<const analyzers::StoredTextDictionary> stored_text_dictionary() const = 0;
    virtual void upsert(const std::string& listing_id, const Xapian::Document& document) = 0;
    virtual void remove(const std::string& listing_id) = 0;
    // The indexed document of a listing, if any, and a way to put it back.
    virtual std::optional<Xapian::Document> find(const std::string& listing_id) = 0;
    virtual void replace(const std::string& listing_id, const Xapian::Document& document) = 0;
    virtual void commit(const FeedPosition& position, const std::string& feed_identity) = 0;
    // Drops what was applied after the last commit.
    virtual void close() = 0;
};

class CheckpointedStore final : public ShardStore {
public:
    explicit CheckpointedStore(const std::filesystem::path& path);
    const ShardCheckpoint& checkpoint() const override { return checkpoint_; }
    // The shard's own (see StoredTextDictionary::of).
    std::shared_ptr<const analyzers::StoredTextDictionary> stored_text_dictionary() const override {
        return dictionary_;
    }
    void upsert(const std::string& listing_id, const Xapian::Document& document) override;
    void remove(const std::string& listing_id) override;
    std::optional<Xapian::Document> find(const std::string& listing_id) override;
    void replace(const std::string& listing_id, const Xapian::Document& document) override;
    void commit(const FeedPosition& position, const std::string& feed_identity) override;
    void close() override;

private:
    Xapian::WritableDatabase database_;
    ShardCheckpoint checkpoint_;
    std::shared_ptr<const analyzers::StoredTextDictionary> dictionary_;
};

// FrozenShardStore (follow, frozen generations): a frozen base, read
//   only, and its delta, a CheckpointedStore-like database the records go
//   to. A base listing that is updated, deleted or marked sold is marked
//   replaced in the delta (analyzers/frozen_generation.h), in the same
//   commit as the listings and the feed position.
class FrozenShardStore final : public ShardStore {
public:
    // Makes the delta of a frozen shard, with the base's metadata (feed
    // position, dictionary, analysis version) and the base's uuid: empty,
    // or from what a FrozenBuildStore left in `built` (listings the feed
    // named again, and the ids of the base listings they replaced).
    static void create_delta(const std::filesystem::path& base, const std::filesystem::path& delta,
                             const std::filesystem::path& built);

    // `lexicon` must outlive the store: a base listing marked sold is
    // indexed again, into the delta.
    FrozenShardStore(const std::filesystem::path& base, const std::filesystem::path& delta,
                     const analyzers::Lexicon& lexicon);
    const ShardCheckpoint& checkpoint() const override { return checkpoint_; }
    std::shared_ptr<const analyzers::StoredTextDictionary> stored_text_dictionary() const override {
        return dictionary_;
    }
    void upsert(const std::string& listing_id, const Xapian::Document& document) override;
    void remove(const std::string& listing_id) override;
    // A base listing comes back indexed from its stored fields, as it has
    // no termlist to copy: its description's words are then those of the
    // stored snippet (the first 280 bytes), where the base had up to
    // max_description_terms of the whole description.
    std::optional<Xapian::Document> find(const std::string& listing_id) override;
    void replace(const std::string& listing_id, const Xapian::Document& document) override;
    void commit(const FeedPosition& position, const std::string& feed_identity) override;
    void close() override;

private:
    // The base's docid of a listing the delta has not replaced yet.
    std::optional<Xapian::docid> live_in_base(const std::string& id_term);
    void replace_in_base(const std::string& id_term);

    Xapian::Database base_;
    Xapian::WritableDatabase delta_;
    analyzers::ReplacedListings replaced_;
    ShardCheckpoint checkpoint_;
    std::shared_ptr<const analyzers::StoredTextDictionary> dictionary_;
    analyzers::DocumentBuilder builder_;
};

class PartedBuildStore final : public ShardStore {
public:
    // Parts are created as <directory>/part-000, part-001, ..., each with
    // `dictionary` in its metadata (compaction keeps it). Parts
    // `without_termlists` make a frozen shard (document_layout.h): then a
    // listing met again (updated, deleted or sold) is refused.
    PartedBuildStore(std::filesystem::path directory, std::size_t listings_per_part,
                     std::shared_ptr<const analyzers::StoredTextDictionary> dictionary,
                     bool without_termlists = false);
    const ShardCheckpoint& checkpoint() const override { return checkpoint_; }
    std::shared_ptr<const analyzers::StoredTextDictionary> stored_text_dictionary() const override {
        return dictionary_;
    }
    void upsert(const std::string& listing_id, const Xapian::Document& document) override;
    void remove(const std::string& listing_id) override;
    std::optional<Xapian::Document> find(const std::string& listing_id) override;
    void replace(const std::string& listing_id, const Xapian::Document& document) override;
    void commit(const FeedPosition& position, const std::string& feed_identity) override;
    void close() override;

    // Whether a part holds the listing.
    bool holds(const std::string& listing_id) const { return part_of_listing_.count(listing_id) != 0; }
    // The listing as a part stores it for display, if a part holds it.
    std::optional<analyzers::Listing> stored_listing(const std::string& listing_id);

    // Merges the parts into one compacted database at `destination`, with
    // the feed position of the last commit, and removes the parts. Parts
    // built `without_termlists` give a frozen shard.
    static void merge_parts(const std::filesystem::path& directory, const std::filesystem::path& destination,
                            const std::optional<FeedPosition>& position, const std::string& feed_identity,
                            bool without_termlists);

private:
    int part_flags() const;
    Xapian::WritableDatabase& current_part();

    std::filesystem::path directory_;
    std::size_t listings_per_part_;
    std::shared_ptr<const analyzers::StoredTextDictionary> dictionary_;
    bool without_termlists_;
    std::vector<Xapian::WritableDatabase> parts_;
    std::size_t listings_in_current_part_ = 0;
    // Which part holds each listing, so an update or delete later in the
    // dump finds it (and no listing is ever in two parts).
    std::unordered_map<std::string, std::uint32_t> part_of_listing_;
    ShardCheckpoint checkpoint_;  // always empty: a build starts from nothing
};

// FrozenBuildStore (build --no-termlists): listings go to parts without
//   termlists (a PartedBuildStore) the first time the feed names them; a
//   listing named again (updated, deleted, marked sold) goes to a delta
//   database, and its base copy is listed as replaced, as the follower
//   would do later. FrozenShardStore::create_delta makes the generation's
//   delta of it once the parts are merged.
class FrozenBuildStore final : public ShardStore {
public:
    // `lexicon` must outlive the store (a base listing marked sold is
    // indexed again).
    FrozenBuildStore(std::filesystem::path parts_directory, std::filesystem::path delta_directory,
                     std::size_t listings_per_part, std::shared_ptr<const analyzers::StoredTextDictionary> dictionary,
                     const analyzers::Lexicon& lexicon);
    const ShardCheckpoint& checkpoint() const override { return parts_.checkpoint(); }
    std::shared_ptr<const analyzers::StoredTextDictionary> stored_text_dictionary() const override {
        return parts_.stored_text_dictionary();
    }
    void upsert(const std::string& listing_id, const Xapian::Document& document) override;
    void remove(const std::string& listing_id) override;
    std::optional<Xapian::Document> find(const std::string& listing_id) override;
    void replace(const std::string& listing_id, const Xapian::Document& document) override { upsert(listing_id, document); }
    void commit(const FeedPosition& position, const std::string& feed_identity) override;
    void close() override;

    // The ids of the base listings replaced, as close() leaves them in
    // `delta_directory`.
    static std::vector<std::string> replaced_ids(const std::filesystem::path& delta_directory);

private:
    // Whether the listing's base copy is replaced; if it is not yet, makes
    // it so (true) when the parts hold it.
    bool moved_to_delta(const std::string& listing_id);
    Xapian::WritableDatabase& delta();

    PartedBuildStore parts_;
    std::filesystem::path delta_directory_;
    std::optional<Xapian::WritableDatabase> delta_;  // made at the first listing named again
    std::unordered_set<std::string> replaced_;
    analyzers::DocumentBuilder builder_;
};

}  // namespace indexer
