// The base listings of a frozen generation that its deltas have replaced
// (analyzers/frozen_generation.h), as the engine leaves them out: from the
// snapshots' matches (matches_in_snapshot), and from Xapian's matcher by an
// AND_NOT of a posting source over them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <xapian.h>

#include "docid_set.h"

namespace query {

// Made by read() (in a shared_ptr: left_out_of's queries keep it alive).
class ReplacedListings : public std::enable_shared_from_this<ReplacedListings> {
public:
    // None: a usual generation.
    ReplacedListings() = default;
    // What the deltas among `databases` (as CURRENT lists a frozen
    // generation of `shard_count` shards: the bases, then their deltas)
    // say, at the revisions these handles read.
    static std::shared_ptr<const ReplacedListings> read(const std::vector<Xapian::Database>& databases,
                                                        std::size_t shard_count);

    bool empty() const { return count_ == 0; }
    std::uint64_t count() const { return count_; }
    // Those of database `index` (CURRENT's order), sized `size`; null when none.
    std::shared_ptr<const DocidSet> of(std::size_t index, std::size_t size) const;
    // Those of the base database with this uuid, ascending (none for others).
    const std::vector<Xapian::docid>& docids_of(const std::string& uuid) const;
    // Whether docid `combined` of the databases combined is replaced.
    bool contains_combined(Xapian::docid combined) const;
    // `query` without the replaced listings (`query` itself when there are none).
    Xapian::Query left_out_of(const Xapian::Query& query) const;

private:
    struct Base {
        std::string uuid;
        std::vector<std::uint64_t> words;     // the bitmap, as ReplacedListings stores it
        std::vector<Xapian::docid> docids;  // the same, ascending, for the posting source
    };
    std::vector<Base> bases_;  // by shard
    std::size_t database_count_ = 0;
    std::uint64_t count_ = 0;
};

}  // namespace query
