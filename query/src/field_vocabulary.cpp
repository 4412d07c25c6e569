#include "field_vocabulary.h"

#include <algorithm>

#include "analyzers/document_layout.h"

namespace query {

using analyzers::TextAnalyzer;
using analyzers::Word;
namespace prefix = analyzers::prefix;

void FieldVocabulary::add_key(WordToTerms& index, const std::string& term, std::string_view name,
                              TextAnalyzer& analyzer) {
    const auto add = [&](const std::string& word) {
        auto& terms = index[word];
        if (std::find(terms.begin(), terms.end(), term) == terms.end()) terms.push_back(term);
    };
    for (const Word& word : analyzer.analyze(name)) {
        add(word.term);
        for (const auto& part : word.parts) add(part);
    }
}

void FieldVocabulary::add_brand_key(const std::string& key, TextAnalyzer& analyzer) {
    add_key(brand_terms_, std::string(prefix::brand) + key, key, analyzer);
    ++key_count_;
}

void FieldVocabulary::add_category_key(const std::string& key, TextAnalyzer& analyzer) {
    // Each level has its own key, so only the last level's words belong to
    // this one: "women/tops & blouses" answers "tops" and "blouses".
    const auto slash = key.rfind('/');
    const std::string_view level = slash == std::string::npos ? std::string_view(key)
                                                              : std::string_view(key).substr(slash + 1);
    add_key(category_terms_, std::string(prefix::category) + key, level, analyzer);
    ++key_count_;
}

FieldVocabulary FieldVocabulary::from_database(const Xapian::Database& database, TextAnalyzer& analyzer) {
    FieldVocabulary vocabulary;
    const std::string brand_prefix(prefix::brand), category_prefix(prefix::category);
    for (auto term = database.allterms_begin(brand_prefix); term != database.allterms_end(brand_prefix); ++term) {
        vocabulary.add_brand_key((*term).substr(brand_prefix.size()), analyzer);
    }
    for (auto term = database.allterms_begin(category_prefix); term != database.allterms_end(category_prefix);
         ++term) {
        vocabulary.add_category_key((*term).substr(category_prefix.size()), analyzer);
    }
    return vocabulary;
}

const std::vector<std::string>& FieldVocabulary::find(const WordToTerms& index, const std::string& word) {
    static const std::vector<std::string> none;
    auto found = index.find(word);
    return found == index.end() ? none : found->second;
}

const std::vector<std::string>& FieldVocabulary::brand_terms(const std::string& word) const {
    return find(brand_terms_, word);
}

const std::vector<std::string>& FieldVocabulary::category_terms(const std::string& word) const {
    return find(category_terms_, word);
}

}  // namespace query
