#include "text_plan.h"

#include <unordered_map>

#include "analyzers/document_layout.h"
#include "ranking_signals.h"

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

TextPlan plan_text(const std::string& typed, QueryBuilder& builder, const RankingConfig& ranking,
                   const FieldVocabulary& vocabulary, const SpellingDictionary& spelling,
                   const Xapian::Database& database) {
    TextPlan plan{builder.build(typed, ranking.text, &vocabulary), "", false};
    std::unordered_map<std::string, std::string> corrections;
    for (const auto& word : plan.text.words) {
        if (known(word.term, vocabulary, database)) continue;
        if (auto corrected = spelling.correct(word.term)) corrections.emplace(word.term, *corrected);
    }
    if (corrections.empty()) return plan;
    plan.suggestion = with_corrections(typed, corrections, builder.analyzer());
    if (ranking.spelling_auto_correct > 0) {
        // The typed words match nothing: searching them would only lose.
        plan.text = builder.build(plan.suggestion, ranking.text, &vocabulary);
        plan.corrected = true;
    }
    return plan;
}

QueryTree relaxed_query(const TextQuery& text, const RankingConfig& ranking) {
    using Op = QueryTree::Op;
    QueryTree any = text.any_word();
    if (ranking.relax_word_bonus <= 0 || text.clauses.empty()) return any;
    std::vector<QueryTree> bonuses;
    for (const auto& clause : text.clauses) {
        bonuses.push_back(QueryTree::combine(Op::filter, {constant_weight(ranking.relax_word_bonus), clause}));
    }
    return QueryTree::combine(Op::and_maybe,
                                         {std::move(any), QueryTree::combine(Op::any_of, std::move(bonuses))});
}

}  // namespace query
