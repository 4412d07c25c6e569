// Query words -> brand and category key terms.
//
// Brand and category are not indexed as words on each listing (see
// document_layout.h); instead the few thousand distinct keys in an index are
// analysed once, when the index is opened, and a query word finds the keys
// whose names contain it: "north" -> XBthe north face, "blouses" ->
// XCwomen/tops & blouses.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "analyzers/text_analyzer.h"

namespace query {

// Built once per index change, then only read: safe to share between threads
// once built (the service shares one copy through a SnapshotCache).
class FieldVocabulary {
public:
    // Reads every XB and XC term of `database`.
    static FieldVocabulary from_database(const Xapian::Database& database, analyzers::TextAnalyzer& analyzer);

    // `key` without prefix: "the north face", "women/tops & blouses".
    void add_brand_key(const std::string& key, analyzers::TextAnalyzer& analyzer);
    void add_category_key(const std::string& key, analyzers::TextAnalyzer& analyzer);

    // Full key terms (with prefix) whose names contain the analysed word.
    const std::vector<std::string>& brand_terms(const std::string& word) const;
    const std::vector<std::string>& category_terms(const std::string& word) const;

    std::size_t key_count() const { return key_count_; }

private:
    using WordToTerms = std::unordered_map<std::string, std::vector<std::string>>;
    static void add_key(WordToTerms& index, const std::string& term, std::string_view name, analyzers::TextAnalyzer& analyzer);
    static const std::vector<std::string>& find(const WordToTerms& index, const std::string& word);

    WordToTerms brand_terms_;
    WordToTerms category_terms_;
    std::size_t key_count_ = 0;
};

}  // namespace query
