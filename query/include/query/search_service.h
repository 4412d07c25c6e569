// The search service: answers buyers' queries from the serving generation
// of the sharded index, seeing new commits and generation swaps by itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "query/filter_expression.h"
#include "query/ranking.h"

namespace query {

enum class StatusFilter { on_sale, sold, any };  // sold listings are hidden unless asked for
enum class SortOrder { relevance, price_asc, price_desc, newest };

struct Filters {
    std::vector<std::string> brands;         // any of these, as typed (brand aliases apply)
    std::string category;                    // a category or any ancestor path: "Women/Tops & Blouses"
    std::optional<double> price_min, price_max;
    std::vector<int> conditions;             // any of these, 1 (new) .. 5 (poor)
    std::string shipping;                    // "seller", "buyer" or empty for either
    StatusFilter status = StatusFilter::on_sale;
    // Any other boolean filter (the Meilisearch-style API's), on top of
    // the above. The fast paths for facets and sorting handle only the above.
    std::shared_ptr<const FilterExpression> expression;
};

// Facets a request asks for. Counts are exact over all matches, and
// disjunctive: a facet's counts ignore the facet's own filter, so a buyer
// who picked "Nike" still sees how many Adidas listings there are.
struct FacetRequest {
    bool brand = false;
    bool category = false;  // each of the three levels
    bool condition = false;
    bool shipping = false;
    bool price = false;     // min, max, average and a histogram
    // Each facet ignores its own filter (as buyers expect); off, every
    // facet counts the filtered results (as Meilisearch does).
    bool disjunctive = true;

    bool any() const { return brand || category || condition || shipping || price; }
};

// How hits mark the words a query matched.
struct HighlightOptions {
    std::string pre = "<em>", post = "</em>";
    bool escape_html = true;  // escape the listing's own text (for HTML); tags are never escaped
    bool all_fields = false;  // title, description, brand and category; else the title only
};

struct SearchRequest {
    std::string text;
    std::size_t offset = 0;
    std::size_t limit = 20;
    Filters filters;
    SortOrder sort = SortOrder::relevance;
    FacetRequest facets;
    std::size_t facet_limit = 20;  // values per facet, most frequent first
    HighlightOptions highlight;
    bool exact_total = false;  // count every match even without facets (a few ms at 1M listings)
};

struct Hit {
    double score = 0;
    std::string stored_json;        // the listing's stored fields, a JSON object
    std::string highlighted_title;  // the title with matched words marked (HighlightOptions)
    // With HighlightOptions::all_fields: field name -> marked text.
    std::vector<std::pair<std::string, std::string>> highlighted_fields;
};

struct FacetValueCount {
    std::string value;
    std::uint64_t count = 0;
};

struct PriceSummary {
    std::uint64_t count = 0;
    double min = 0, max = 0, average = 0;
    struct Band {
        double from = 0, to = 0;  // to = 0 means no upper bound
        std::uint64_t count = 0;
    };
    std::vector<Band> histogram;
};

struct FacetCounts {
    std::vector<FacetValueCount> brand, category_1, category_2, category_3, condition, shipping;
    std::optional<PriceSummary> price;
};

// How a result's page was ranked: by Xapian's matcher over every match, by
// the matcher over candidates the shard snapshots chose (text relevance),
// or from the snapshots' columns (sorts and empty queries).
enum class RankedBy { matcher, snapshot_candidates, columns };

struct SearchResult {
    std::vector<Hit> hits;
    std::optional<FacetCounts> facets;
    std::uint64_t total = 0;   // matching listings (an estimate unless total_exact)
    bool total_exact = false;
    // All words together found too little, so listings matching only some
    // of them are shown too (those matching more rank higher).
    bool relaxed = false;
    // The query with words no listing contains corrected ("did you mean"),
    // or empty; `corrected`: the hits are for the suggestion ("showing
    // results for"), as the ranking config's spelling.auto_correct says.
    std::string suggestion;
    bool corrected = false;
    bool cached = false;     // answered from the result cache
    RankedBy ranked_by = RankedBy::matcher;
    double took_ms = 0;
};

struct ServiceOptions {
    std::filesystem::path index_dir;
    std::filesystem::path data_dir;  // synonyms.txt, brand_aliases.txt
    std::filesystem::path ranking_config;  // empty: built-in defaults
    // A Xapian stub of "remote HOST:PORT" lines, one per shard served by
    // xapian-tcpsrv: search those instead of index_dir. Facets then go
    // through Xapian's ValueCountMatchSpy and the freshness signal is off
    // (the stock server cannot run our posting source).
    std::filesystem::path remote_stub;
    // How stale a searcher may be before it looks for new commits. Looking
    // costs a few small file reads, so by default every request does: a
    // handle even 100 ms old made ~10% of requests under a 50 listings/s
    // feed fail on a discarded revision and start again.
    std::chrono::milliseconds refresh_interval{0};
    // Recent results kept (0 turns the cache off), and how long one may be
    // served after the index changed under it.
    std::size_t result_cache_entries = 4096;
    std::chrono::milliseconds result_cache_max_stale{250};
    // Rank text queries' candidates on the shard snapshots before Xapian's
    // matcher weighs them (off: the matcher weighs every match; same results).
    bool snapshot_scoring = true;
};

class SearchService {
public:
    // Throws std::runtime_error when there is no index to serve yet or the
    // data files are malformed.
    explicit SearchService(ServiceOptions options);
    ~SearchService();

    // Thread-safe. Throws std::runtime_error if the index cannot be read.
    SearchResult search(const SearchRequest& request);
    std::uint64_t document_count();
    // The generation CURRENT points at (what searchers switch to next).
    std::uint64_t serving_generation() const;

    // Rereads the ranking config file; requests already running finish with
    // the old one. Throws (keeping the old config) if the file is bad.
    void reload_ranking();
    std::shared_ptr<const RankingConfig> ranking() const;

private:
    class Searcher;
    class SearcherPool;
    std::filesystem::path index_dir_;
    std::filesystem::path ranking_config_path_;
    mutable std::mutex ranking_mutex_;
    std::shared_ptr<const RankingConfig> ranking_;
    std::unique_ptr<SearcherPool> pool_;
};

}  // namespace query
