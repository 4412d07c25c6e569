#include "searcher.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include "analyzers/listing.h"
#include "proximity.h"
#include "shard_tasks.h"
#include "snapshot_scoring.h"

namespace query {
namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A writer that commits twice while a search reads makes Xapian discard the
// revision being read: the search catches up and starts again.
constexpr int max_attempts_on_modified = 3;

}  // namespace

Searcher::Searcher(std::unique_ptr<IndexView> view, const analyzers::Lexicon& lexicon)
    : view_(std::move(view)), planner_(lexicon) {}

SearchResult Searcher::search(const SearchRequest& request, std::shared_ptr<const RankingConfig> ranking) {
    for (int attempt = 1;; ++attempt) {
        try {
            return run(request, ranking);
        } catch (const Xapian::DatabaseError&) {
            // DatabaseModifiedError, or, when glass follows a block pointer
            // the writer has since reused, "EOF reading block". Rare now
            // that each request starts on the latest revision; with handles
            // up to 200 ms old, ~10% of requests under a 50 listings/s feed
            // needed this, and before the second attempt existed some of
            // those failed.
            if (attempt == max_attempts_on_modified) throw;
            view_->catch_up();
        }
    }
}

SearchResult Searcher::run(const SearchRequest& request, std::shared_ptr<const RankingConfig> ranking) {
    const auto started = Clock::now();
    Plan plan = planner_.plan(request, std::move(ranking), view_->plan_sources());
    const std::size_t window = proximity_window(request, plan.text, *plan.ranking);
    const bool rerank = window > request.offset;
    if (rerank) {
        plan.first_rank = 0;
        plan.rank_count = std::max(window, request.offset + request.limit);
        plan.reranked_by_title = window;
    }
    Page page = find_page(plan);
    if (planner_.should_relax(plan, page.matches)) {
        planner_.relax(plan);
        page = find_page(plan);
    }
    // Counting the facets reads the page's matches and the index; ordering
    // the hits by their titles and marking the words they matched read the
    // hits alone. On a quiet server the two go side by side (one client's
    // top 20 with facets: each about a tenth of its time).
    const bool count = request.facets.any() || (request.exact_total && !page.exact);
    std::optional<FacetCountingResult> counted;
    std::vector<TitleRanked> how;
    // Titles alone are marked now; with every field marked, the stored
    // fields are read first (below).
    bool marked = !request.highlight.all_fields;
    run_both([&] { if (count) counted = view_->count_facets(plan, planner_, page); },
             [&] { how = order_and_mark_shown(page.hits, rerank ? window : 0, plan, marked); },
             count && view_->counts_facets_beside_titles(page));
    if (rerank) {
        if (rounded_scores_tie(page, how, window, plan)) {
            page = find_page(plan, ScoreSource::matcher);
            rank_by_title(page.hits, window, plan);
            marked = false;
        }
        keep_ranks(page.hits, request.offset, request.limit);
    }
    view_->read_partial_hits(page);
    SearchResult result{.total = page.matches,
                        .total_exact = page.exact,
                        .relaxed = plan.relaxed,
                        .suggestion = plan.suggestion,
                        .corrected = plan.corrected,
                        .interpreted = plan.interpreted(),
                        .readings = plan.readings(),
                        .ranked_by = page.ranked_by};
    if (counted) {
        if (request.facets.any()) result.facets = std::move(counted->counts);
        result.total = counted->matches;  // every match was counted: exact
        result.total_exact = true;
    }
    if (request.facets.status) result.facets->status = count_statuses(request, plan.ranking);
    result.hits = std::move(page.hits);
    if (!marked) highlight(result.hits, 0, result.hits.size(), plan.text, request.highlight);
    result.took_ms = milliseconds_since(started);
    return result;
}

// How many of the matches are on sale and how many sold: one count per
// status the request's filters let through (sold listings are hidden unless
// a filter names the status).
std::vector<FacetValueCount> Searcher::count_statuses(const SearchRequest& request,
                                                      std::shared_ptr<const RankingConfig> ranking) {
    std::vector<FacetValueCount> counts;
    for (const auto& [status, name] : {std::pair{StatusFilter::on_sale, "on_sale"}, std::pair{StatusFilter::sold, "sold"}}) {
        if (request.filters.status != StatusFilter::any && request.filters.status != status) continue;
        SearchRequest only{.text = request.text, .offset = 0, .limit = 0, .filters = request.filters,
                           .exact_total = true, .matching = request.matching};
        only.filters.status = status;
        const std::uint64_t count = run(only, ranking).total;
        if (count > 0) counts.push_back({name, count});
    }
    std::sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.count > b.count; });
    return counts;
}

Page Searcher::find_page(const Plan& plan, ScoreSource scores) {
    if (auto page = view_->rank_page(plan, planner_, scores)) return std::move(*page);
    return page_from_matcher(plan);
}

namespace {

// Whether Xapian's matcher surely orders two neighbours of the re-ranked
// hits as they are: they got the same bonuses and it orders them so before
// (`orders_alike`, of their ranks then; absent: never sure). It then scores
// the first no lower, (score + added) x factor keeps that, and the stable
// sort keeps its order among equals.
bool surely_ordered(const TitleRanked& above, const TitleRanked& below,
                    const std::function<bool(std::size_t, std::size_t)>& orders_alike) {
    return above.added == below.added && above.factor == below.factor && orders_alike &&
           orders_alike(above.rank_before, below.rank_before);
}

// Whether Xapian's matcher could show other hits, or in another order, at
// ranks [first, last) of the first `window` re-ranked hits: hits in a run of
// neighbours that nearly tie are ordered surely only if each two are. A run
// wholly outside those ranks changes nothing shown (a page's re-ranked
// listings below it are read for their titles alone).
bool near_tie_after_bonuses(const std::vector<Hit>& hits, const std::vector<TitleRanked>& how, std::size_t window,
                            std::size_t first, std::size_t last,
                            const std::function<bool(std::size_t, std::size_t)>& orders_alike) {
    const auto unsure = [&](std::size_t run_start, std::size_t run_end) {
        if (run_end <= first) return false;  // above the ranks shown
        for (std::size_t rank = run_start + 1; rank < run_end; ++rank) {
            if (!surely_ordered(how[rank - 1], how[rank], orders_alike)) return true;
        }
        return false;
    };
    return any_tie_run(std::min(window, hits.size()), last, [&](std::size_t rank) { return hits[rank].score; },
                       unsure);
}

}  // namespace

// The first `window` hits (none: 0) ranked again by their titles, then,
// with `mark`, the titles of the hits the request shows (ranks offset to
// offset + limit, in that order) marked. Touches neither the view nor the
// planner: it runs beside facet counting.
std::vector<TitleRanked> Searcher::order_and_mark_shown(std::vector<Hit>& hits, std::size_t window, const Plan& plan,
                                                        bool mark) {
    std::vector<TitleRanked> how;
    if (window > 0) how = rank_by_title(hits, window, plan);
    const SearchRequest& request = plan.request;
    if (mark) {
        const std::size_t first = window > 0 ? request.offset : 0;
        highlight(hits, std::min(first, hits.size()), std::min(first + request.limit, hits.size()), plan.text,
                  request.highlight);
    }
    return how;
}

// A bonus can bring two scores level that were apart; rounded scores could
// then be ordered otherwise than Xapian's own (the page is then ranked by
// the matcher and by the titles again).
bool Searcher::rounded_scores_tie(const Page& page, const std::vector<TitleRanked>& how, std::size_t window,
                                  const Plan& plan) {
    const std::size_t shown_from = plan.request.offset, shown_to = plan.request.offset + plan.request.limit;
    return page.scores_rounded &&
           near_tie_after_bonuses(page.hits, how, window, shown_from, shown_to, page.matcher_orders_alike);
}

Page Searcher::page_from_matcher(const Plan& plan) {
    const RankingContext context =
        view_->ranking_context(plan.request.filters.status != StatusFilter::on_sale, now_seconds());
    Xapian::Enquire enquire = enquire_for(view_->combined(), planner_.ranked(plan, context), *plan.ranking);
    set_order(enquire, plan.request.sort, plan.text.empty());
    // Every match is checked: Xapian 1.4.22's pruning leaves listings out.
    // A relaxed query's word bonuses (OP_AND_MAYBE over filtered constant
    // weights) went missing for some ("nike red sneakers", top 5, had a
    // listing with all three words one bonus short, below others); and on
    // the 1M index "lachai", ranks 41 to 60, lacked a listing scoring 20.230
    // while showing others at 20.214, as 5 of 2,500 deep pages of the
    // long-tail log did. Checked in full, they are the snapshots' pages (one
    // of 2,500 differs, in two listings tied to 1e-6 that freshness orders
    // as time passes), for 4% more server time with --snapshot-scoring off;
    // and the count is exact, so whether to relax never rests on an estimate.
    return page_of(enquire.get_mset(static_cast<Xapian::doccount>(plan.first_rank),
                                    static_cast<Xapian::doccount>(plan.rank_count), view_->combined().get_doccount()),
                   view_->combined());
}

std::vector<TitleRanked> Searcher::rank_by_title(std::vector<Hit>& hits, std::size_t window, const Plan& plan) {
    const std::size_t reranked = std::min(window, hits.size());
    std::vector<TitleRanked> how(reranked);
    for (std::size_t rank = 0; rank < reranked; ++rank) how[rank].rank_before = rank;
    std::vector<std::vector<analyzers::Word>> titles;
    for (std::size_t rank = 0; rank < reranked; ++rank) {
        titles.push_back(title_analyzer_.analyze(analyzers::listing_from_stored_json(hits[rank].stored_json).title));
    }
    const TitleBonus bonus(plan.text, *plan.ranking, &view_->cooccurrence(), titles);
    if (bonus.empty()) return how;
    // Each hit with how it got its score, sorted together.
    std::vector<std::pair<Hit, TitleRanked>> ranked;
    for (std::size_t rank = 0; rank < reranked; ++rank) {
        Hit& hit = hits[rank];
        how[rank].added = bonus.added(rank);
        how[rank].factor = bonus.factor(rank);
        hit.score = TitleBonus::rescored(hit.score, how[rank].added, how[rank].factor);
        ranked.emplace_back(std::move(hit), how[rank]);
    }
    // Stable: listings as close keep the order the index ranked them in.
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first.score > b.first.score; });
    for (std::size_t rank = 0; rank < reranked; ++rank) {
        hits[rank] = std::move(ranked[rank].first);
        how[rank] = ranked[rank].second;
    }
    return how;
}

void Searcher::keep_ranks(std::vector<Hit>& hits, std::size_t offset, std::size_t limit) {
    const std::size_t first = std::min(offset, hits.size());
    const std::size_t last = std::min(offset + limit, hits.size());
    hits.erase(hits.begin() + static_cast<std::ptrdiff_t>(last), hits.end());
    hits.erase(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(first));
}

// Level by level: word breaking keeps "Men/Shoes/Athletic" whole (as it
// keeps "3/4"), which would mark the whole path for one matched level.
std::string Searcher::highlight_category(const std::string& path, const HighlightTerms& terms, const HighlightTags& tags) {
    std::string marked;
    for (std::size_t start = 0; start <= path.size();) {
        const std::size_t slash = std::min(path.find('/', start), path.size());
        if (start > 0) marked += '/';
        marked += highlighter_.highlight(std::string_view(path).substr(start, slash - start), terms, tags);
        start = slash + 1;
    }
    return marked;
}

void Searcher::highlight(std::vector<Hit>& hits, std::size_t first, std::size_t last, const TextQuery& text,
                         const HighlightOptions& options) {
    const HighlightTerms& terms = text.match_terms;
    const HighlightTags tags{.pre = options.pre, .post = options.post, .escape_html = options.escape_html};
    for (std::size_t rank = first; rank < last; ++rank) {
        Hit& hit = hits[rank];
        const auto listing = analyzers::listing_from_stored_json(hit.stored_json);
        hit.highlighted_title = highlighter_.highlight(listing.title, terms, tags);
        if (!options.all_fields) continue;
        hit.highlighted_fields = {{"title", hit.highlighted_title},
                                  {"description", highlighter_.highlight(listing.description, terms, tags)},
                                  {"brand", highlighter_.highlight(listing.brand, terms, tags)},
                                  {"category", highlight_category(listing.category, terms, tags)}};
    }
}

}  // namespace query
