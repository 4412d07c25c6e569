// The facet dimensions, and one numbering of their value names for the
// whole process. Each shard's snapshot numbers its brands and categories
// in the order it meets them; through this numbering, which every snapshot
// maps its own ids to, a request adds up the shards' counts by array index
// instead of hashing thousands of names per shard (they were a sixth of
// facet counting under load).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace query {

enum class FacetDimension { brand, category_1, category_2, category_3, condition, shipping };
inline constexpr std::size_t facet_dimension_count = 6;

// Thread-safe. Names are only ever added: a name once seen keeps its id
// while the numbering lives (a generation's snapshots, in a server).
class FacetNames {
public:
    // The numbering of snapshots built without one of their own (tests,
    // tools); a server numbers each generation's names afresh (see
    // SnapshotsCache), so that a generation counts only the names it has
    // met, not every name the process ever saw.
    static std::shared_ptr<FacetNames> shared();

    // The id of `name` in `dimension`, numbered on first sight (from 0).
    std::uint32_t id_of(FacetDimension dimension, std::string_view name);
    // The id of a name already numbered, without numbering it.
    std::optional<std::uint32_t> find(FacetDimension dimension, std::string_view name) const;
    // How many names `dimension` has: every id handed out so far is below it.
    std::size_t size(FacetDimension dimension) const;

    // Reads names while it lives, holding off numbering new ones (a
    // request's few dozen lookups; snapshots number names while built).
    class Reader {
    public:
        explicit Reader(const FacetNames& names) : names_(names), lock_(names.mutex_) {}
        std::string_view name(FacetDimension dimension, std::uint32_t id) const;

    private:
        const FacetNames& names_;
        std::shared_lock<std::shared_mutex> lock_;
    };

private:
    struct Dimension {
        std::deque<std::string> names;  // by id; a deque: adding never moves the others
        std::unordered_map<std::string_view, std::uint32_t> ids;  // views of `names`
    };

    mutable std::shared_mutex mutex_;
    std::array<Dimension, facet_dimension_count> dimensions_;
};

}  // namespace query
