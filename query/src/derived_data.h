// The data derived from an index that all searchers share: the brand and
// category vocabulary and the spelling dictionary (for local and remote
// shards alike), and the shard snapshots (local shards only), each in a
// SnapshotCache rebuilt in the background as the index changes.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include <xapian.h>

#include "analyzers/index_layout.h"
#include "analyzers/text_analyzer.h"
#include "field_vocabulary.h"
#include "shard_snapshot.h"
#include "snapshot_cache.h"
#include "title_cooccurrence.h"
#include "word_dictionary.h"

namespace query {

// New brands and categories become searchable as such, and facet columns
// catch up with updated listings, within this long.
inline constexpr auto derived_data_max_age = std::chrono::seconds(2);
// Shard snapshots are rebuilt sooner than derived_data_max_age when that
// is cheap, down to at once after a commit (see SnapshotCache): a frozen
// generation's bases keep their snapshots and only its small deltas are
// rebuilt, so its snapshots are current most of the time under a feed,
// and requests rank on them rather than through Xapian's final pass
// (bench_feed.sh on a frozen generation at 50 listings/s: p50 4.9 ms ->
// 1.7 ms, p99 44 -> 15 ms). A usual generation's 500,000-listing shards
// take long enough that they still wait the max age.
inline constexpr auto snapshots_min_age = std::chrono::milliseconds(0);
// New words reach completions, typo matching and "did you mean" within this
// long: the dictionary takes a moment to build, and a brand-new word is
// rarely what a buyer is typing.
inline constexpr auto words_max_age = std::chrono::minutes(5);
// Which title words go together changes slowly: a rebuild reads the
// posting lists of the title words a 200,000-listing sample has (about
// half a second at 1M listings).
inline constexpr auto cooccurrence_max_age = std::chrono::minutes(30);

// Opens a generation's shards as one database, afresh (for a background
// build: the searchers' handles are in use).
using CombinedOpener = std::function<Xapian::Database(const analyzers::Generation& generation)>;

// The brand and category vocabulary, the title words and which go
// together. Thread-safe.
struct TextDerivedData {
    // Which words go together is read from every title word's posting
    // list: over a remote backend each would be a round trip (and the whole
    // list), so remote shards go without (`with_cooccurrence` false: no
    // related words in the ranking).
    explicit TextDerivedData(const CombinedOpener& open_combined, bool with_cooccurrence = true)
        : vocabulary([open_combined](const analyzers::Generation& generation, const auto&) {
                         analyzers::TextAnalyzer analyzer;
                         return std::make_shared<const FieldVocabulary>(
                             FieldVocabulary::from_database(open_combined(generation), analyzer));
                     },
                     derived_data_max_age),
          words([open_combined](const analyzers::Generation& generation, const auto&) {
                    return WordDictionary::build(open_combined(generation));
                },
                words_max_age),
          cooccurrence([open_combined, with_cooccurrence](const analyzers::Generation& generation, const auto&) {
                           return with_cooccurrence ? TitleCooccurrence::build(open_combined(generation))
                                                    : std::make_shared<const TitleCooccurrence>();
                       },
                       cooccurrence_max_age) {}

    SnapshotCache<FieldVocabulary> vocabulary;
    SnapshotCache<WordDictionary> words;
    SnapshotCache<TitleCooccurrence> cooccurrence;
};

// The generation's local databases, opened afresh, one by one, in the
// order CURRENT lists them: the shards (a frozen generation's bases), then
// a frozen generation's deltas. The engine ranks and counts each as a shard.
inline std::vector<Xapian::Database> open_local_shards(const std::filesystem::path& index_dir,
                                                       const analyzers::Generation& generation) {
    std::vector<Xapian::Database> shards;
    for (const auto& path : analyzers::serving_databases(index_dir, generation)) shards.emplace_back(path.string());
    return shards;
}

// The facet numbering for snapshots of `shards`: the previous snapshots'
// when they are of the same generation (a shard of it, by UUID, is among
// them: snapshots kept and rebuilt are counted together), a new one for a
// new generation (built or compacted), so that a long-running server does
// not count every brand it ever saw (a request sizes its tally by them).
inline std::shared_ptr<FacetNames> facet_names_for(const std::vector<Xapian::Database>& shards,
                                                   const ShardSnapshots* previous) {
    if (previous != nullptr) {
        for (std::size_t shard = 0; shard < std::min(shards.size(), previous->size()); ++shard) {
            if ((*previous)[shard]->uuid() == shards[shard].get_uuid()) return (*previous)[shard]->facet_names();
        }
    }
    return std::make_shared<FacetNames>();
}

// The snapshots of a generation's local shards. Thread-safe.
class SnapshotsCache : public SnapshotCache<ShardSnapshots> {
public:
    explicit SnapshotsCache(std::filesystem::path index_dir)
        : SnapshotCache<ShardSnapshots>(
              [index_dir](const analyzers::Generation& generation, const std::shared_ptr<const ShardSnapshots>& previous) {
                  auto snapshots = std::make_shared<ShardSnapshots>();
                  const std::vector<Xapian::Database> shards = open_local_shards(index_dir, generation);
                  const auto names = facet_names_for(shards, previous.get());
                  for (const auto& shard : shards) {
                      // The shard's previous snapshot tells which terms are hot.
                      const std::size_t index = snapshots->size();
                      const auto before = previous && index < previous->size() ? (*previous)[index] : nullptr;
                      // A shard nothing was committed to keeps its snapshot: a
                      // frozen generation's bases, while their deltas change.
                      if (before && before->uuid() == shard.get_uuid() && before->is_current_for(shard)) {
                          snapshots->push_back(before);
                      } else {
                          snapshots->push_back(ShardSnapshot::build(shard, before.get(), names));
                      }
                  }
                  return std::shared_ptr<const ShardSnapshots>(std::move(snapshots));
              },
              derived_data_max_age, snapshots_min_age) {}
};

}  // namespace query
