#include "query/ranking.h"

#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <optional>
#include <stdexcept>
#include <variant>

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

// Where a setting lives in the config, by the kind of value it takes.
using SettingField = std::variant<double*, std::size_t*, bool*, MatchingStrategy*>;

struct Setting {
    std::string_view key;
    SettingField (*field)(RankingConfig&);
    double min, max;  // for numbers
    std::string_view help;
};

constexpr double unbounded = 1e9;
constexpr std::array<std::string_view, 3> strategy_names{"all", "last", "frequency"};

// Every key of the file, with what it sets and its valid range.
const std::array settings{
    Setting{"bm25.k1", [](RankingConfig& c) -> SettingField { return &c.bm25_k1; }, 0, 100,
            "how fast repeated words stop adding score"},
    Setting{"bm25.b", [](RankingConfig& c) -> SettingField { return &c.bm25_b; }, 0, 1,
            "how much long texts are penalised"},
    Setting{"field.title", [](RankingConfig& c) -> SettingField { return &c.text.weights.title; }, 0, unbounded,
            "weight of title matches"},
    Setting{"field.brand", [](RankingConfig& c) -> SettingField { return &c.text.weights.brand; }, 0, unbounded,
            "weight of brand matches"},
    Setting{"field.category", [](RankingConfig& c) -> SettingField { return &c.text.weights.category; }, 0,
            unbounded, "weight of category matches"},
    Setting{"field.description", [](RankingConfig& c) -> SettingField { return &c.text.weights.description; }, 0,
            unbounded, "weight of description matches"},
    Setting{"synonym.weight", [](RankingConfig& c) -> SettingField { return &c.text.synonym_weight; }, 0, unbounded,
            "a synonym's match relative to the words typed"},
    Setting{"prefix.enabled", [](RankingConfig& c) -> SettingField { return &c.text.typing.prefix; }, 0, 1,
            "on: the last word, unless followed by a space, also matches the words it starts"},
    Setting{"prefix.max_completions", [](RankingConfig& c) -> SettingField { return &c.text.typing.max_completions; },
            0, 1000, "at most this many completions of the last word, the most frequent"},
    Setting{"prefix.context_listings",
            [](RankingConfig& c) -> SettingField { return &c.text.typing.context_listings; }, 0, 10000,
            "also the completions in the titles of this many listings with the other words (0: off)"},
    Setting{"prefix.weight", [](RankingConfig& c) -> SettingField { return &c.text.typing.completion_weight; }, 0, 1,
            "a completion's match relative to a word typed in full"},
    Setting{"prefix.descriptions",
            [](RankingConfig& c) -> SettingField { return &c.text.typing.completions_in_descriptions; }, 0, 1,
            "on: the completions of the word being typed are searched in descriptions too"},
    Setting{"typo.enabled", [](RankingConfig& c) -> SettingField { return &c.text.typing.typos; }, 0, 1,
            "on: every word also matches known words a typo or two away"},
    Setting{"typo.known_all_fields",
            [](RankingConfig& c) -> SettingField { return &c.text.typing.known_word_typos_in_all_fields; }, 0, 1,
            "on: a word the listings have matches its typo alternatives in every field, not just titles and brands"},
    Setting{"typo.one_min_length", [](RankingConfig& c) -> SettingField { return &c.text.typing.typo_one_min_length; },
            1, 100, "words this long and longer match words one edit away"},
    Setting{"typo.two_min_length", [](RankingConfig& c) -> SettingField { return &c.text.typing.typo_two_min_length; },
            1, 100, "words this long and longer match words two edits away"},
    Setting{"typo.max_alternatives",
            [](RankingConfig& c) -> SettingField { return &c.text.typing.max_typo_alternatives; }, 0, 100,
            "at most this many typo alternatives per word, the closest and most frequent"},
    Setting{"typo.one_weight", [](RankingConfig& c) -> SettingField { return &c.text.typing.typo_one_weight; }, 0, 1,
            "a one-typo match relative to the word as typed"},
    Setting{"typo.two_weight", [](RankingConfig& c) -> SettingField { return &c.text.typing.typo_two_weight; }, 0, 1,
            "a two-typo match relative to the word as typed"},
    Setting{"split_join.enabled", [](RankingConfig& c) -> SettingField { return &c.text.typing.split_join; }, 0, 1,
            "on: a word run together matches its two words, two words their joined form"},
    Setting{"split_join.weight", [](RankingConfig& c) -> SettingField { return &c.text.typing.split_join_weight; },
            0, 1, "a split or joined match relative to the words as typed"},
    Setting{"freshness.weight", [](RankingConfig& c) -> SettingField { return &c.freshness_weight; }, 0, unbounded,
            "bonus of a brand-new listing"},
    Setting{"freshness.half_life_days", [](RankingConfig& c) -> SettingField { return &c.freshness_half_life_days; },
            0.001, unbounded, "age at which the freshness bonus halves"},
    Setting{"brand_match.weight", [](RankingConfig& c) -> SettingField { return &c.brand_match_weight; }, 0,
            unbounded, "bonus when the listing's brand is named in the query"},
    Setting{"category_match.weight", [](RankingConfig& c) -> SettingField { return &c.category_match_weight; }, 0,
            unbounded, "bonus when the listing's category is named in the query"},
    Setting{"on_sale.weight", [](RankingConfig& c) -> SettingField { return &c.on_sale_weight; }, 0, unbounded,
            "bonus of unsold listings over sold ones (when sold are shown)"},
    Setting{"relax.min_matches", [](RankingConfig& c) -> SettingField { return &c.relax_min_matches; }, 0, 10000,
            "below this many all-words matches, also show listings matching some words"},
    Setting{"relax.strategy", [](RankingConfig& c) -> SettingField { return &c.matching; }, 0, 0,
            "which listings match once relaxed: all (never relax), last (drop words from the end), frequency "
            "(drop the most common words first)"},
    Setting{"relax.word_bonus", [](RankingConfig& c) -> SettingField { return &c.relax_word_bonus; }, 0, unbounded,
            "once relaxed, bonus per typed word a listing matches"},
    Setting{"relax.idf_bonus", [](RankingConfig& c) -> SettingField { return &c.relax_idf_bonus; }, 0, unbounded,
            "once relaxed, further bonus per typed word matched, times the word's IDF over titles"},
    Setting{"relax.number_share", [](RankingConfig& c) -> SettingField { return &c.relax_number_share; }, 0, 1,
            "share of the bonus a bare number earns"},
    Setting{"relax.function_word_share",
            [](RankingConfig& c) -> SettingField { return &c.relax_function_word_share; }, 0, 1,
            "share of the bonus a word naming no thing earns (\"with\", \"for\", \"in\", \"and\")"},
    Setting{"relax.other_word_share", [](RankingConfig& c) -> SettingField { return &c.relax_other_word_share; }, 0,
            1, "share of its bonus a typo earns when titles have the word as typed"},
    Setting{"proximity.weight", [](RankingConfig& c) -> SettingField { return &c.proximity_weight; }, 0, unbounded,
            "bonus per pair of adjacent typed words a title has adjacent (half when near)"},
    Setting{"proximity.window", [](RankingConfig& c) -> SettingField { return &c.proximity_window; }, 0, 1000,
            "how many of the best-ranked listings are ranked again by proximity and head noun"},
    Setting{"head_noun.weight", [](RankingConfig& c) -> SettingField { return &c.head_noun_weight; }, 0, unbounded,
            "bonus of a title with the query's head noun (\"door\" in \"door with mail slot\")"},
    Setting{"exact.weight", [](RankingConfig& c) -> SettingField { return &c.exact_weight; }, 0, unbounded,
            "a re-ranked title's score times 1 + this x the share of the typed words it has as typed"},
    Setting{"exact.pair_weight", [](RankingConfig& c) -> SettingField { return &c.exact_pair_weight; }, 0, unbounded,
            "... and times 1 + this x the share of the typed pairs of words it has next to each other as typed"},
    Setting{"related.weight", [](RankingConfig& c) -> SettingField { return &c.related_weight; }, 0, unbounded,
            "... and times 1 + this x how much of the typed words it lacks it has in words that go with them"},
    Setting{"spelling.auto_correct", [](RankingConfig& c) -> SettingField { return &c.spelling_auto_correct; }, 0, 1,
            "1: search the correction of words no listing contains; 0: only suggest it"},
};

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

std::optional<double> number_in(std::string_view text, double min, double max) {
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
        value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

// Sets the setting from its text; the reason it cannot, otherwise.
std::optional<std::string> assign(RankingConfig& config, const Setting& setting, std::string_view text) {
    struct Assign {
        const Setting& setting;
        std::string_view text;

        std::optional<std::string> operator()(double* field) const {
            const auto value = number_in(text, setting.min, setting.max);
            if (!value) return fmt::format("'{}' must be a number from {} to {}", setting.key, setting.min, setting.max);
            *field = *value;
            return std::nullopt;
        }
        std::optional<std::string> operator()(std::size_t* field) const {
            const auto value = number_in(text, setting.min, setting.max);
            if (!value || *value != std::floor(*value)) {
                return fmt::format("'{}' must be a whole number from {} to {}", setting.key, setting.min, setting.max);
            }
            *field = static_cast<std::size_t>(*value);
            return std::nullopt;
        }
        std::optional<std::string> operator()(bool* field) const {
            if (text != "on" && text != "off" && text != "1" && text != "0") {
                return fmt::format("'{}' must be on or off", setting.key);
            }
            *field = text == "on" || text == "1";
            return std::nullopt;
        }
        std::optional<std::string> operator()(MatchingStrategy* field) const {
            for (std::size_t n = 0; n < strategy_names.size(); ++n) {
                if (text != strategy_names[n]) continue;
                *field = static_cast<MatchingStrategy>(n);
                return std::nullopt;
            }
            return fmt::format("'{}' must be one of {}", setting.key, fmt::join(strategy_names, ", "));
        }
    };
    return std::visit(Assign{setting, text}, setting.field(config));
}

std::string text_of(const SettingField& field) {
    struct Text {
        std::string operator()(const double* value) const { return fmt::format("{}", *value); }
        std::string operator()(const std::size_t* value) const { return fmt::format("{}", *value); }
        std::string operator()(const bool* value) const { return *value ? "on" : "off"; }
        std::string operator()(const MatchingStrategy* value) const {
            return std::string(strategy_names[static_cast<std::size_t>(*value)]);
        }
    };
    return std::visit(Text{}, field);
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
        if (const auto why = assign(config, *setting, value_text)) fail(fmt::format("{}, not \"{}\"", *why, value_text));
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
        text += fmt::format("{} = {}  # {}\n", setting.key, text_of(setting.field(copy)), setting.help);
    }
    return text;
}

}  // namespace query
