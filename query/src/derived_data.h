// The data derived from an index that all searchers share: the brand and
// category vocabulary, the shard snapshots and the spelling dictionary,
// each in a SnapshotCache, built from local shards or remote ones.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include <xapian.h>

#include "field_vocabulary.h"
#include "analyzers/index_layout.h"
#include "analyzers/text_analyzer.h"
#include "ranking_signals.h"
#include "shard_snapshot.h"
#include "snapshot_cache.h"
#include "spelling.h"

namespace query {

// New brands and categories become searchable as such, and facet columns
// catch up with updated listings, within this long.
inline constexpr auto derived_data_max_age = std::chrono::seconds(2);
// New words reach "did you mean" within this long: the dictionary takes a
// moment to build, and a new word is rarely the correction a buyer needs.
inline constexpr auto spelling_max_age = std::chrono::minutes(5);

// Where the index is: local shard directories, or shards behind xapian-tcpsrv.
struct IndexSource {
    std::filesystem::path index_dir;
    std::filesystem::path remote_stub;  // set: shards served by xapian-tcpsrv, searched remotely

    bool remote() const { return !remote_stub.empty(); }

    // The generation's shards, opened afresh (for background builds); none
    // when remote: snapshots need local shards.
    std::vector<Xapian::Database> open_shards(const analyzers::Generation& generation) const {
        std::vector<Xapian::Database> shards;
        if (remote()) return shards;
        for (std::size_t shard = 0; shard < generation.shard_count; ++shard) {
            shards.emplace_back(analyzers::shard_path(index_dir, generation.number, shard).string());
        }
        return shards;
    }

    // All the shards as one database.
    Xapian::Database open_combined(const analyzers::Generation& generation) const {
        if (remote()) return Xapian::Database(remote_stub.string());
        Xapian::Database combined;
        for (const auto& shard : open_shards(generation)) combined.add_database(shard);
        return combined;
    }
};

struct SnapshotCaches {
    explicit SnapshotCaches(IndexSource source)
        : vocabulary([source](const analyzers::Generation& generation, const auto&) {
                         analyzers::TextAnalyzer analyzer;
                         return std::make_shared<const FieldVocabulary>(
                             FieldVocabulary::from_database(source.open_combined(generation), analyzer));
                     },
                     derived_data_max_age),
          shard_snapshots([source](const analyzers::Generation& generation,
                                   const std::shared_ptr<const ShardSnapshots>& previous) {
                              auto snapshots = std::make_shared<ShardSnapshots>();
                              for (const auto& shard : source.open_shards(generation)) {
                                  // The shard's previous snapshot tells which terms are hot.
                                  const std::size_t index = snapshots->size();
                                  const ShardSnapshot* before =
                                      previous && index < previous->size() ? (*previous)[index].get() : nullptr;
                                  snapshots->push_back(ShardSnapshot::build(shard, before));
                              }
                              return std::shared_ptr<const ShardSnapshots>(std::move(snapshots));
                          },
                          derived_data_max_age),
          spelling([source](const analyzers::Generation& generation, const auto&) {
                       return SpellingDictionary::build(source.open_combined(generation));
                   },
                   spelling_max_age) {}

    SnapshotCache<FieldVocabulary> vocabulary;
    SnapshotCache<ShardSnapshots> shard_snapshots;
    SnapshotCache<SpellingDictionary> spelling;
};

}  // namespace query
