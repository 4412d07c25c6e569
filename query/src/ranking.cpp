#include "query/ranking.h"

#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "query/errors.h"

namespace query {

double FreshnessCurve::bonus(double created_at) const {
    const double age = std::max(0.0, now_seconds - created_at);
    return weight * std::exp2(-age / half_life_seconds);
}

double FieldWeights::of(analyzers::TextField field) const {
    switch (field) {
        case analyzers::TextField::title: return title;
        case analyzers::TextField::brand: return brand;
        case analyzers::TextField::category: return category;
        case analyzers::TextField::description: return description;
    }
    return 0;
}

namespace {

struct Setting {
    std::string_view key;
    double RankingConfig::*member;  // for the plain numbers
    double FieldWeights::*field;  // for field weights
    double min, max;
    std::string_view help;
};

constexpr double unbounded = 1e9;

// Every key of the file, with what it sets and its valid range.
constexpr std::array<Setting, 15> settings{{
    {"bm25.k1", &RankingConfig::bm25_k1, nullptr, 0, 100, "how fast repeated words stop adding score"},
    {"bm25.b", &RankingConfig::bm25_b, nullptr, 0, 1, "how much long texts are penalised"},
    {"field.title", nullptr, &FieldWeights::title, 0, unbounded, "weight of title matches"},
    {"field.brand", nullptr, &FieldWeights::brand, 0, unbounded, "weight of brand matches"},
    {"field.category", nullptr, &FieldWeights::category, 0, unbounded, "weight of category matches"},
    {"field.description", nullptr, &FieldWeights::description, 0, unbounded,
     "weight of description matches"},
    {"synonym.weight", nullptr, nullptr, 0, unbounded, "a synonym's match relative to the words typed"},
    {"freshness.weight", &RankingConfig::freshness_weight, nullptr, 0, unbounded, "bonus of a brand-new listing"},
    {"freshness.half_life_days", &RankingConfig::freshness_half_life_days, nullptr, 0.001, unbounded,
     "age at which the freshness bonus halves"},
    {"brand_match.weight", &RankingConfig::brand_match_weight, nullptr, 0, unbounded,
     "bonus when the listing's brand is named in the query"},
    {"category_match.weight", &RankingConfig::category_match_weight, nullptr, 0, unbounded,
     "bonus when the listing's category is named in the query"},
    {"on_sale.weight", &RankingConfig::on_sale_weight, nullptr, 0, unbounded,
     "bonus of unsold listings over sold ones (when sold are shown)"},
    {"relax.min_matches", &RankingConfig::relax_min_matches, nullptr, 0, 10000,
     "below this many all-words matches, also show listings matching some words"},
    {"relax.word_bonus", &RankingConfig::relax_word_bonus, nullptr, 0, unbounded,
     "once relaxed, bonus per typed word a listing matches"},
    {"spelling.auto_correct", &RankingConfig::spelling_auto_correct, nullptr, 0, 1,
     "1: search the correction of words no listing contains; 0: only suggest it"},
}};

double& target(RankingConfig& config, const Setting& setting) {
    if (setting.member != nullptr) return config.*setting.member;
    if (setting.field != nullptr) return config.text.weights.*setting.field;
    return config.text.synonym_weight;
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace

RankingConfig RankingConfig::parse(std::string_view text, std::string_view source_name) {
    RankingConfig config;
    std::size_t line_number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++line_number;
        line = trim(line.substr(0, line.find('#')));
        if (line.empty()) continue;
        const auto fail = [&](const std::string& why) {
            throw RequestError(fmt::format("{}:{}: {}", source_name, line_number, why));
        };
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) fail(fmt::format("expected 'key = value', got \"{}\"", line));
        const std::string_view key = trim(line.substr(0, equals)), value_text = trim(line.substr(equals + 1));
        const Setting* setting = nullptr;
        for (const auto& each : settings) {
            if (each.key == key) setting = &each;
        }
        if (setting == nullptr) fail(fmt::format("unknown key '{}'", key));
        double value = 0;
        const auto [parsed_end, error] = std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
        if (value_text.empty() || error != std::errc() || parsed_end != value_text.data() + value_text.size() ||
            !std::isfinite(value) || value < setting->min || value > setting->max) {
            fail(fmt::format("'{}' must be a number from {} to {}, not \"{}\"", key, setting->min, setting->max,
                             value_text));
        }
        target(config, *setting) = value;
    }
    return config;
}

RankingConfig RankingConfig::load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw RequestError(fmt::format("cannot read ranking config {}", path.string()));
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), path.string());
}

std::string RankingConfig::to_text() const {
    RankingConfig copy = *this;
    std::string text;
    for (const auto& setting : settings) {
        text += fmt::format("{} = {}  # {}\n", setting.key, target(copy, setting), setting.help);
    }
    return text;
}

}  // namespace query
