// The remote implementation of IndexView: shards served by xapian-tcpsrv,
// named in a stub file of "remote HOST:PORT" lines. Reindex swaps are the
// shard servers' business.
#include "derived_data.h"
#include "analyzers/frozen_generation.h"
#include "index_view.h"
#include "query/errors.h"

namespace query {
namespace {

using Clock = std::chrono::steady_clock;

// A frozen generation's replaced base listings are left out by our own
// posting source, which the stock xapian-tcpsrv cannot run: its listings
// would show twice. Told by the first database the stub names (a frozen
// generation's stub names a base first).
void refuse_frozen(const Xapian::Database& combined) {
    if (analyzers::has_termlists(combined) && combined.get_metadata(analyzers::delta_base_key).empty()) return;
    throw IndexError(IndexError::Kind::unavailable,
                     "the remote shards are a frozen generation's (built with --no-termlists), which remote shards "
                     "cannot serve: their replaced listings would show; serve it locally, or build without "
                     "--no-termlists");
}

// A remote database has no generations: the whole stub is generation 1.
const ServingGeneration remote_generation{.generation = {.number = 1, .shard_count = 0}, .id = "remote"};

class RemoteIndexView : public IndexView {
public:
    RemoteIndexView(const ServiceOptions& options, TextDerivedData& text) : options_(options), text_(text) {
        combined_ = Xapian::Database(options_.remote_stub.string());
        refuse_frozen(combined_);
        last_refresh_ = Clock::now();
        take_derived_data(true);
    }

    void refresh() override {
        if (Clock::now() - last_refresh_ < options_.refresh_interval) return;
        const bool changed = reopened(combined_);
        if (changed) ++changes_;
        take_derived_data(changed);
        last_refresh_ = Clock::now();
    }

    void catch_up() override { reopened(combined_); }

    // As far as reopen() tells: the shard servers' revisions are not ours to read.
    // No snapshots on this side: the remote servers answer from their own.
    IndexVersion version() const override {
        return {.generation = remote_generation.id, .commits = changes_, .snapshot_commits = changes_};
    }

    RankingContext ranking_context(bool sold_shown, double now_seconds) const override {
        return {.sold_shown = sold_shown, .now_seconds = now_seconds, .with_freshness = false};
    }

    std::optional<Page> rank_page(const Plan&, Planner&, ScoreSource) override { return std::nullopt; }

    FacetCountingResult count_facets(const Plan& plan, Planner& planner, const Page&) override {
        return count_facets_by_values(combined_, plan.request, planner.filtered_queries(plan));
    }

private:
    void take_derived_data(bool changed) {
        vocabulary_ = text_.vocabulary.get(remote_generation, changed);
        words_ = text_.words.get(remote_generation, changed);
        cooccurrence_ = text_.cooccurrence.get(remote_generation, changed);
    }

    const ServiceOptions& options_;
    TextDerivedData& text_;
    std::uint64_t changes_ = 0;
    Clock::time_point last_refresh_;
};

class RemoteIndex : public IndexViews {
public:
    explicit RemoteIndex(const ServiceOptions& options)
        : options_(options),
          text_([stub = options.remote_stub](const analyzers::Generation&) { return Xapian::Database(stub.string()); },
                /*with_cooccurrence=*/false) {}

    std::unique_ptr<IndexView> new_view() override { return std::make_unique<RemoteIndexView>(options_, text_); }

    // The shard servers as one: a failure's description names the one that failed.
    IndexHealth check_health() const override {
        IndexHealth health{.generation = remote_generation.generation.number};
        const std::string stub = options_.remote_stub.string();
        health.shards.push_back(shard_health(stub, [&] { return Xapian::Database(stub); }));
        return health;
    }

private:
    const ServiceOptions& options_;
    TextDerivedData text_;
};

}  // namespace

std::unique_ptr<IndexViews> open_remote_index(const ServiceOptions& options) {
    return std::make_unique<RemoteIndex>(options);
}

}  // namespace query
