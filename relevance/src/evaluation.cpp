#include "relevance/evaluation.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

namespace relevance {
namespace {

// Splits one CSV line with RFC 4180 quoting ("" inside quotes is a quote).
// Fields with line breaks inside quotes are not supported: judgments have none.
std::vector<std::string> split_csv(const std::string& line, char separator) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') fields.back().push_back('"'), ++i;
            else if (c == '"') quoted = false;
            else fields.back().push_back(c);
        } else if (c == '"') {
            quoted = true;
        } else if (c == separator) {
            fields.emplace_back();
        } else if (c != '\r') {
            fields.back().push_back(c);
        }
    }
    return fields;
}

std::size_t column_index(const std::vector<std::string>& header, const std::string& name, const std::string& file) {
    const auto found = std::find(header.begin(), header.end(), name);
    if (found == header.end()) {
        throw std::runtime_error(fmt::format("{}: no column '{}' in the header ({})", file, name, fmt::join(header, ", ")));
    }
    return static_cast<std::size_t>(found - header.begin());
}

double discounted_gain(const std::vector<double>& gains, std::size_t depth) {
    double dcg = 0;
    for (std::size_t rank = 0; rank < std::min(depth, gains.size()); ++rank) dcg += gains[rank] / std::log2(double(rank) + 2);
    return dcg;
}

double ndcg(const std::vector<double>& gains, std::vector<double> ideal, std::size_t depth) {
    std::sort(ideal.begin(), ideal.end(), std::greater<>());
    const double best = discounted_gain(ideal, depth);
    return best > 0 ? discounted_gain(gains, depth) / best : 0;
}

}  // namespace

std::vector<Judgment> load_judgments(const std::filesystem::path& path, const JudgmentColumns& columns) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(fmt::format("cannot read judgments file {}", path.string()));
    const char separator = path.extension() == ".tsv" ? '\t' : ',';
    std::string line;
    if (!std::getline(in, line)) throw std::runtime_error(fmt::format("{}: empty file", path.string()));
    const auto header = split_csv(line, separator);
    const std::size_t query_at = column_index(header, columns.query, path.string());
    const std::size_t id_at = column_index(header, columns.listing_id, path.string());
    const std::size_t grade_at = column_index(header, columns.grade, path.string());
    std::vector<Judgment> judgments;
    for (std::size_t line_number = 2; std::getline(in, line); ++line_number) {
        if (line.empty()) continue;
        const auto fields = split_csv(line, separator);
        if (fields.size() != header.size()) {
            throw std::runtime_error(fmt::format("{}:{}: {} fields, the header has {}", path.string(), line_number,
                                                 fields.size(), header.size()));
        }
        Judgment judgment{fields[query_at], fields[id_at], 0};
        try {
            std::size_t used = 0;
            judgment.grade = std::stod(fields[grade_at], &used);
            if (used != fields[grade_at].size()) throw std::invalid_argument("trailing text");
        } catch (const std::exception&) {
            throw std::runtime_error(fmt::format("{}:{}: grade \"{}\" is not a number", path.string(), line_number,
                                                 fields[grade_at]));
        }
        judgments.push_back(std::move(judgment));
    }
    return judgments;
}

std::vector<JudgedQuery> group_by_query(const std::vector<Judgment>& judgments) {
    std::vector<JudgedQuery> grouped;
    std::map<std::string, std::size_t> index_of;
    for (const auto& judgment : judgments) {
        auto [found, added] = index_of.try_emplace(judgment.query, grouped.size());
        if (added) grouped.push_back({judgment.query, {}});
        grouped[found->second].grades[judgment.listing_id] = judgment.grade;
    }
    return grouped;
}

RankingDifference difference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    RankingDifference difference;
    for (std::size_t rank = 0; rank < b.size(); ++rank) {
        const auto found = std::find(a.begin(), a.end(), b[rank]);
        if (found == a.end()) difference.entered.push_back(b[rank]);
        else if (static_cast<std::size_t>(found - a.begin()) != rank) ++difference.moved;
    }
    for (const auto& id : a) {
        if (std::find(b.begin(), b.end(), id) == b.end()) difference.left.push_back(id);
    }
    return difference;
}

QueryScores score_query(const std::string& query, const std::vector<std::string>& ranked,
                        const std::map<std::string, double>& judged, const GradeScale& scale) {
    constexpr std::size_t depth = 10;
    QueryScores scores{query};
    std::vector<double> gains, judged_gains, ideal;
    std::size_t relevant = 0, relevant_found = 0;
    for (const auto& [id, grade] : judged) {
        ideal.push_back(std::max(0.0, grade - scale.min_grade));
        if (grade >= scale.relevant_grade) ++relevant;
    }
    for (std::size_t rank = 0; rank < ranked.size(); ++rank) {
        const auto found = judged.find(ranked[rank]);
        const double gain = found == judged.end() ? 0 : std::max(0.0, found->second - scale.min_grade);
        gains.push_back(gain);
        if (found == judged.end()) continue;
        judged_gains.push_back(gain);
        const bool is_relevant = found->second >= scale.relevant_grade;
        if (is_relevant && scores.reciprocal_rank == 0) scores.reciprocal_rank = 1.0 / double(rank + 1);
        if (is_relevant && rank < scale.recall_depth) ++relevant_found;
    }
    scores.has_gain = std::any_of(ideal.begin(), ideal.end(), [](double gain) { return gain > 0; });
    scores.has_relevant = relevant > 0;
    scores.ndcg10 = ndcg(gains, ideal, depth);
    scores.ndcg10_judged = ndcg(judged_gains, ideal, depth);
    scores.recall = relevant > 0 ? double(relevant_found) / double(relevant) : 0;
    return scores;
}

MeanScores mean_of(const std::vector<QueryScores>& scores) {
    MeanScores mean;
    mean.queries = scores.size();
    std::size_t with_gain = 0, with_relevant = 0;
    for (const auto& each : scores) {
        if (each.has_gain) {
            ++with_gain;
            mean.ndcg10 += each.ndcg10;
            mean.ndcg10_judged += each.ndcg10_judged;
        }
        if (each.has_relevant) {
            ++with_relevant;
            mean.mrr += each.reciprocal_rank;
            mean.recall += each.recall;
        }
    }
    if (with_gain > 0) mean.ndcg10 /= double(with_gain), mean.ndcg10_judged /= double(with_gain);
    if (with_relevant > 0) mean.mrr /= double(with_relevant), mean.recall /= double(with_relevant);
    return mean;
}

int half_of(const std::string& query) {
    std::uint64_t hash = 14695981039346656037ull;  // FNV-1a: stable across runs and machines
    for (const unsigned char c : query) hash = (hash ^ c) * 1099511628211ull;
    return static_cast<int>(hash & 1);
}

std::vector<QueryScores> in_half(const std::vector<QueryScores>& scores, int half) {
    std::vector<QueryScores> kept;
    for (const auto& each : scores) {
        if (half_of(each.query) == half) kept.push_back(each);
    }
    return kept;
}

Gain bootstrap_gain(const std::vector<QueryScores>& a, const std::vector<QueryScores>& b, double confidence,
                    std::size_t rounds, std::uint64_t seed) {
    std::vector<double> deltas;
    for (std::size_t n = 0; n < std::min(a.size(), b.size()); ++n) {
        if (a[n].has_gain) deltas.push_back(b[n].ndcg10 - a[n].ndcg10);
    }
    Gain gain{.queries = deltas.size()};
    if (deltas.empty()) return gain;
    for (const double delta : deltas) gain.mean += delta;
    gain.mean /= double(deltas.size());
    std::mt19937_64 random(seed);
    std::uniform_int_distribution<std::size_t> pick(0, deltas.size() - 1);
    std::vector<double> means(rounds);
    for (double& mean : means) {
        double sum = 0;
        for (std::size_t n = 0; n < deltas.size(); ++n) sum += deltas[pick(random)];
        mean = sum / double(deltas.size());
    }
    std::sort(means.begin(), means.end());
    const double tail = (1 - confidence) / 2;
    gain.low = means[static_cast<std::size_t>(tail * double(rounds - 1))];
    gain.high = means[static_cast<std::size_t>((1 - tail) * double(rounds - 1))];
    return gain;
}

}  // namespace relevance
