// The search service: answers buyers' queries from the serving generation
// of the sharded index, seeing new commits and generation swaps by itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
};

struct SearchRequest {
    std::string text;
    std::size_t offset = 0;
    std::size_t limit = 20;
    Filters filters;
    SortOrder sort = SortOrder::relevance;
};

struct Hit {
    double score = 0;
    std::string stored_json;  // the listing's stored fields, a JSON object
};

struct SearchResult {
    std::vector<Hit> hits;
    std::uint64_t total = 0;   // matching listings (an estimate unless total_exact)
    bool total_exact = false;
    double took_ms = 0;
};

struct ServiceOptions {
    std::filesystem::path index_dir;
    std::filesystem::path data_dir;  // synonyms.txt, brand_aliases.txt
    // How stale a searcher may be before it looks for new commits.
    std::chrono::milliseconds refresh_interval{200};
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

private:
    class Searcher;
    class SearcherPool;
    std::filesystem::path index_dir_;
    std::unique_ptr<SearcherPool> pool_;
};

}  // namespace query
