// listing-relevance: the relevance engineer's tool. Runs, explains, compares
// and evaluates rankings with the same analyzers, ranking config and index
// as search-server. This file only reads the command line (relevance/
// does the work).
#include <fstream>
#include <iostream>

#include "cli/options.h"
#include "relevance/commands.h"
#include "server/v1_api.h"

namespace {

constexpr const char* commands_help =
    "usage: listing-relevance COMMAND [options]\n\n"
    "Run, explain, compare and evaluate rankings on a listing index.\n\n"
    "commands:\n"
    "  search   QUERY             ranked results with one ranking config\n"
    "  explain  QUERY [--id ID]   each hit's score in parts; with --id, why that listing is or is not shown\n"
    "  compare  QUERY | --queries FILE --against CONFIG\n"
    "                             two ranking configs side by side: rank changes, listings entering/leaving the top\n"
    "  eval     --judgments FILE  nDCG@10, MRR and recall over judged queries, per-query deltas with --against\n\n"
    "`listing-relevance COMMAND --help` lists a command's options.\n";

std::vector<cli::Option> common_options() {
    return {
        {.name = "index", .env = "LISTING_INDEX", .help = "index directory written by listing-indexer"},
        {.name = "data-dir", .env = "LISTING_DATA_DIR", .default_value = DEFAULT_DATA_DIR,
         .help = "directory with synonyms.txt and brand_aliases.txt"},
        {.name = "ranking", .env = "LISTING_RANKING", .default_value = DEFAULT_DATA_DIR "/ranking.conf",
         .help = "ranking config"},
        {.name = "params", .help = "filters and sort as in the HTTP API: 'brand=Nike&price_max=50&sort=price_asc'"},
        {.name = "limit", .default_value = "10", .help = "results per query"},
        {.name = "json", .help = "print JSON instead of text", .is_switch = true},
    };
}

cli::Values parse(int argc, char** argv, const std::string& usage, const std::string& summary,
                  std::vector<cli::Option> extra) {
    auto options = common_options();
    options.insert(options.end(), extra.begin(), extra.end());
    return cli::Parser(usage, summary, options).parse(argc, argv, 2);
}

std::string joined_positional(const cli::Values& values) {
    std::string text;
    for (const auto& word : values.positional) text += (text.empty() ? "" : " ") + word;
    return text;
}

// --params and --limit as the query string of a /v1/search request.
server::QueryParameters parameters_of(const cli::Values& values) {
    server::QueryParameters parameters{{"limit", values.get("limit")}};
    const std::string& params = values.get("params");
    for (std::size_t start = 0; start < params.size();) {
        const std::size_t end = std::min(params.find('&', start), params.size());
        const std::string pair = params.substr(start, end - start);
        const std::size_t equals = pair.find('=');
        if (!pair.empty()) {
            parameters.emplace(pair.substr(0, equals), equals == std::string::npos ? "" : pair.substr(equals + 1));
        }
        start = end + 1;
    }
    return parameters;
}

// The request for one query's text: validated as the server validates it,
// so a bad --params fails at once, before any query runs.
relevance::Setup setup_of(const cli::Values& values, bool needs_index = true) {
    if (needs_index && values.get("index").empty()) cli::Values::fail("--index is required");
    const server::QueryParameters parameters = parameters_of(values);
    const auto request_for = [parameters](const std::string& text) {
        server::QueryParameters with_text = parameters;
        with_text.emplace("q", text);
        auto parsed = server::parse_search_parameters(with_text);
        if (auto* error = std::get_if<server::ApiError>(&parsed)) cli::Values::fail(error->message);
        return std::get<query::SearchRequest>(parsed);
    };
    (void)request_for("");
    return {.service = {.index_dir = values.get("index"),
                        .data_dir = values.get("data-dir"),
                        .ranking_config = values.get("ranking"),
                        .result_cache_entries = 0},
            .request_for = request_for,
            .json = values.is_on("json")};
}

std::vector<std::string> read_queries(const std::string& path) {
    std::ifstream in(path);
    if (!in) cli::Values::fail("cannot read the query file " + path);
    std::vector<std::string> queries;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) queries.push_back(line);
    }
    return queries;
}

// "a.conf,b.conf" -> each path.
std::vector<std::filesystem::path> config_list(const std::string& text) {
    std::vector<std::filesystem::path> configs;
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        if (comma > start) configs.emplace_back(text.substr(start, comma - start));
        start = comma + 1;
    }
    return configs;
}

relevance::JudgmentColumns judgment_columns(const std::string& text) {
    const auto first = text.find(','), second = text.find(',', first + 1);
    if (first == std::string::npos || second == std::string::npos) {
        cli::Values::fail("--columns takes three header names: QUERY,LISTING_ID,GRADE");
    }
    return {.query = text.substr(0, first),
            .listing_id = text.substr(first + 1, second - first - 1),
            .grade = text.substr(second + 1)};
}

int search(int argc, char** argv) {
    const auto values = parse(argc, argv, "listing-relevance search --index DIR [options] QUERY...",
                              "Prints the ranked results of one query.", {});
    return relevance::run_search(setup_of(values), joined_positional(values), std::cout);
}

int explain(int argc, char** argv) {
    const auto values = parse(argc, argv, "listing-relevance explain --index DIR [options] QUERY... [--id ID]",
                              "Breaks each hit's score into its parts (each term's BM25 contribution per field,\n"
                              "each business signal). With --id, says why that listing is or is not in the\n"
                              "results: which word or filter excludes it, or its rank and score.",
                              {{.name = "id", .help = "a listing id to diagnose"}});
    return relevance::run_explain(setup_of(values), joined_positional(values), values.get("id"), std::cout);
}

int compare(int argc, char** argv) {
    const auto values = parse(argc, argv,
                              "listing-relevance compare --index DIR --ranking A --against B (QUERY... | --queries FILE)",
                              "Runs queries under two ranking configs and shows what changes: ranks side by side\n"
                              "for one query; per-query counts of listings entering and leaving the top --limit\n"
                              "for a query file.",
                              {{.name = "against", .help = "the second ranking config (B)"},
                               {.name = "queries", .help = "a file with one query per line"}});
    if (values.get("against").empty()) cli::Values::fail("--against is required");
    const auto queries = values.get("queries").empty() ? std::vector<std::string>{joined_positional(values)}
                                                       : read_queries(values.get("queries"));
    return relevance::run_compare(setup_of(values), values.get("against"), queries, std::cout);
}

int eval(int argc, char** argv) {
    const auto values = parse(
        argc, argv, "listing-relevance eval (--index DIR | --listings FILE) --judgments FILE [options]",
        "Scores a ranking config on graded judgments: nDCG@10 (gain = grade - min grade;\n"
        "unjudged listings gain 0, and a judged-only variant that drops them), MRR and\n"
        "recall. With --against, scores a second config and lists the queries that\n"
        "changed most; with several (comma-separated), a table of each one's gain with a 95%\n"
        "bootstrap interval and its gain on each half of the queries (ablations). --listings\n"
        "indexes a JSON-lines file into a scratch index first.",
        {{.name = "listings", .help = "listings (feed JSON lines) to index into a scratch index"},
         {.name = "judgments", .help = "CSV (or .tsv) with a header: query, listing id, grade"},
         {.name = "columns", .default_value = "query,listing_id,grade",
          .help = "header names of the query, listing id and grade columns"},
         {.name = "against", .help = "ranking configs to compare with config A, comma-separated"},
         {.name = "min-grade", .default_value = "1", .help = "the lowest grade (gain 0)"},
         {.name = "relevant-grade", .default_value = "2.5",
          .help = "grades from this up count as relevant (MRR, recall)"},
         {.name = "recall-depth", .default_value = "100", .help = "k of recall@k"},
         {.name = "show", .default_value = "10",
          .help = "queries to list with the largest gains and losses (with --against)"}});
    if (values.get("judgments").empty()) cli::Values::fail("--judgments is required");
    const bool scratch = !values.get("listings").empty();
    const relevance::EvalOptions options{
        .judgments = values.get("judgments"),
        .columns = judgment_columns(values.get("columns")),
        .scale = {.min_grade = values.get_number("min-grade", -1e6, 1e6),
                  .relevant_grade = values.get_number("relevant-grade", -1e6, 1e6),
                  .recall_depth = static_cast<std::size_t>(values.get_integer("recall-depth", 1, 1000))},
        .listings = values.get("listings"),
        .compared = config_list(values.get("against")),
        .show = static_cast<std::size_t>(values.get_integer("show", 0, 1000))};
    return relevance::run_eval(setup_of(values, !scratch), options, std::cout);
}

}  // namespace

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "";
    try {
        if (command == "search") return search(argc, argv);
        if (command == "explain") return explain(argc, argv);
        if (command == "compare") return compare(argc, argv);
        if (command == "eval") return eval(argc, argv);
        if (command == "--help" || command == "-h" || command == "help") {
            std::cout << commands_help;
            return 0;
        }
        std::cerr << (command.empty() ? "error: no command given\n\n" : "error: unknown command '" + command + "'\n\n")
                  << commands_help;
        return 2;
    } catch (const std::exception& error) {
        std::cerr << "error: " << error.what() << std::endl;
        return 1;
    }
}
