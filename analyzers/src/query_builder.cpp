#include "analyzers/query_builder.h"

namespace analyzers {
namespace {

Xapian::Query word_query(const Word& word, const FieldWeights& weights) {
    Xapian::Query whole = QueryBuilder::term_in_fields(word.term, weights);
    if (word.parts.empty()) return whole;
    // "t-shirt" finds "tshirt", "t-shirt" and "t shirt".
    std::vector<Xapian::Query> parts;
    for (const auto& part : word.parts) parts.push_back(QueryBuilder::term_in_fields(part, weights));
    return Xapian::Query(Xapian::Query::OP_OR, whole, Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end()));
}

Xapian::Query phrase_query(const Phrase& phrase, const FieldWeights& weights) {
    std::vector<Xapian::Query> terms;
    for (const auto& term : phrase) terms.push_back(QueryBuilder::term_in_fields(term, weights));
    return Xapian::Query(Xapian::Query::OP_AND, terms.begin(), terms.end());
}

}  // namespace

double FieldWeights::of(TextField field) const {
    switch (field) {
        case TextField::title: return title;
        case TextField::brand: return brand;
        case TextField::category: return category;
        case TextField::description: return description;
    }
    return 0;
}

Xapian::Query TextQuery::all_words() const {
    if (clauses.empty()) return Xapian::Query::MatchAll;
    return Xapian::Query(Xapian::Query::OP_AND, clauses.begin(), clauses.end());
}

Xapian::Query TextQuery::any_word() const {
    if (clauses.empty()) return Xapian::Query::MatchAll;
    return Xapian::Query(Xapian::Query::OP_OR, clauses.begin(), clauses.end());
}

Xapian::Query QueryBuilder::term_in_fields(const std::string& term, const FieldWeights& weights) {
    std::vector<Xapian::Query> fields;
    for (const auto& spec : text_fields) {
        const double weight = weights.of(spec.field);
        if (weight <= 0) continue;
        std::string prefixed_term(spec.prefix);
        prefixed_term += term;
        fields.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(prefixed_term), weight);
    }
    return Xapian::Query(Xapian::Query::OP_OR, fields.begin(), fields.end());
}

TextQuery QueryBuilder::build(std::string_view text, const QueryOptions& options) {
    TextQuery query;
    query.words = analyzer_.analyze(text);
    const auto& words = query.words;
    for (std::size_t i = 0; i < words.size();) {
        const SynonymTable::Match match = lexicon_.synonyms.longest_match(words, i);
        if (match.length == 0) {
            query.clauses.push_back(word_query(words[i], options.weights));
            ++i;
            continue;
        }
        std::vector<Xapian::Query> typed;
        for (std::size_t j = i; j < i + match.length; ++j) typed.push_back(word_query(words[j], options.weights));
        std::vector<Xapian::Query> alternatives{Xapian::Query(Xapian::Query::OP_AND, typed.begin(), typed.end())};
        for (const auto& phrase : match.alternatives) {
            alternatives.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, phrase_query(phrase, options.weights),
                                      options.synonym_weight);
        }
        query.clauses.emplace_back(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end());
        i += match.length;
    }
    return query;
}

}  // namespace analyzers
