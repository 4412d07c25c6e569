#include <chrono>
#include <istream>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "analyzers/index_layout.h"
#include "analyzers/listing.h"
#include "analyzers/synonyms.h"
#include "dead_letter.h"
#include "indexer/indexer.h"
#include "shard_writer.h"

namespace indexer {
namespace {

constexpr std::uint64_t progress_every_lines = 50'000;

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::uint64_t next_generation_number(const std::filesystem::path& index_dir) {
    const auto serving = analyzers::serving_generation(index_dir);
    std::uint64_t next = serving ? serving->number + 1 : 1;
    // Skip past leftovers of a build that died before publishing.
    while (std::filesystem::exists(analyzers::generation_path(index_dir, next))) ++next;
    return next;
}

std::uint64_t count_serving_documents(const std::filesystem::path& index_dir) {
    return Xapian::Database(analyzers::serving_stub_path(index_dir).string()).get_doccount();
}

}  // namespace

namespace {

BuildReport build_generation_unchecked(const BuildOptions& options, std::istream& feed, std::uint64_t feed_bytes,
                                       const ProgressCallback& on_progress) {
    const auto started = std::chrono::steady_clock::now();
    if (options.shard_count == 0) throw std::runtime_error("shard count must be at least 1");
    std::filesystem::create_directories(options.index_dir);
    const analyzers::Lexicon lexicon = analyzers::load_lexicon(options.data_dir);

    BuildReport report;
    report.generation = {next_generation_number(options.index_dir), options.shard_count};
    report.dead_letter_path =
        options.dead_letter_path.empty() ? options.index_dir / "dead-letter.jsonl" : options.dead_letter_path;
    DeadLetterFile dead_letters(report.dead_letter_path);

    std::filesystem::create_directories(analyzers::generation_path(options.index_dir, report.generation.number));
    std::vector<std::unique_ptr<ShardWriter>> shards;
    for (std::size_t shard = 0; shard < options.shard_count; ++shard) {
        shards.push_back(std::make_unique<ShardWriter>(
            analyzers::shard_path(options.index_dir, report.generation.number, shard), lexicon));
    }

    analyzers::FeedLineParser parser;
    Progress progress{.total_bytes = feed_bytes};
    std::uint64_t line_number = 0;
    std::string line;
    while (std::getline(feed, line)) {
        ++line_number;
        progress.bytes += line.size() + 1;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        ++report.lines;
        analyzers::FeedLineResult parsed = parser.parse(line);
        if (!parsed.ok()) {
            dead_letters.add(line_number, parsed.error, line);
            continue;
        }
        const auto shard = analyzers::shard_of(parsed.record->listing.id, options.shard_count);
        shards[shard]->submit(std::move(*parsed.record));
        if (on_progress && line_number % progress_every_lines == 0) {
            progress.lines = line_number;
            progress.seconds = seconds_since(started);
            on_progress(progress);
        }
    }
    for (auto& shard : shards) {
        const ShardCounts counts = shard->finish();
        report.upserts += counts.upserts;
        report.deletes += counts.deletes;
        report.sold += counts.sold;
    }
    shards.clear();
    analyzers::publish_generation(options.index_dir, report.generation);
    report.rejected = dead_letters.count();
    report.documents = count_serving_documents(options.index_dir);
    report.seconds = seconds_since(started);
    return report;
}

}  // namespace

BuildReport build_generation(const BuildOptions& options, std::istream& feed, std::uint64_t feed_bytes,
                             const ProgressCallback& on_progress) {
    try {
        return build_generation_unchecked(options, feed, feed_bytes, on_progress);
    } catch (const Xapian::Error& error) {
        // Xapian's errors are not std::exceptions: translate at our boundary.
        throw std::runtime_error("index write failed: " + error.get_description());
    }
}

std::string describe(const BuildReport& report) {
    const double rate = report.seconds > 0 ? static_cast<double>(report.lines) / report.seconds : 0;
    std::string text = fmt::format(
        "generation {} ({} shards): {} listings indexed from {} lines in {:.1f} s ({:.0f} lines/s)\n"
        "  upserts {}, deletes {}, marked sold {}, rejected {}",
        report.generation.number, report.generation.shard_count, report.documents, report.lines,
        report.seconds, rate, report.upserts, report.deletes, report.sold, report.rejected);
    if (report.rejected > 0) text += fmt::format(" (see {})", report.dead_letter_path.string());
    return text;
}

}  // namespace indexer
