#include "pipeline.h"

#include <algorithm>
#include <thread>

#include "analyzers/index_layout.h"

namespace indexer {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto progress_period = std::chrono::milliseconds(500);
constexpr std::size_t records_per_batch = 256;

ResumePlan plan_resume(const std::vector<std::unique_ptr<ShardWriter>>& shards, const FeedSource& source,
                       const std::optional<FeedPosition>& fallback) {
    ResumePlan plan;
    // A pipe cannot be resumed: what arrives on stdin is applied in full
    // (replays are harmless: every operation is idempotent by listing id).
    if (!source.seekable()) {
        plan.done.resize(shards.size());
        return plan;
    }
    const std::string feed_identity = source.identity();
    bool every_shard_has_position = true;
    for (const auto& shard : shards) {
        const ShardCheckpoint& checkpoint = shard->checkpoint();
        std::optional<FeedPosition> done;
        if (checkpoint.position && checkpoint.feed_identity == feed_identity) done = checkpoint.position;
        else if (fallback) done = fallback;
        every_shard_has_position = every_shard_has_position && done.has_value();
        if (done && plan.latest < *done) plan.latest = *done;
        plan.done.push_back(done);
    }
    if (every_shard_has_position && !plan.done.empty()) {
        plan.start = **std::min_element(plan.done.begin(), plan.done.end());
        plan.all_done = plan.latest;
    }
    return plan;
}

bool already_applied(const std::optional<FeedPosition>& done, const FeedPosition& line_end) {
    return done && !(*done < line_end);
}

}  // namespace

Pipeline::Pipeline(std::vector<std::unique_ptr<ShardStore>> stores, const analyzers::Lexicon& lexicon,
                   DeadLetterFile& dead_letters, const DiskReserve& reserve,
                   std::chrono::milliseconds group_commit_window)
    : key_checker_(lexicon), dead_letters_(dead_letters) {
    for (auto& store : stores) {
        shards_.push_back(std::make_unique<ShardWriter>(std::move(store), lexicon, reserve, group_commit_window));
    }
    pending_.resize(shards_.size());
}

void Pipeline::route(analyzers::FeedRecord record, std::size_t shard) {
    pending_[shard].push_back(std::move(record));
    if (pending_[shard].size() >= records_per_batch) {
        shards_[shard]->submit(std::move(pending_[shard]));
        pending_[shard].clear();
    }
}

void Pipeline::send_pending() {
    for (std::size_t shard = 0; shard < shards_.size(); ++shard) {
        if (pending_[shard].empty()) continue;
        shards_[shard]->submit(std::move(pending_[shard]));
        pending_[shard].clear();
    }
}

void Pipeline::commit_all(const FeedPosition& position, const std::string& feed_identity) {
    send_pending();
    for (auto& shard : shards_) shard->commit_at(position, feed_identity);
}

// A line's record, or why it is refused.
analyzers::FeedLineResult Pipeline::parse(const FeedLine& line) {
    if (line.over_limit) {
        return {std::nullopt, analyzers::oversized_line_error(line.text_bytes, feed_limits.max_line_bytes)};
    }
    analyzers::FeedLineResult parsed = parser_.parse(line.text);
    if (parsed.ok() && parsed.record->op == analyzers::FeedOp::upsert) {
        parsed.error = key_checker_.filter_key_error(parsed.record->listing);
        if (!parsed.error.empty()) parsed.record.reset();
    }
    return parsed;
}

void Pipeline::take_line(const FeedLine& line, PipelineTotals& totals) {
    if (!line.over_limit && line.text.find_first_not_of(" \t") == std::string::npos) return;
    ++totals.lines;
    analyzers::FeedLineResult parsed = parse(line);
    if (!parsed.ok()) {
        // Lines a shard has committed were reported by the earlier run.
        if (!already_applied(plan_.all_done, line.end)) {
            dead_letters_.add(line.end.segment, line.number, parsed.error, line.text);
            ++totals.rejected;
        }
        return;
    }
    const auto shard = analyzers::shard_of(parsed.record->listing.id, shards_.size());
    if (already_applied(plan_.done[shard], line.end)) ++totals.skipped;
    else route(std::move(*parsed.record), shard);
}

// A failed write is noticed here, not at the end of the run: reading on
// would only pile up work that cannot be committed.
void Pipeline::check_writers(const PipelineOptions& options) {
    for (auto& shard : shards_) {
        if (shard->failed()) shard->throw_if_failed();
    }
    if (committed_) return;
    committed_ = std::all_of(shards_.begin(), shards_.end(), [](const auto& shard) { return shard->commits() > 0; });
    if (committed_ && options.on_committed) options.on_committed();
}

PipelineTotals Pipeline::run(FeedSource& source, const PipelineOptions& options,
                             const ProgressCallback& on_progress) {
    const std::string identity = source.identity();
    plan_ = plan_resume(shards_, source, options.fallback_start);
    source.resume(plan_.start, plan_.latest);

    PipelineTotals totals;
    const auto started = Clock::now();
    auto last_progress = started;
    std::optional<FeedPosition> uncommitted;  // end of the last line read but not yet committed
    std::size_t uncommitted_lines = 0;
    Clock::time_point oldest_uncommitted;

    const auto commit = [&] {
        commit_all(*uncommitted, identity);
        totals.last_committed = uncommitted;
        uncommitted.reset();
        uncommitted_lines = 0;
    };
    const auto superseded = [&] { return options.superseded && options.superseded(); };
    const auto report_progress = [&](bool force) {
        const auto now = Clock::now();
        if (!on_progress || (!force && now - last_progress < progress_period)) return;
        last_progress = now;
        on_progress({totals.lines, source.bytes_read(), source.total_bytes(),
                     std::chrono::duration<double>(now - started).count()});
    };

    while (true) {
        std::optional<FeedLine> line = source.next(!options.follow);
        if (!line) {
            if (superseded()) break;
            if (uncommitted) commit();
            check_writers(options);
            report_progress(true);
            if (!options.follow || (options.should_stop && options.should_stop())) break;
            std::this_thread::sleep_for(options.idle_poll);
            continue;
        }
        if (!uncommitted) oldest_uncommitted = Clock::now();
        uncommitted = line->end;
        ++uncommitted_lines;
        take_line(*line, totals);
        const bool batch_full = uncommitted_lines >= options.commit_every_lines;
        if (batch_full || Clock::now() - oldest_uncommitted >= options.commit_interval) {
            if (superseded()) break;
            commit();
            check_writers(options);
            if (options.should_stop && options.should_stop()) break;
        }
        report_progress(false);
    }
    for (auto& shard : shards_) {
        shard->wait_committed();
        const ShardCounts counts = shard->finish();
        totals.counts.upserts += counts.upserts;
        totals.counts.deletes += counts.deletes;
        totals.counts.sold += counts.sold;
    }
    shards_.clear();
    return totals;
}

}  // namespace indexer
