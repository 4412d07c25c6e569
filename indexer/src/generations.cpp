#include "generations.h"

#include <xapian.h>

namespace indexer {

std::uint64_t next_generation_number(const std::filesystem::path& index_dir) {
    const auto serving = analyzers::serving_generation(index_dir);
    std::uint64_t next = serving ? serving->number + 1 : 1;
    while (std::filesystem::exists(analyzers::generation_path(index_dir, next))) ++next;
    return next;
}

void remove_generations_before(const std::filesystem::path& index_dir, std::uint64_t keep_from) {
    for (std::uint64_t generation = keep_from; generation-- > 0;) {
        const auto path = analyzers::generation_path(index_dir, generation);
        if (!std::filesystem::exists(path)) {
            if (generation + 8 < keep_from) break;  // older ones were cleaned up long ago
            continue;
        }
        std::filesystem::remove_all(path);
    }
}

std::filesystem::path dead_letter_path(const FeedOptions& options) {
    return options.dead_letter_path.empty() ? options.index_dir / "dead-letter.jsonl" : options.dead_letter_path;
}

void fill_report(FeedReport& report, const PipelineTotals& totals, const std::filesystem::path& index_dir) {
    report.lines = totals.lines;
    report.rejected = totals.rejected;
    report.skipped = totals.skipped;
    report.upserts = totals.counts.upserts;
    report.deletes = totals.counts.deletes;
    report.sold = totals.counts.sold;
    report.documents = Xapian::Database(analyzers::serving_stub_path(index_dir).string()).get_doccount();
}

}  // namespace indexer
