#include "generations.h"

#include <charconv>
#include <fstream>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <xapian.h>

#include "analyzers/frozen_generation.h"
#include "index_lock.h"
#include "notice.h"

namespace indexer {
namespace {

// 7 in "gen-000007"; nothing for other names.
std::optional<std::uint64_t> generation_number(std::string_view name) {
    constexpr std::string_view prefix = "gen-";
    if (!name.starts_with(prefix)) return std::nullopt;
    std::uint64_t number = 0;
    const char* end = name.data() + name.size();
    const auto [stop, error] = std::from_chars(name.data() + prefix.size(), end, number);
    if (error != std::errc() || stop != end) return std::nullopt;
    return number;
}

// Beside a generation's shards: its size when published, in bytes (text).
constexpr std::string_view published_size_file = "published-bytes";

void record_published_size(const std::filesystem::path& index_dir, const analyzers::Generation& generation) {
    const auto dir = analyzers::generation_path(index_dir, generation.number);
    const std::uint64_t bytes = bytes_under(dir);
    std::ofstream(dir / published_size_file, std::ios::trunc) << bytes << '\n';
}

void remove_generations_before(const std::filesystem::path& index_dir, std::uint64_t keep_from,
                               std::uint64_t published) {
    for (const auto& entry : std::filesystem::directory_iterator(index_dir)) {
        const auto number = generation_number(entry.path().filename().string());
        if (number && *number < keep_from && *number != published) std::filesystem::remove_all(entry.path());
    }
}

}  // namespace

std::uint64_t bytes_under(const std::filesystem::path& dir) {
    std::uint64_t bytes = 0;
    std::error_code ignored;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ignored)) {
        if (entry.is_regular_file(ignored)) bytes += entry.file_size(ignored);
    }
    return bytes;
}

analyzers::Generation allocate_generation(const std::filesystem::path& index_dir, std::size_t shard_count) {
    const auto serving = analyzers::serving_generation(index_dir);
    std::uint64_t number = serving ? serving->number + 1 : 1;
    while (!std::filesystem::create_directory(analyzers::generation_path(index_dir, number))) ++number;
    return {number, shard_count, analyzers::new_generation_id()};
}

void remove_orphaned_generations(const std::filesystem::path& index_dir, const NoticeCallback& on_notice) {
    const auto serving = analyzers::serving_generation(index_dir);
    for (const auto& entry : std::filesystem::directory_iterator(index_dir)) {
        const auto number = generation_number(entry.path().filename().string());
        if (!number || (serving && *number <= serving->number)) continue;
        const std::uint64_t bytes = bytes_under(entry.path());
        std::filesystem::remove_all(entry.path());
        notify(on_notice, fmt::format("removed {} ({:.1f} MB), left by a build that did not finish",
                                      entry.path().string(), static_cast<double>(bytes) / 1e6));
    }
}

std::optional<std::uint64_t> published_size(const std::filesystem::path& index_dir, std::uint64_t generation) {
    std::ifstream in(analyzers::generation_path(index_dir, generation) / published_size_file);
    std::uint64_t bytes = 0;
    if (!(in >> bytes)) return std::nullopt;
    return bytes;
}

void publish_and_clean_up(const std::filesystem::path& index_dir, const analyzers::Generation& generation) {
    record_published_size(index_dir, generation);
    const auto replaced = analyzers::serving_generation(index_dir);
    analyzers::publish_generation(index_dir, generation);
    if (replaced) remove_generations_before(index_dir, replaced->number, generation.number);
}

void discard_generation(const std::filesystem::path& index_dir, const analyzers::Generation& generation,
                        const NoticeCallback& on_notice) {
    const auto path = analyzers::generation_path(index_dir, generation.number);
    std::error_code error;
    std::filesystem::remove_all(path, error);
    if (error) notify(on_notice, fmt::format("could not remove the unfinished {}: {}", path.string(), error.message()));
    else notify(on_notice, fmt::format("removed the unfinished {}", path.string()));
}

void discard_unpublished(const std::filesystem::path& index_dir, const analyzers::Generation& generation,
                         const NoticeCallback& on_notice) {
    const IndexLock generations = IndexLock::for_generations(index_dir);
    const auto serving = analyzers::serving_generation(index_dir);
    if (!serving || serving->id != generation.id) discard_generation(index_dir, generation, on_notice);
}

void for_each_shard_in_parallel(std::size_t shard_count, std::string_view what,
                                const std::function<void(std::size_t)>& work) {
    std::vector<std::thread> threads;
    std::vector<std::string> errors(shard_count);
    for (std::size_t shard = 0; shard < shard_count; ++shard) {
        threads.emplace_back([&, shard] {
            try {
                work(shard);
            } catch (const Xapian::Error& error) {
                errors[shard] = error.get_description();
            } catch (const std::exception& error) {
                errors[shard] = error.what();
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (const auto& error : errors) {
        if (!error.empty()) throw std::runtime_error(fmt::format("{} failed: {}", what, error));
    }
}

std::filesystem::path dead_letter_path(const FeedOptions& options) {
    return options.dead_letter_path.empty() ? options.index_dir / "dead-letter.jsonl" : options.dead_letter_path;
}

DiskReserve disk_reserve(const FeedOptions& options) { return {options.index_dir, options.reserved_disk_bytes}; }

void fill_report(FeedReport& report, const PipelineTotals& totals, const std::filesystem::path& index_dir) {
    report.lines = totals.lines;
    report.rejected = totals.rejected;
    report.skipped = totals.skipped;
    report.upserts = totals.counts.upserts;
    report.deletes = totals.counts.deletes;
    report.sold = totals.counts.sold;
    report.documents = Xapian::Database(analyzers::serving_stub_path(index_dir).string()).get_doccount();
    // A frozen generation's bases still hold the listings their deltas replaced.
    const auto serving = analyzers::serving_generation(index_dir);
    if (serving && serving->frozen) {
        for (std::size_t shard = 0; shard < serving->shard_count; ++shard) {
            const Xapian::Database delta(analyzers::delta_path(index_dir, serving->number, shard).string());
            report.documents -= analyzers::ReplacedListings::of(delta).count();
        }
    }
}

}  // namespace indexer
