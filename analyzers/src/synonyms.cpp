#include "analyzers/synonyms.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace analyzers {
namespace {

std::string phrase_key(const Phrase& phrase) {
    std::string key;
    for (const auto& term : phrase) {
        if (!key.empty()) key.push_back(' ');
        key += term;
    }
    return key;
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

std::vector<std::string_view> split(std::string_view text, std::string_view separator) {
    std::vector<std::string_view> pieces;
    std::size_t start = 0;
    for (auto at = text.find(separator); at != std::string_view::npos; at = text.find(separator, start)) {
        pieces.push_back(trim(text.substr(start, at - start)));
        start = at + separator.size();
    }
    pieces.push_back(trim(text.substr(start)));
    return pieces;
}

Phrase analyse_phrase(std::string_view text, TextAnalyzer& analyzer) {
    Phrase phrase;
    for (auto& word : analyzer.analyze(text)) phrase.push_back(std::move(word.term));
    return phrase;
}

// Calls `on_entry(line_text, line_number)` for each line that is not blank
// or a '#' comment.
template <typename OnEntry>
void for_each_entry(std::string_view text, OnEntry on_entry) {
    std::size_t line_number = 0;
    for (std::string_view line : split(text, "\n")) {
        ++line_number;
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        on_entry(line, line_number);
    }
}

std::string read_file_if_present(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::ostringstream contents;
    contents << in.rdbuf();
    return contents.str();
}

}  // namespace

void SynonymTable::add_rule(const Phrase& from, const Phrase& to) {
    if (from.empty() || to.empty() || from == to) return;
    auto& alternatives = alternatives_[phrase_key(from)];
    if (std::find(alternatives.begin(), alternatives.end(), to) == alternatives.end()) {
        alternatives.push_back(to);
    }
    longest_phrase_ = std::max(longest_phrase_, from.size());
}

void SynonymTable::add_group(const std::vector<Phrase>& phrases) {
    for (const auto& from : phrases) {
        for (const auto& to : phrases) add_rule(from, to);
    }
}

SynonymTable::Match SynonymTable::longest_match(const std::vector<Word>& words, std::size_t start) const {
    const std::size_t longest = std::min(longest_phrase_, words.size() - std::min(start, words.size()));
    for (std::size_t length = longest; length > 0; --length) {
        Phrase candidate;
        for (std::size_t i = start; i < start + length; ++i) candidate.push_back(words[i].term);
        if (auto found = alternatives_.find(phrase_key(candidate)); found != alternatives_.end()) {
            return {length, found->second};
        }
    }
    return {};
}

void BrandAliases::add(std::string normalized_alias, std::string normalized_brand) {
    canonical_[std::move(normalized_alias)] = std::move(normalized_brand);
}

std::string BrandAliases::canonical(const std::string& normalized_brand) const {
    auto found = canonical_.find(normalized_brand);
    return found == canonical_.end() ? normalized_brand : found->second;
}

Lexicon parse_lexicon(std::string_view synonyms_text, std::string_view brand_aliases_text,
                      TextAnalyzer& analyzer) {
    Lexicon lexicon;
    for_each_entry(synonyms_text, [&](std::string_view line, std::size_t line_number) {
        std::vector<Phrase> group;
        for (auto text : split(line, ",")) {
            if (!text.empty()) group.push_back(analyse_phrase(text, analyzer));
        }
        if (group.size() < 2) {
            throw std::runtime_error(fmt::format(
                "synonyms.txt line {}: expected two or more phrases separated by commas", line_number));
        }
        lexicon.synonyms.add_group(group);
    });
    for_each_entry(brand_aliases_text, [&](std::string_view line, std::size_t line_number) {
        const auto sides = split(line, "=>");
        if (sides.size() != 2 || sides[0].empty() || sides[1].empty()) {
            throw std::runtime_error(
                fmt::format("brand_aliases.txt line {}: expected \"alias => brand\"", line_number));
        }
        lexicon.brands.add(analyzer.normalize(sides[0]), analyzer.normalize(sides[1]));
        lexicon.synonyms.add_rule(analyse_phrase(sides[0], analyzer), analyse_phrase(sides[1], analyzer));
    });
    return lexicon;
}

Lexicon load_lexicon(const std::filesystem::path& data_dir) {
    if (!std::filesystem::is_directory(data_dir)) {
        throw std::runtime_error(fmt::format("data directory {} does not exist", data_dir.string()));
    }
    TextAnalyzer analyzer;
    return parse_lexicon(read_file_if_present(data_dir / "synonyms.txt"),
                         read_file_if_present(data_dir / "brand_aliases.txt"), analyzer);
}

}  // namespace analyzers
