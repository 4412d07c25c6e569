// A frozen generation (`listing-indexer build --no-termlists`): each shard
// is a base and a delta.
//
// The base is built without Xapian's termlists: a third of the index and
// a quarter of the build's CPU. Xapian needs a document's termlist to
// replace or delete it, so a base is never changed (nothing of ours opens
// one for writing). The follower writes into the shard's delta, a
// usual database: new listings, and new versions of base listings. The
// base listings it has replaced, deleted or marked sold are kept as a
// bitmap of base docids in the delta's metadata, written in the same
// commit as the listings and the feed position (so exactly once holds),
// and the engine leaves them out of every match. The next build folds
// everything into a new base. Lucene keeps deleted documents the same
// way; as with Lucene, term statistics count the replaced listings until
// then.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <xapian.h>

namespace analyzers {

// A base says it has no termlists in its metadata.
inline constexpr const char* termlists_key = "termlists";
inline constexpr const char* no_termlists = "none";
// Whether `shard`'s documents have termlists (for shards combined as one
// database, the first shard's answer).
bool has_termlists(const Xapian::Database& shard);

// A delta names its base by the base's uuid: a delta is only read with the
// base whose docids it masks.
inline constexpr const char* delta_base_key = "frozen.base";

// The base docids a delta has replaced. Stored in chunks of 65,536 docids
// (an 8 KB bitmap each, keys "frozen.replaced.<chunk>"), so that a commit
// rewrites only the chunks it touched.
class ReplacedListings {
public:
    static constexpr std::size_t docids_per_chunk = 1 << 16;

    ReplacedListings() = default;
    // What `delta`'s metadata holds.
    static ReplacedListings of(const Xapian::Database& delta);

    bool contains(Xapian::docid docid) const {
        const std::size_t word = docid >> 6;
        return word < words_.size() && (words_[word] >> (docid & 63) & 1) != 0;
    }
    void add(Xapian::docid docid);
    std::size_t count() const;
    bool empty() const { return count() == 0; }
    // The bitmap: docid d is bit d % 64 of word d / 64, as query::DocidSet's.
    const std::vector<std::uint64_t>& words() const { return words_; }

    // Writes the chunks changed since it was read or last written.
    void write_changes(Xapian::WritableDatabase& delta);

private:
    std::vector<std::uint64_t> words_;
    std::set<std::size_t> changed_chunks_;
};

}  // namespace analyzers
