// The relevance engineer's commands behind listing-relevance: run one query,
// explain each hit's score (or why a listing is missing), compare two
// ranking configs, and evaluate a config on graded judgments. Each writes a
// report for people, or JSON for scripts, and returns the exit status.
// The executable only reads the command line into these settings.
#pragma once

#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "query/search_service.h"
#include "relevance/evaluation.h"

namespace relevance {

struct Setup {
    query::ServiceOptions service;  // the index, data directory and ranking config (config A)
    // The request a query's text makes, with the command line's filters,
    // sort and limit (validated as the HTTP API validates them).
    std::function<query::SearchRequest(const std::string& text)> request_for;
    bool json = false;
};

int run_search(const Setup& setup, const std::string& text, std::ostream& out);

// Each hit's score in parts; with a listing id, why that listing is or is
// not in the results (exit status 1 when it is not).
int run_explain(const Setup& setup, const std::string& text, const std::string& listing_id, std::ostream& out);

// Config A (setup) against config B over the queries: ranks side by side
// for one query, per-query changes of the top for several.
int run_compare(const Setup& setup, const std::filesystem::path& ranking_b, const std::vector<std::string>& queries,
                std::ostream& out);

struct EvalOptions {
    std::filesystem::path judgments;
    JudgmentColumns columns;
    GradeScale scale;
    // Listings (feed JSON lines) indexed into a scratch index first, instead
    // of the setup's index.
    std::filesystem::path listings;
    // Configs scored against config A (the setup's), each with its gain,
    // a bootstrap interval and the gain on each half of the queries; with
    // one, the queries that changed most are listed too.
    std::vector<std::filesystem::path> compared;
    std::size_t show = 10;            // queries listed with the largest gains and losses
};

int run_eval(const Setup& setup, const EvalOptions& options, std::ostream& out);

// Indexes the listings of a JSON-lines file into a fresh single-shard index
// at `index_dir` (the indexer's layout and analysis), for evaluating
// rankings on a judged collection. Bad lines are skipped and counted.
struct ScratchIndex {
    std::size_t indexed = 0;
    std::size_t rejected = 0;
};
ScratchIndex build_scratch_index(const std::filesystem::path& listings, const std::filesystem::path& index_dir,
                                 const std::filesystem::path& data_dir);

}  // namespace relevance
