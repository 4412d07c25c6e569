#include "query_plan.h"

#include <unordered_map>

#include "analyzers/document_layout.h"
#include "filters.h"

namespace query {
namespace {

// A word is known if some listing has it in a text field, or it names a
// brand or category.
bool known(const std::string& term, const FieldVocabulary& vocabulary, const Xapian::Database& database) {
    for (const auto& field : analyzers::word_fields) {
        if (database.get_termfreq(std::string(field.prefix) + term) > 0) return true;
    }
    return !vocabulary.brand_terms(term).empty() || !vocabulary.category_terms(term).empty();
}

// `typed` with whitespace-separated tokens replaced by their corrections.
std::string with_corrections(const std::string& typed, const std::unordered_map<std::string, std::string>& corrections,
                             analyzers::TextAnalyzer& analyzer) {
    std::string corrected;
    for (std::size_t start = 0; start < typed.size();) {
        const std::size_t space = std::min(typed.find(' ', start), typed.size());
        std::string token = typed.substr(start, space - start);
        const auto words = analyzer.analyze(token);
        if (words.size() == 1) {
            if (auto found = corrections.find(words[0].term); found != corrections.end()) token = found->second;
        }
        if (!token.empty()) corrected += (corrected.empty() ? "" : " ") + token;
        start = space + 1;
    }
    return corrected;
}

}  // namespace

Plan Planner::plan(const SearchRequest& request, std::shared_ptr<const RankingConfig> ranking,
                   const PlanSources& sources) {
    Plan plan{.request = request, .ranking = std::move(ranking)};
    const RankingConfig& config = *plan.ranking;
    plan.text = builder_.build(request.text, config.text, &sources.vocabulary);
    std::unordered_map<std::string, std::string> corrections;
    for (const auto& word : plan.text.words) {
        if (known(word.term, sources.vocabulary, sources.database)) continue;
        if (auto corrected = sources.spelling.correct(word.term)) corrections.emplace(word.term, *corrected);
    }
    if (!corrections.empty()) {
        plan.suggestion = with_corrections(request.text, corrections, builder_.analyzer());
        if (config.spelling_auto_correct > 0) {
            // The typed words match nothing: searching them would only lose.
            plan.text = builder_.build(plan.suggestion, config.text, &sources.vocabulary);
            plan.corrected = true;
        }
    }
    plan.matching = plan.text.all_words();
    plan.matches = plan.matching.to_xapian();
    return plan;
}

bool Planner::should_relax(const Plan& plan, std::uint64_t all_words_matches) const {
    return !plan.relaxed && relaxes(all_words_matches, plan.text, *plan.ranking);
}

void Planner::relax(Plan& plan) const {
    plan.matching = relaxed_query(plan.text, *plan.ranking);
    plan.matches = plan.matching.to_xapian();
    plan.relaxed = true;
}

Xapian::Query Planner::filtered(const Plan& plan, const Filters& filters) {
    return apply_filters(plan.matches, filters, builder_.analyzer(), lexicon_);
}

Xapian::Query Planner::listings_passing(const Filters& filters) {
    return apply_filters(Xapian::Query::MatchAll, filters, builder_.analyzer(), lexicon_);
}

FilteredQueries Planner::filtered_queries(const Plan& plan) {
    return {.with_term_filters =
                [this, &plan](const Filters& filters) {
                    return apply_term_filters(plan.matches, filters, builder_.analyzer(), lexicon_);
                },
            .with_all_filters = [this, &plan](const Filters& filters) { return filtered(plan, filters); }};
}

Xapian::Query Planner::ranked(const Plan& plan, const RankingContext& context) {
    return with_business_signals(filtered(plan), plan.text, *plan.ranking, context);
}

QueryTree Planner::scored(const Plan& plan, const RankingContext& context) const {
    return with_business_signals(plan.matching, plan.text, *plan.ranking, context);
}

QueryTree relaxed_query(const TextQuery& text, const RankingConfig& ranking) {
    using Op = QueryTree::Op;
    QueryTree any = text.any_word();
    if (ranking.relax_word_bonus <= 0 || text.clauses.empty()) return any;
    std::vector<QueryTree> bonuses;
    for (const auto& clause : text.clauses) {
        bonuses.push_back(QueryTree::combine(Op::filter, {constant_weight(ranking.relax_word_bonus), clause}));
    }
    return QueryTree::combine(Op::and_maybe, {std::move(any), QueryTree::combine(Op::any_of, std::move(bonuses))});
}

Xapian::Enquire enquire_for(const Xapian::Database& database, const Xapian::Query& query,
                            const RankingConfig& ranking) {
    Xapian::Enquire enquire(database);
    enquire.set_weighting_scheme(bm25_of(ranking));
    enquire.set_query(query);
    return enquire;
}

}  // namespace query
