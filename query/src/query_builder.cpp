#include "query_builder.h"

namespace query {
namespace {

using analyzers::Phrase;
using analyzers::SynonymTable;
using analyzers::TextField;
using analyzers::Word;
using analyzers::word_fields;

using Op = QueryTree::Op;

void add_weighted(std::vector<QueryTree>& queries, const std::string& term, double weight) {
    if (weight > 0) queries.push_back(QueryTree::scaled(QueryTree::term(term), weight));
}

// One analysed term searched in every field, each with its weight.
class FieldExpander {
public:
    FieldExpander(const FieldWeights& weights, const FieldVocabulary* vocabulary)
        : weights_(weights), vocabulary_(vocabulary) {}

    enum class Fields { all, all_but_description };

    QueryTree term(const std::string& term, Fields searched = Fields::all) const {
        std::vector<QueryTree> fields;
        for (const auto& spec : word_fields) {
            if (spec.field == TextField::description && searched == Fields::all_but_description) continue;
            add_weighted(fields, std::string(spec.prefix) + term, weights_.of(spec.field));
        }
        if (vocabulary_ != nullptr) {
            for (const auto& key : vocabulary_->brand_terms(term)) add_weighted(fields, key, weights_.brand);
            for (const auto& key : vocabulary_->category_terms(term)) add_weighted(fields, key, weights_.category);
        }
        return QueryTree::combine(Op::any_of, std::move(fields));
    }

    // "t-shirt" finds "tshirt", "t-shirt" and "t shirt".
    QueryTree word(const Word& word) const {
        QueryTree whole = term(word.term);
        if (word.parts.empty()) return whole;
        std::vector<QueryTree> parts;
        for (const auto& part : word.parts) parts.push_back(term(part));
        return QueryTree::combine(Op::any_of, {std::move(whole), QueryTree::combine(Op::all_of, std::move(parts))});
    }

    // A synonym's words, in titles, brands and categories only: words
    // scattered through a long description are a loose match for a phrase,
    // and searching descriptions for every synonym of a common word ("nwt"
    // -> "new with tags") tripled its query time.
    QueryTree phrase(const Phrase& phrase) const {
        std::vector<QueryTree> terms;
        for (const auto& each : phrase) terms.push_back(term(each, Fields::all_but_description));
        return QueryTree::combine(Op::all_of, std::move(terms));
    }

private:
    const FieldWeights& weights_;
    const FieldVocabulary* vocabulary_;
};

}  // namespace

QueryTree TextQuery::all_words() const {
    if (clauses.empty()) return QueryTree::match_all();
    return QueryTree::combine(Op::all_of, clauses);
}

QueryTree TextQuery::any_word() const {
    if (clauses.empty()) return QueryTree::match_all();
    return QueryTree::combine(Op::any_of, clauses);
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
        std::vector<QueryTree> typed;
        for (std::size_t j = i; j < i + match.length; ++j) typed.push_back(expand.word(words[j]));
        std::vector<QueryTree> alternatives{QueryTree::combine(Op::all_of, std::move(typed))};
        for (const auto& phrase : match.alternatives) {
            query.match_terms.insert(query.match_terms.end(), phrase.begin(), phrase.end());
            alternatives.push_back(QueryTree::scaled(expand.phrase(phrase), options.synonym_weight));
        }
        query.clauses.push_back(QueryTree::combine(Op::any_of, std::move(alternatives)));
        i += match.length;
    }
    return query;
}

}  // namespace query
