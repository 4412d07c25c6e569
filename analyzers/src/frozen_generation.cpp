#include "analyzers/frozen_generation.h"

#include <bit>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace analyzers {
namespace {

// The chunks are the bitmap's words as they lie in memory: little-endian
// on every machine this runs on, and checked here.
static_assert(std::endian::native == std::endian::little, "replaced-listings chunks are stored little-endian");

constexpr std::string_view replaced_key_prefix = "frozen.replaced.";
constexpr std::size_t words_per_chunk = ReplacedListings::docids_per_chunk / 64;
constexpr std::size_t chunk_bytes = words_per_chunk * sizeof(std::uint64_t);

std::string chunk_key(std::size_t chunk) { return fmt::format("{}{:08x}", replaced_key_prefix, chunk); }

}  // namespace

bool has_termlists(const Xapian::Database& shard) { return shard.get_metadata(termlists_key) != no_termlists; }

ReplacedListings ReplacedListings::of(const Xapian::Database& delta) {
    ReplacedListings replaced;
    const std::string prefix(replaced_key_prefix);
    for (auto key = delta.metadata_keys_begin(prefix); key != delta.metadata_keys_end(prefix); ++key) {
        const std::string name = *key;
        std::size_t chunk = 0;
        const std::string_view number = std::string_view(name).substr(prefix.size());
        const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), chunk, 16);
        if (error != std::errc() || end != number.data() + number.size()) {
            throw std::runtime_error(fmt::format("replaced listings: '{}' names no chunk", name));
        }
        const std::string bits = delta.get_metadata(name);
        if (bits.size() != chunk_bytes) {
            throw std::runtime_error(fmt::format("replaced listings: chunk {} holds {} bytes, not {}", chunk,
                                                 bits.size(), chunk_bytes));
        }
        if (replaced.words_.size() < (chunk + 1) * words_per_chunk) replaced.words_.resize((chunk + 1) * words_per_chunk);
        std::memcpy(replaced.words_.data() + chunk * words_per_chunk, bits.data(), chunk_bytes);
    }
    return replaced;
}

void ReplacedListings::add(Xapian::docid docid) {
    const std::size_t chunk = docid / docids_per_chunk;
    if (words_.size() < (chunk + 1) * words_per_chunk) words_.resize((chunk + 1) * words_per_chunk);
    words_[docid >> 6] |= std::uint64_t{1} << (docid & 63);
    changed_chunks_.insert(chunk);
}

std::size_t ReplacedListings::count() const {
    std::size_t count = 0;
    for (const std::uint64_t word : words_) count += static_cast<std::size_t>(std::popcount(word));
    return count;
}

void ReplacedListings::write_changes(Xapian::WritableDatabase& delta) {
    for (const std::size_t chunk : changed_chunks_) {
        const char* bits = reinterpret_cast<const char*>(words_.data() + chunk * words_per_chunk);
        delta.set_metadata(chunk_key(chunk), std::string(bits, chunk_bytes));
    }
    changed_chunks_.clear();
}

}  // namespace analyzers
