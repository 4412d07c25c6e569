// Offline relevance evaluation: graded judgments of (query, listing) pairs
// and the metrics a ranking earns on them: nDCG@10, MRR, recall@k.
#pragma once

#include <filesystem>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace relevance {

struct Judgment {
    std::string query;
    std::string listing_id;
    double grade = 0;
};

// Which columns of a judgments file hold what, by header name.
struct JudgmentColumns {
    std::string query = "query";
    std::string listing_id = "listing_id";
    std::string grade = "grade";
};

// Reads a CSV (or, for a .tsv file, tab-separated) file with a header row.
// Throws std::runtime_error naming the file, line and column on bad input.
std::vector<Judgment> load_judgments(const std::filesystem::path& path, const JudgmentColumns& columns = {});

// One judged query: its text and listing id -> grade.
struct JudgedQuery {
    std::string query;
    std::map<std::string, double> grades;
};

// Judgments grouped by query, in the order queries first appear.
std::vector<JudgedQuery> group_by_query(const std::vector<Judgment>& judgments);

// How ranking B's top differs from ranking A's (both listing ids, best first).
struct RankingDifference {
    std::vector<std::string> entered, left;  // into / out of the top, from A to B
    std::size_t moved = 0;                   // in both, at another rank
};
RankingDifference difference(const std::vector<std::string>& a, const std::vector<std::string>& b);

struct GradeScale {
    double min_grade = 1;        // gain = grade - min_grade (Home Depot: 1 irrelevant .. 3 highly relevant)
    double relevant_grade = 2.5; // at least this is "relevant" for MRR and recall
    std::size_t recall_depth = 100;
};

// One query's scores. Unjudged listings count as gain 0 ("nDCG@10"); the
// judged-only variant drops them from the ranking first, so that it only
// measures the order of what raters saw.
struct QueryScores {
    std::string query;
    double ndcg10 = 0;
    double ndcg10_judged = 0;
    double reciprocal_rank = 0;
    double recall = 0;        // relevant listings in the top recall_depth, over all judged relevant
    bool has_gain = false;    // some judged listing has gain > 0 (else nDCG is undefined)
    bool has_relevant = false;
};

// `ranked`: listing ids best first; `judged`: listing id -> grade.
QueryScores score_query(const std::string& query, const std::vector<std::string>& ranked,
                        const std::map<std::string, double>& judged, const GradeScale& scale);

struct MeanScores {
    std::size_t queries = 0;
    double ndcg10 = 0, ndcg10_judged = 0, mrr = 0, recall = 0;
};

// Means over the queries where each metric is defined.
MeanScores mean_of(const std::vector<QueryScores>& scores);

// Which half (0 or 1) of a query set a query falls in, by a hash of its
// text: the same split on every run, for checking that a gain generalises.
int half_of(const std::string& query);
// `scores` of the queries in that half.
std::vector<QueryScores> in_half(const std::vector<QueryScores>& scores, int half);

// The mean nDCG@10 gain of ranking B over ranking A (per-query scores of
// the same queries, in the same order), with a paired bootstrap interval:
// queries resampled with replacement `rounds` times.
struct Gain {
    double mean = 0;
    double low = 0, high = 0;  // the central `confidence` of the resampled means
    std::size_t queries = 0;   // with nDCG defined
};
Gain bootstrap_gain(const std::vector<QueryScores>& a, const std::vector<QueryScores>& b, double confidence = 0.95,
                    std::size_t rounds = 2000, std::uint64_t seed = 42);

}  // namespace relevance
