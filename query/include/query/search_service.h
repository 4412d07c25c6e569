// The search service: answers buyers' queries from the serving generation
// of the sharded index, seeing new commits and generation swaps by itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace query {

struct SearchRequest {
    std::string text;
    std::size_t offset = 0;
    std::size_t limit = 20;
    bool include_sold = false;  // sold listings are hidden unless asked for
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

private:
    class Searcher;
    class SearcherPool;
    std::unique_ptr<SearcherPool> pool_;
};

}  // namespace query
