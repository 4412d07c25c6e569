#include "relevance/commands.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <optional>

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "analyzers/json_writer.h"
#include "analyzers/listing.h"
#include "query/inspector.h"
#include "server/v1_api.h"

namespace relevance {
namespace {

using query::SearchRequest;
using query::SearchService;

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

std::vector<std::string> ids_of(const std::vector<Row>& rows) {
    std::vector<std::string> ids;
    for (const auto& row : rows) ids.push_back(row.id);
    return ids;
}

std::string shortened(const std::string& text, std::size_t width) {
    return text.size() <= width ? text : text.substr(0, width - 3) + "...";
}

query::ServiceOptions with_ranking(query::ServiceOptions options, const std::filesystem::path& ranking) {
    options.ranking_config = ranking;
    return options;
}

void print_explanation(std::ostream& out, const query::Explanation& explanation) {
    for (const auto& part : explanation.parts) fmt::print(out, "        {:8.3f}  {}\n", part.score, part.name);
    if (std::abs(explanation.unexplained) > 1e-6) {
        fmt::print(out, "        {:8.3f}  unexplained (a term repeated in the query changes its BM25 weight)\n",
                   explanation.unexplained);
    }
}

void write_explanation(analyzers::JsonWriter& json, const query::Explanation& explanation) {
    json.begin_object().field("id", explanation.listing_id).field("score", explanation.score);
    json.key("parts").begin_array();
    for (const auto& part : explanation.parts) {
        json.begin_object().field("name", part.name).field("score", part.score).end_object();
    }
    json.end_array().field("unexplained", explanation.unexplained).end_object();
}

// Why one listing is or is not in the results, and its score's parts if it is.
int diagnose(const Setup& setup, const SearchRequest& request, const std::string& listing_id, std::ostream& out) {
    query::Inspector inspector(setup.service);
    const auto diagnosis = inspector.diagnose(request, listing_id);
    for (const auto& reason : diagnosis.reasons) fmt::print(out, "{}\n", reason);
    if (diagnosis.matches) print_explanation(out, inspector.explain(request, listing_id));
    return diagnosis.matches ? 0 : 1;
}

void print_side_by_side(std::ostream& out, const std::string& text, const std::vector<Row>& a,
                        const std::vector<Row>& b) {
    fmt::print(out, "\"{}\"\n{:>4}  {:<52}  {:<52}\n", text, "rank", "config A", "config B");
    const auto ids_a = ids_of(a);
    const auto cell = [](const std::vector<Row>& rows, std::size_t at) {
        return at < rows.size()
                   ? fmt::format("{:7.2f} {:<10} {}", rows[at].score, rows[at].id, shortened(rows[at].title, 32))
                   : std::string();
    };
    for (std::size_t rank = 0; rank < std::max(a.size(), b.size()); ++rank) {
        std::string movement;
        if (rank < b.size()) {
            const auto found = std::find(ids_a.begin(), ids_a.end(), b[rank].id);
            movement = found == ids_a.end() ? "new" : fmt::format("{:+d}", int(found - ids_a.begin()) - int(rank));
        }
        fmt::print(out, "{:4}  {:<52}  {:<52}  {}\n", rank + 1, cell(a, rank), cell(b, rank),
                   movement == "+0" ? "=" : movement);
    }
}

void write_ids(analyzers::JsonWriter& json, std::string_view name, const std::vector<std::string>& ids) {
    json.key(name).begin_array();
    for (const auto& id : ids) json.value(id);
    json.end_array();
}

void write_comparison(analyzers::JsonWriter& json, const std::string& text, const std::vector<Row>& a,
                      const std::vector<Row>& b, const RankingDifference& diff) {
    json.begin_object().field("query", text);
    write_ids(json, "a", ids_of(a));
    write_ids(json, "b", ids_of(b));
    write_ids(json, "entered", diff.entered);
    write_ids(json, "left", diff.left);
    json.field("moved", diff.moved).end_object();
}

std::vector<QueryScores> evaluate(SearchService& service, const Setup& setup, const std::vector<JudgedQuery>& judged,
                                  const GradeScale& scale) {
    std::vector<QueryScores> scores;
    for (const auto& [text, grades] : judged) {
        SearchRequest request = setup.request_for(text);
        request.limit = std::max<std::size_t>(10, scale.recall_depth);
        scores.push_back(score_query(text, ids_of(rows_of(service.search(request))), grades, scale));
    }
    return scores;
}

void write_mean(analyzers::JsonWriter& json, std::string_view name, const MeanScores& mean) {
    json.key(name).begin_object().field("queries", mean.queries).field("ndcg@10", mean.ndcg10);
    json.field("ndcg@10_judged_only", mean.ndcg10_judged).field("mrr", mean.mrr).field("recall", mean.recall).end_object();
}

void write_gain(analyzers::JsonWriter& json, std::string_view name, const Gain& gain) {
    json.key(name).begin_object().field("mean", gain.mean).field("low", gain.low).field("high", gain.high);
    json.field("queries", gain.queries).end_object();
}

// A: config A's means; b: the first compared config's; configs: every
// compared config with its gain, interval and halves; queries: per query,
// A's nDCG@10 and the first compared config's.
std::string evaluation_json(const std::vector<QueryScores>& a, const std::vector<std::vector<QueryScores>>& compared,
                            const std::vector<std::filesystem::path>& names) {
    analyzers::JsonWriter json;
    json.begin_object();
    write_mean(json, "a", mean_of(a));
    if (!compared.empty()) write_mean(json, "b", mean_of(compared.front()));
    json.key("configs").begin_array();
    for (std::size_t n = 0; n < compared.size(); ++n) {
        json.begin_object().field("ranking", names[n].string());
        write_mean(json, "scores", mean_of(compared[n]));
        write_gain(json, "gain", bootstrap_gain(a, compared[n]));
        write_gain(json, "gain_half_0", bootstrap_gain(in_half(a, 0), in_half(compared[n], 0)));
        write_gain(json, "gain_half_1", bootstrap_gain(in_half(a, 1), in_half(compared[n], 1)));
        json.end_object();
    }
    json.end_array().key("queries").begin_array();
    const std::vector<QueryScores>* b = compared.empty() ? nullptr : &compared.front();
    for (std::size_t i = 0; i < a.size(); ++i) {
        json.begin_object().field("query", a[i].query).field("ndcg@10_a", a[i].ndcg10);
        if (b != nullptr) json.field("ndcg@10_b", (*b)[i].ndcg10).field("delta", (*b)[i].ndcg10 - a[i].ndcg10);
        json.end_object();
    }
    return json.end_array().end_object().take();
}

// Each compared config's nDCG@10, its gain over A with the 95% bootstrap
// interval, the gain on each half of the queries, and recall.
void print_gains(std::ostream& out, const std::vector<QueryScores>& a,
                 const std::vector<std::vector<QueryScores>>& compared,
                 const std::vector<std::filesystem::path>& names) {
    const MeanScores base = mean_of(a);
    fmt::print(out, "\n{:<32} {:>8} {:>8} {:>20} {:>8} {:>8} {:>8}\n", "config", "nDCG@10", "gain", "95% interval",
               "half 1", "half 2", "recall");
    fmt::print(out, "{:<32} {:>8.4f} {:>8} {:>20} {:>8} {:>8} {:>8.4f}\n", "A (baseline)", base.ndcg10, "", "", "", "",
               base.recall);
    for (std::size_t n = 0; n < compared.size(); ++n) {
        const MeanScores mean = mean_of(compared[n]);
        const Gain gain = bootstrap_gain(a, compared[n]);
        const double half_0 = mean_of(in_half(compared[n], 0)).ndcg10 - mean_of(in_half(a, 0)).ndcg10;
        const double half_1 = mean_of(in_half(compared[n], 1)).ndcg10 - mean_of(in_half(a, 1)).ndcg10;
        fmt::print(out, "{:<32} {:>8.4f} {:>+8.4f} {:>20} {:>+8.4f} {:>+8.4f} {:>8.4f}\n",
                   shortened(names[n].filename().string(), 32), mean.ndcg10, mean.ndcg10 - base.ndcg10,
                   fmt::format("[{:+.4f}, {:+.4f}]", gain.low, gain.high), half_0, half_1, mean.recall);
    }
}

void print_mean(std::ostream& out, std::string_view name, const MeanScores& mean, std::size_t depth) {
    fmt::print(out, "{:<10} nDCG@10 {:.4f}   nDCG@10 judged-only {:.4f}   MRR {:.4f}   recall@{} {:.4f}   ({} queries)\n",
               name, mean.ndcg10, mean.ndcg10_judged, mean.mrr, depth, mean.recall, mean.queries);
}

// The queries whose nDCG@10 changed most from A to B, gains then losses.
void print_largest_changes(std::ostream& out, const std::vector<QueryScores>& a, const std::vector<QueryScores>& b,
                           std::size_t show) {
    std::vector<std::size_t> order(a.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const auto delta = [&](std::size_t i) { return b[i].ndcg10 - a[i].ndcg10; };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return delta(x) > delta(y); });
    fmt::print(out, "\nlargest gains (nDCG@10 B - A):\n");
    for (std::size_t i = 0; i < std::min(show, order.size()) && delta(order[i]) > 0; ++i) {
        fmt::print(out, "  {:+.3f}  {}\n", delta(order[i]), a[order[i]].query);
    }
    fmt::print(out, "largest losses:\n");
    for (std::size_t i = 0; i < std::min(show, order.size()) && delta(order[order.size() - 1 - i]) < 0; ++i) {
        const std::size_t at = order[order.size() - 1 - i];
        fmt::print(out, "  {:+.3f}  {}\n", delta(at), a[at].query);
    }
}

// A scratch index removed when the evaluation is done, whatever happens.
class ScratchDirectory {
public:
    ScratchDirectory() : path_(std::filesystem::temp_directory_path() / fmt::format("listing-relevance-{}", ::getpid())) {}
    ~ScratchDirectory() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace

int run_search(const Setup& setup, const std::string& text, std::ostream& out) {
    SearchService service(setup.service);
    const SearchRequest request = setup.request_for(text);
    const auto result = service.search(request);
    if (setup.json) {
        out << server::search_result_json(request, result) << "\n";
        return 0;
    }
    fmt::print(out, "\"{}\": {} matches{}{}{}\n", request.text, result.total, result.total_exact ? "" : " (estimated)",
               result.relaxed ? ", relaxed to any word" : "",
               result.suggestion.empty() ? "" : ", did you mean \"" + result.suggestion + "\"");
    std::size_t rank = request.offset;
    for (const Row& row : rows_of(result)) {
        fmt::print(out, "{:3}  {:8.3f}  {:<12} {}  [{} | {} | {}]\n", ++rank, row.score, row.id,
                   shortened(row.title, 60), row.brand, row.category, row.price);
    }
    return 0;
}

int run_explain(const Setup& setup, const std::string& text, const std::string& listing_id, std::ostream& out) {
    const SearchRequest request = setup.request_for(text);
    if (!listing_id.empty()) return diagnose(setup, request, listing_id, out);
    query::Inspector inspector(setup.service);
    SearchService service(setup.service);
    analyzers::JsonWriter json;
    json.begin_array();
    std::size_t rank = request.offset;
    for (const Row& row : rows_of(service.search(request))) {
        const auto explanation = inspector.explain(request, row.id);
        if (setup.json) {
            write_explanation(json, explanation);
            continue;
        }
        fmt::print(out, "{:3}  {:8.3f}  {:<12} {}\n", ++rank, row.score, row.id, shortened(row.title, 70));
        print_explanation(out, explanation);
    }
    if (setup.json) out << json.end_array().take() << "\n";
    return 0;
}

int run_compare(const Setup& setup, const std::filesystem::path& ranking_b, const std::vector<std::string>& queries,
                std::ostream& out) {
    SearchService a(setup.service);
    SearchService b(with_ranking(setup.service, ranking_b));
    analyzers::JsonWriter json;
    json.begin_array();
    std::size_t changed = 0;
    std::size_t limit = 0;
    for (const auto& text : queries) {
        const SearchRequest request = setup.request_for(text);
        limit = request.limit;
        const auto rows_a = rows_of(a.search(request)), rows_b = rows_of(b.search(request));
        const RankingDifference diff = difference(ids_of(rows_a), ids_of(rows_b));
        if (!diff.entered.empty() || diff.moved > 0) ++changed;
        if (setup.json) {
            write_comparison(json, text, rows_a, rows_b, diff);
        } else if (queries.size() == 1) {
            print_side_by_side(out, text, rows_a, rows_b);
            fmt::print(out, "entered the top {}: {}; left it: {}; moved: {}\n", limit,
                       diff.entered.empty() ? "none" : fmt::format("{}", fmt::join(diff.entered, " ")),
                       diff.left.empty() ? "none" : fmt::format("{}", fmt::join(diff.left, " ")), diff.moved);
        } else {
            fmt::print(out, "{:3} entered {:3} left {:3} moved  {}\n", diff.entered.size(), diff.left.size(),
                       diff.moved, text);
        }
    }
    if (setup.json) out << json.end_array().take() << "\n";
    else if (queries.size() > 1) fmt::print(out, "{} of {} queries changed their top {}\n", changed, queries.size(), limit);
    return 0;
}

int run_eval(const Setup& setup, const EvalOptions& options, std::ostream& out) {
    std::optional<ScratchDirectory> scratch;
    query::ServiceOptions service = setup.service;
    if (!options.listings.empty()) {
        scratch.emplace();
        const ScratchIndex built = build_scratch_index(options.listings, scratch->path(), service.data_dir);
        std::cerr << fmt::format("indexed {} listings into {} ({} lines skipped)\n", built.indexed,
                                 scratch->path().string(), built.rejected);
        service.index_dir = scratch->path();
    }
    const auto judged = group_by_query(load_judgments(options.judgments, options.columns));
    SearchService service_a(service);
    const auto scores_a = evaluate(service_a, setup, judged, options.scale);
    std::vector<std::vector<QueryScores>> compared;
    for (const auto& ranking : options.compared) {
        SearchService service_b(with_ranking(service, ranking));
        compared.push_back(evaluate(service_b, setup, judged, options.scale));
    }
    if (setup.json) {
        out << evaluation_json(scores_a, compared, options.compared) << "\n";
        return 0;
    }
    print_mean(out, "config A", mean_of(scores_a), options.scale.recall_depth);
    if (compared.empty()) return 0;
    if (compared.size() == 1) {
        print_mean(out, "config B", mean_of(compared.front()), options.scale.recall_depth);
        print_gains(out, scores_a, compared, options.compared);
        print_largest_changes(out, scores_a, compared.front(), options.show);
        return 0;
    }
    print_gains(out, scores_a, compared, options.compared);
    return 0;
}

}  // namespace relevance
