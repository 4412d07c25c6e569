// Answers requests over one IndexView: plans the text (spelling, all words,
// relaxation), ranks a page by the fastest path the view offers or else by
// Xapian's matcher, counts facets, and marks the matched words.
#pragma once

#include <cstdint>
#include <memory>

#include "analyzers/synonyms.h"
#include "highlighter.h"
#include "index_view.h"
#include "query/ranking.h"
#include "query/search_request.h"
#include "query/search_result.h"
#include "query_plan.h"

namespace query {

// How a hit ranked again by its title got its place.
struct TitleRanked {
    std::size_t rank_before = 0;
    double added = 0;   // the title's bonuses, added to the score
    double factor = 1;  // then the factor of the typed words it has
};

// Not thread-safe: Xapian::Database is not, so each concurrent request
// borrows its own searcher from the service's pool.
class Searcher {
public:
    // `lexicon` must outlive the searcher.
    Searcher(std::unique_ptr<IndexView> view, const analyzers::Lexicon& lexicon);

    // Catches up with the index (commits, a new generation).
    void refresh() { view_->refresh(); }
    // Changes whenever what this searcher sees changes.
    IndexVersion version() const { return view_->version(); }
    std::uint64_t document_count() const { return view_->listing_count(); }
    DeltaCounts delta_counts() const { return view_->delta_counts(); }

    // Throws Xapian::Error when the index cannot be read, after retrying
    // reads that writers overtook.
    SearchResult search(const SearchRequest& request, std::shared_ptr<const RankingConfig> ranking);

private:
    SearchResult run(const SearchRequest& request, std::shared_ptr<const RankingConfig> ranking);
    std::string highlight_category(const std::string& path, const HighlightTerms& terms, const HighlightTags& tags);
    std::vector<FacetValueCount> count_statuses(const SearchRequest& request, std::shared_ptr<const RankingConfig> ranking);
    Page find_page(const Plan& plan, ScoreSource scores = ScoreSource::snapshots_when_current);
    Page page_from_matcher(const Plan& plan);
    // The first `window` hits ranked again by their titles (rank_by_title),
    // then, with `mark`, the shown hits' titles marked; reads the hits
    // alone, so it runs beside facet counting.
    std::vector<TitleRanked> order_and_mark_shown(std::vector<Hit>& hits, std::size_t window, const Plan& plan,
                                                  bool mark);
    // Whether the page's hits, ranked again by their titles (`how`), hold
    // rounded scores that nearly tie where Xapian's order could differ.
    bool rounded_scores_tie(const Page& page, const std::vector<TitleRanked>& how, std::size_t window,
                            const Plan& plan);
    // The first `window` hits ranked again with the title bonuses
    // (proximity, head noun, typed words); how each got there, in the new order.
    std::vector<TitleRanked> rank_by_title(std::vector<Hit>& hits, std::size_t window, const Plan& plan);
    // Drops the hits outside ranks [offset, offset + limit).
    static void keep_ranks(std::vector<Hit>& hits, std::size_t offset, std::size_t limit);
    // Marks the matched words of hits[first, last).
    void highlight(std::vector<Hit>& hits, std::size_t first, std::size_t last, const TextQuery& text,
                   const HighlightOptions& options);

    std::unique_ptr<IndexView> view_;
    Planner planner_;
    // The titles ranked again are analysed apart from the planner's analyzer,
    // which facet counting may use at the same time (brand filters).
    analyzers::TextAnalyzer title_analyzer_{analyzers::AnalyzerOptions{.keep_surface = true}};
    Highlighter highlighter_;
};

}  // namespace query
