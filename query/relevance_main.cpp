// listing-relevance: the relevance engineer's tool. Runs, explains, compares
// and evaluates rankings with the same analyzers, ranking config and index
// as search-server.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include <unistd.h>

#include <fmt/format.h>

#include "analyzers/json_writer.h"
#include "analyzers/listing.h"
#include "cli/options.h"
#include "query/evaluation.h"
#include "query/http_api.h"
#include "query/inspector.h"
#include "query/search_service.h"

namespace {

using query::SearchRequest;
using query::SearchService;

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
        {"index", "LISTING_INDEX", "", "index directory written by listing-indexer"},
        {"data-dir", "LISTING_DATA_DIR", DEFAULT_DATA_DIR, "directory with synonyms.txt and brand_aliases.txt"},
        {"ranking", "LISTING_RANKING", DEFAULT_DATA_DIR "/ranking.conf", "ranking config"},
        {"params", "", "", "filters and sort as in the HTTP API: 'brand=Nike&price_max=50&sort=price_asc'"},
        {"limit", "", "10", "results per query"},
        {"json", "", "", "print JSON instead of text", true},
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

// The request a query string would make: the same validation as the server.
SearchRequest request_for(const std::string& text, const cli::Values& values) {
    query::QueryParameters parameters{{"q", text}, {"limit", values.get("limit")}};
    const std::string& params = values.get("params");
    for (std::size_t start = 0; start < params.size();) {
        const std::size_t end = std::min(params.find('&', start), params.size());
        const std::string pair = params.substr(start, end - start);
        const std::size_t equals = pair.find('=');
        if (!pair.empty()) parameters.emplace(pair.substr(0, equals), equals == std::string::npos ? "" : pair.substr(equals + 1));
        start = end + 1;
    }
    auto parsed = query::parse_search_parameters(parameters);
    if (auto* error = std::get_if<query::ApiError>(&parsed)) cli::Values::fail(error->message);
    return std::get<SearchRequest>(parsed);
}

query::ServiceOptions service_options(const cli::Values& values, const std::string& ranking) {
    if (values.get("index").empty()) cli::Values::fail("--index is required");
    return {.index_dir = values.get("index"), .data_dir = values.get("data-dir"), .ranking_config = ranking,
            .result_cache_entries = 0};
}

struct Row {
    std::string id, title, brand, category;
    double price = 0, score = 0;
};

std::vector<Row> rows_of(const query::SearchResult& result) {
    std::vector<Row> rows;
    for (const auto& hit : result.hits) {
        const auto listing = analyzers::listing_from_stored_json(hit.stored_json);
        rows.push_back({listing.id, listing.title, listing.brand, listing.category, listing.price, hit.score});
    }
    return rows;
}

std::string shortened(const std::string& text, std::size_t width) {
    return text.size() <= width ? text : text.substr(0, width - 3) + "...";
}

int run_search(int argc, char** argv) {
    const auto values = parse(argc, argv, "listing-relevance search --index DIR [options] QUERY...",
                              "Prints the ranked results of one query.", {});
    SearchService service(service_options(values, values.get("ranking")));
    const SearchRequest request = request_for(joined_positional(values), values);
    const auto result = service.search(request);
    if (values.is_on("json")) {
        std::cout << query::search_result_json(request, result) << "\n";
        return 0;
    }
    fmt::print("\"{}\": {} matches{}{}{}\n", request.text, result.total, result.total_exact ? "" : " (estimated)",
               result.relaxed ? ", relaxed to any word" : "",
               result.suggestion.empty() ? "" : ", did you mean \"" + result.suggestion + "\"");
    std::size_t rank = request.offset;
    for (const Row& row : rows_of(result)) {
        fmt::print("{:3}  {:8.3f}  {:<12} {}  [{} | {} | {}]\n", ++rank, row.score, row.id, shortened(row.title, 60),
                   row.brand, row.category, row.price);
    }
    return 0;
}

void print_explanation(const query::Explanation& explanation) {
    for (const auto& part : explanation.parts) fmt::print("        {:8.3f}  {}\n", part.score, part.name);
    if (std::abs(explanation.unexplained) > 1e-6) {
        fmt::print("        {:8.3f}  unexplained (a term repeated in the query changes its BM25 weight)\n",
                   explanation.unexplained);
    }
}

void write_explanation(analyzers::JsonWriter& json, const query::Explanation& explanation) {
    json.begin_object().field("id", explanation.listing_id).field("score", explanation.score);
    json.key("parts").begin_array();
    for (const auto& part : explanation.parts) json.begin_object().field("name", part.name).field("score", part.score).end_object();
    json.end_array().field("unexplained", explanation.unexplained).end_object();
}

int run_explain(int argc, char** argv) {
    const auto values = parse(argc, argv, "listing-relevance explain --index DIR [options] QUERY... [--id ID]",
                              "Breaks each hit's score into its parts (each term's BM25 contribution per field,\n"
                              "each business signal). With --id, says why that listing is or is not in the\n"
                              "results: which word or filter excludes it, or its rank and score.",
                              {{"id", "", "", "a listing id to diagnose"}});
    const auto options = service_options(values, values.get("ranking"));
    const SearchRequest request = request_for(joined_positional(values), values);
    query::Inspector inspector(options);
    analyzers::JsonWriter json;
    json.begin_array();
    if (!values.get("id").empty()) {
        const auto diagnosis = inspector.diagnose(request, values.get("id"));
        for (const auto& reason : diagnosis.reasons) fmt::print("{}\n", reason);
        if (diagnosis.matches) print_explanation(inspector.explain(request, values.get("id")));
        return diagnosis.matches ? 0 : 1;
    }
    SearchService service(options);
    std::size_t rank = request.offset;
    for (const Row& row : rows_of(service.search(request))) {
        const auto explanation = inspector.explain(request, row.id);
        if (values.is_on("json")) {
            write_explanation(json, explanation);
            continue;
        }
        fmt::print("{:3}  {:8.3f}  {:<12} {}\n", ++rank, row.score, row.id, shortened(row.title, 70));
        print_explanation(explanation);
    }
    if (values.is_on("json")) std::cout << json.end_array().take() << "\n";
    return 0;
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

std::vector<std::string> ids_of(const std::vector<Row>& rows) {
    std::vector<std::string> ids;
    for (const auto& row : rows) ids.push_back(row.id);
    return ids;
}

void print_side_by_side(const std::string& text, const std::vector<Row>& a, const std::vector<Row>& b) {
    fmt::print("\"{}\"\n{:>4}  {:<52}  {:<52}\n", text, "rank", "config A", "config B");
    const auto ids_a = ids_of(a);
    for (std::size_t rank = 0; rank < std::max(a.size(), b.size()); ++rank) {
        const auto cell = [](const std::vector<Row>& rows, std::size_t at) {
            return at < rows.size() ? fmt::format("{:7.2f} {:<10} {}", rows[at].score, rows[at].id, shortened(rows[at].title, 32))
                                    : std::string();
        };
        std::string movement;
        if (rank < b.size()) {
            const auto found = std::find(ids_a.begin(), ids_a.end(), b[rank].id);
            movement = found == ids_a.end() ? "new" : fmt::format("{:+d}", int(found - ids_a.begin()) - int(rank));
        }
        fmt::print("{:4}  {:<52}  {:<52}  {}\n", rank + 1, cell(a, rank), cell(b, rank), movement == "+0" ? "=" : movement);
    }
}

int run_compare(int argc, char** argv) {
    const auto values = parse(argc, argv,
                              "listing-relevance compare --index DIR --ranking A --against B (QUERY... | --queries FILE)",
                              "Runs queries under two ranking configs and shows what changes: ranks side by side\n"
                              "for one query; per-query counts of listings entering and leaving the top --limit\n"
                              "for a query file.",
                              {{"against", "", "", "the second ranking config (B)"},
                               {"queries", "", "", "a file with one query per line"}});
    if (values.get("against").empty()) cli::Values::fail("--against is required");
    SearchService a(service_options(values, values.get("ranking")));
    SearchService b(service_options(values, values.get("against")));
    std::vector<std::string> queries =
        values.get("queries").empty() ? std::vector<std::string>{joined_positional(values)} : read_queries(values.get("queries"));
    analyzers::JsonWriter json;
    json.begin_array();
    std::size_t changed = 0;
    for (const auto& text : queries) {
        const SearchRequest request = request_for(text, values);
        const auto rows_a = rows_of(a.search(request)), rows_b = rows_of(b.search(request));
        const query::RankingDifference diff = query::difference(ids_of(rows_a), ids_of(rows_b));
        if (!diff.entered.empty() || diff.moved > 0) ++changed;
        if (values.is_on("json")) {
            json.begin_object().field("query", text);
            json.key("a").begin_array();
            for (const auto& id : ids_of(rows_a)) json.value(id);
            json.end_array().key("b").begin_array();
            for (const auto& id : ids_of(rows_b)) json.value(id);
            json.end_array().key("entered").begin_array();
            for (const auto& id : diff.entered) json.value(id);
            json.end_array().key("left").begin_array();
            for (const auto& id : diff.left) json.value(id);
            json.end_array().field("moved", diff.moved).end_object();
        } else if (queries.size() == 1) {
            print_side_by_side(text, rows_a, rows_b);
            fmt::print("entered the top {}: {}; left it: {}; moved: {}\n", values.get("limit"),
                       diff.entered.empty() ? "none" : fmt::format("{}", fmt::join(diff.entered, " ")),
                       diff.left.empty() ? "none" : fmt::format("{}", fmt::join(diff.left, " ")), diff.moved);
        } else {
            fmt::print("{:3} entered {:3} left {:3} moved  {}\n", diff.entered.size(), diff.left.size(), diff.moved, text);
        }
    }
    if (values.is_on("json")) std::cout << json.end_array().take() << "\n";
    else if (queries.size() > 1) fmt::print("{} of {} queries changed their top {}\n", changed, queries.size(), values.get("limit"));
    return 0;
}

query::JudgmentColumns judgment_columns(const std::string& text) {
    query::JudgmentColumns columns;
    if (text.empty()) return columns;
    const auto first = text.find(','), second = text.find(',', first + 1);
    if (first == std::string::npos || second == std::string::npos) {
        cli::Values::fail("--columns takes three header names: QUERY,LISTING_ID,GRADE");
    }
    return {text.substr(0, first), text.substr(first + 1, second - first - 1), text.substr(second + 1)};
}

std::vector<query::QueryScores> evaluate(SearchService& service, const cli::Values& values,
                                         const std::vector<query::JudgedQuery>& judged,
                                         const query::GradeScale& scale) {
    std::vector<query::QueryScores> scores;
    for (const auto& [text, grades] : judged) {
        SearchRequest request = request_for(text, values);
        request.limit = std::max<std::size_t>(10, scale.recall_depth);
        scores.push_back(query::score_query(text, ids_of(rows_of(service.search(request))), grades, scale));
    }
    return scores;
}

void write_mean(analyzers::JsonWriter& json, std::string_view name, const query::MeanScores& mean) {
    json.key(name).begin_object().field("queries", mean.queries).field("ndcg@10", mean.ndcg10);
    json.field("ndcg@10_judged_only", mean.ndcg10_judged).field("mrr", mean.mrr).field("recall", mean.recall).end_object();
}

void print_mean(std::string_view name, const query::MeanScores& mean, std::size_t depth) {
    fmt::print("{:<10} nDCG@10 {:.4f}   nDCG@10 judged-only {:.4f}   MRR {:.4f}   recall@{} {:.4f}   ({} queries)\n", name,
               mean.ndcg10, mean.ndcg10_judged, mean.mrr, depth, mean.recall, mean.queries);
}

int run_eval(int argc, char** argv) {
    const auto values = parse(
        argc, argv, "listing-relevance eval (--index DIR | --listings FILE) --judgments FILE [options]",
        "Scores a ranking config on graded judgments: nDCG@10 (gain = grade - min grade;\n"
        "unjudged listings gain 0, and a judged-only variant that drops them), MRR and\n"
        "recall. With --against, scores a second config and lists the queries that\n"
        "changed most. --listings indexes a JSON-lines file into a scratch index first.",
        {{"listings", "", "", "listings (feed JSON lines) to index into a scratch index"},
         {"judgments", "", "", "CSV (or .tsv) with a header: query, listing id, grade"},
         {"columns", "", "query,listing_id,grade", "header names of the query, listing id and grade columns"},
         {"against", "", "", "a second ranking config to compare with"},
         {"min-grade", "", "1", "the lowest grade (gain 0)"},
         {"relevant-grade", "", "2.5", "grades from this up count as relevant (MRR, recall)"},
         {"recall-depth", "", "100", "k of recall@k"},
         {"show", "", "10", "queries to list with the largest gains and losses (with --against)"}});
    if (values.get("judgments").empty()) cli::Values::fail("--judgments is required");
    cli::Values with_index = values;
    std::filesystem::path scratch;
    if (!values.get("listings").empty()) {
        scratch = std::filesystem::temp_directory_path() / fmt::format("listing-relevance-{}", ::getpid());
        std::size_t rejected = 0;
        const auto indexed = query::build_scratch_index(values.get("listings"), scratch, values.get("data-dir"), rejected);
        std::cerr << fmt::format("indexed {} listings into {} ({} lines skipped)\n", indexed, scratch.string(), rejected);
        with_index.set("index", scratch.string());
    }
    const query::GradeScale scale{std::stod(values.get("min-grade")), std::stod(values.get("relevant-grade")),
                                  static_cast<std::size_t>(values.get_integer("recall-depth", 1, 1000))};
    const auto judged = query::group_by_query(query::load_judgments(values.get("judgments"), judgment_columns(values.get("columns"))));
    SearchService service_a(service_options(with_index, values.get("ranking")));
    const auto scores_a = evaluate(service_a, with_index, judged, scale);
    std::vector<query::QueryScores> scores_b;
    if (!values.get("against").empty()) {
        SearchService service_b(service_options(with_index, values.get("against")));
        scores_b = evaluate(service_b, with_index, judged, scale);
    }
    if (!scratch.empty()) std::filesystem::remove_all(scratch);

    if (values.is_on("json")) {
        analyzers::JsonWriter json;
        json.begin_object();
        write_mean(json, "a", query::mean_of(scores_a));
        if (!scores_b.empty()) write_mean(json, "b", query::mean_of(scores_b));
        json.key("queries").begin_array();
        for (std::size_t i = 0; i < scores_a.size(); ++i) {
            json.begin_object().field("query", scores_a[i].query).field("ndcg@10_a", scores_a[i].ndcg10);
            if (!scores_b.empty()) json.field("ndcg@10_b", scores_b[i].ndcg10).field("delta", scores_b[i].ndcg10 - scores_a[i].ndcg10);
            json.end_object();
        }
        std::cout << json.end_array().end_object().take() << "\n";
        return 0;
    }
    print_mean("config A", query::mean_of(scores_a), scale.recall_depth);
    if (scores_b.empty()) return 0;
    print_mean("config B", query::mean_of(scores_b), scale.recall_depth);
    std::vector<std::size_t> order(scores_a.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const auto delta = [&](std::size_t i) { return scores_b[i].ndcg10 - scores_a[i].ndcg10; };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return delta(x) > delta(y); });
    const std::size_t show = static_cast<std::size_t>(values.get_integer("show", 0, 1000));
    fmt::print("\nlargest gains (nDCG@10 B - A):\n");
    for (std::size_t i = 0; i < std::min(show, order.size()) && delta(order[i]) > 0; ++i) {
        fmt::print("  {:+.3f}  {}\n", delta(order[i]), scores_a[order[i]].query);
    }
    fmt::print("largest losses:\n");
    for (std::size_t i = 0; i < std::min(show, order.size()) && delta(order[order.size() - 1 - i]) < 0; ++i) {
        fmt::print("  {:+.3f}  {}\n", delta(order[order.size() - 1 - i]), scores_a[order[order.size() - 1 - i]].query);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "";
    try {
        if (command == "search") return run_search(argc, argv);
        if (command == "explain") return run_explain(argc, argv);
        if (command == "compare") return run_compare(argc, argv);
        if (command == "eval") return run_eval(argc, argv);
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
