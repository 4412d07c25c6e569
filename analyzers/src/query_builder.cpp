#include "analyzers/query_builder.h"

namespace analyzers {
namespace {

void add_weighted(std::vector<Xapian::Query>& queries, const std::string& term, double weight) {
    if (weight > 0) queries.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(term), weight);
}

// One analysed term searched in every field, each with its weight.
class FieldExpander {
public:
    FieldExpander(const FieldWeights& weights, const FieldVocabulary* vocabulary)
        : weights_(weights), vocabulary_(vocabulary) {}

    enum class Fields { all, all_but_description };

    Xapian::Query term(const std::string& term, Fields searched = Fields::all) const {
        std::vector<Xapian::Query> fields;
        for (const auto& spec : word_fields) {
            if (spec.field == TextField::description && searched == Fields::all_but_description) continue;
            add_weighted(fields, std::string(spec.prefix) + term, weights_.of(spec.field));
        }
        if (vocabulary_ != nullptr) {
            for (const auto& key : vocabulary_->brand_terms(term)) add_weighted(fields, key, weights_.brand);
            for (const auto& key : vocabulary_->category_terms(term)) add_weighted(fields, key, weights_.category);
        }
        return Xapian::Query(Xapian::Query::OP_OR, fields.begin(), fields.end());
    }

    // "t-shirt" finds "tshirt", "t-shirt" and "t shirt".
    Xapian::Query word(const Word& word) const {
        Xapian::Query whole = term(word.term);
        if (word.parts.empty()) return whole;
        std::vector<Xapian::Query> parts;
        for (const auto& part : word.parts) parts.push_back(term(part));
        return Xapian::Query(Xapian::Query::OP_OR, whole,
                             Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end()));
    }

    // A synonym's words, in titles, brands and categories only: words
    // scattered through a long description are a loose match for a phrase,
    // and searching descriptions for every synonym of a common word ("nwt"
    // -> "new with tags") tripled its query time.
    Xapian::Query phrase(const Phrase& phrase) const {
        std::vector<Xapian::Query> terms;
        for (const auto& each : phrase) terms.push_back(term(each, Fields::all_but_description));
        return Xapian::Query(Xapian::Query::OP_AND, terms.begin(), terms.end());
    }

private:
    const FieldWeights& weights_;
    const FieldVocabulary* vocabulary_;
};

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

TextQuery QueryBuilder::build(std::string_view text, const QueryOptions& options,
                              const FieldVocabulary* vocabulary) {
    const FieldExpander expand(options.weights, vocabulary);
    TextQuery query;
    query.words = analyzer_.analyze(text);
    const auto& words = query.words;
    for (const Word& word : words) {
        query.match_terms.push_back(word.term);
        query.match_terms.insert(query.match_terms.end(), word.parts.begin(), word.parts.end());
        if (vocabulary == nullptr) continue;
        for (const auto& key : vocabulary->brand_terms(word.term)) query.named_brands.push_back(key);
        for (const auto& key : vocabulary->category_terms(word.term)) query.named_categories.push_back(key);
    }
    for (std::size_t i = 0; i < words.size();) {
        const SynonymTable::Match match = lexicon_.synonyms.longest_match(words, i);
        if (match.length == 0) {
            query.clauses.push_back(expand.word(words[i]));
            ++i;
            continue;
        }
        std::vector<Xapian::Query> typed;
        for (std::size_t j = i; j < i + match.length; ++j) typed.push_back(expand.word(words[j]));
        std::vector<Xapian::Query> alternatives{Xapian::Query(Xapian::Query::OP_AND, typed.begin(), typed.end())};
        for (const auto& phrase : match.alternatives) {
            query.match_terms.insert(query.match_terms.end(), phrase.begin(), phrase.end());
            alternatives.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, expand.phrase(phrase),
                                      options.synonym_weight);
        }
        query.clauses.emplace_back(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end());
        i += match.length;
    }
    return query;
}

}  // namespace analyzers
