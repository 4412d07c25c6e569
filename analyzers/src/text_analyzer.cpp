#include "analyzers/text_analyzer.h"

#include <algorithm>
#include <stdexcept>
#include <bit>
#include <unordered_map>

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <xapian.h>

namespace analyzers {
namespace {

// Terms longer than this are noise (URLs, base64, keyboard mashing) and
// would only bloat the index; Xapian's own limit is 245 bytes.
constexpr std::size_t max_term_bytes = 64;
// A compound like "a-b-c-d-e-f-g-h-i" is split into at most this many parts.
constexpr std::size_t max_compound_parts = 8;
// Stems of recent words, direct-mapped: a word goes in the slot its hash
// names, replacing whatever was there. A hash map that was cleared when
// full spent 11% of a build in lookups and clears on the benchmark data's
// large vocabulary; this one neither grows nor clears, and a lookup reads
// one slot.
class StemCache {
public:
    explicit StemCache(std::size_t slots) : size_(std::bit_ceil(std::max<std::size_t>(slots, 1))) {}

    const std::string* find(const std::string& word) const {
        if (slots_.empty()) return nullptr;
        const Slot& slot = slots_[slot_of(word)];
        return slot.word == word ? &slot.stem : nullptr;
    }
    void store(const std::string& word, const std::string& stem) {
        if (slots_.empty()) slots_.resize(size_);  // on first use: most analyzers of a server never stem much
        Slot& slot = slots_[slot_of(word)];
        slot.word = word;
        slot.stem = stem;
    }

private:
    struct Slot {
        std::string word, stem;  // short words stay inside the strings: no allocation
    };
    std::size_t slot_of(const std::string& word) const { return std::hash<std::string>{}(word) & (size_ - 1); }

    std::size_t size_;
    std::vector<Slot> slots_;
};

bool is_ascii(std::string_view text) {
    for (char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    }
    return true;
}

// Characters that join two words into one compound when nothing else sits
// between them: "t-shirt", "3/4", "at&t", "c++". Returns the connector as
// ASCII, or 0 if `c` is not one.
char connector_of(char16_t c) {
    switch (c) {
        case u'-': case u'\u2010': case u'\u2011': return '-';
        case u'/': return '/';
        case u'&': return '&';
        case u'+': return '+';
        default: return 0;
    }
}

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

std::string ascii_lower(std::string_view text) {
    std::string lowered(text);
    for (char& c : lowered) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return lowered;
}

// "128gb" -> {"128", "gb"}; "ps4" -> {"ps", "4"}; "10.5" stays whole. Only
// ASCII letters and digits are split apart: other scripts are left to ICU.
std::vector<std::string> split_letters_and_digits(const std::string& word) {
    std::vector<std::string> pieces;
    std::size_t piece_start = 0;
    for (std::size_t i = 1; i < word.size(); ++i) {
        const bool boundary = (is_ascii_digit(word[i - 1]) && is_ascii_letter(word[i])) ||
                              (is_ascii_letter(word[i - 1]) && is_ascii_digit(word[i]));
        if (boundary) {
            pieces.push_back(word.substr(piece_start, i - piece_start));
            piece_start = i;
        }
    }
    pieces.push_back(word.substr(piece_start));
    return pieces;
}

bool all_digits(const std::string& text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), is_ascii_digit);
}

// Words joined by connectors with no space between them.
struct Chunk {
    std::vector<std::string> pieces;  // UTF-8, normalised
    std::vector<char> connectors;     // connectors[i] sits between pieces[i] and pieces[i+1]
};

// Groups a stream of word and separator segments into chunks.
class ChunkCollector {
public:
    void word(std::string text) {
        if (pending_connector_ != 0) {
            chunks_.back().connectors.push_back(pending_connector_);
            chunks_.back().pieces.push_back(std::move(text));
        } else {
            chunks_.push_back(Chunk{{std::move(text)}, {}});
        }
        pending_connector_ = 0;
        last_was_word_ = true;
    }
    // `connector` is connector_of the separator if it is a single character.
    void separator(char connector) {
        pending_connector_ = last_was_word_ ? connector : 0;
        last_was_word_ = false;
    }
    std::vector<Chunk> take() { return std::move(chunks_); }

private:
    std::vector<Chunk> chunks_;
    char pending_connector_ = 0;
    bool last_was_word_ = false;
};

// Word characters of UAX #29 as ICU 72 applies them to ASCII: letters,
// digits, '_' (ExtendNumLet) and '@' (which ICU treats as a letter).
bool is_ascii_word_char(char c) { return is_ascii_letter(c) || is_ascii_digit(c) || c == '_' || c == '@'; }

// A single character between two word characters that keeps them one word:
// "e.g", "don't" between letters; "10.5", "1,000", "1;2" between digits.
bool joins_within_word(char before, char middle, char after) {
    const auto letterish = [](char c) { return is_ascii_letter(c) || c == '@'; };
    if (letterish(before) && letterish(after)) return middle == '.' || middle == '\'';
    if (is_ascii_digit(before) && is_ascii_digit(after)) {
        return middle == '.' || middle == '\'' || middle == ',' || middle == ';';
    }
    return false;
}

// What ICU's word breaker makes of lower-cased ASCII text, without ICU's
// conversions: most listings are plain ASCII and this is several times
// faster. A test checks that both paths agree on real listings.
std::vector<Chunk> ascii_chunks(const std::string& text) {
    ChunkCollector collector;
    std::size_t i = 0;
    while (i < text.size()) {
        if (!is_ascii_word_char(text[i])) {
            collector.separator(connector_of(static_cast<char16_t>(text[i])));
            ++i;
            continue;
        }
        const std::size_t start = i;
        while (i < text.size()) {
            if (is_ascii_word_char(text[i])) ++i;
            else if (i + 1 < text.size() && joins_within_word(text[i - 1], text[i], text[i + 1])) ++i;
            else break;
        }
        const std::string_view segment(text.data() + start, i - start);
        const bool only_underscores = segment.find_first_not_of('_') == std::string_view::npos;
        if (only_underscores) collector.separator(0);
        else collector.word(std::string(segment));
    }
    return collector.take();
}

// "10,000" -> "10000": a number written with thousands separators is the
// number written without ("10,000 BTU" and "10000 BTU" find each other).
// Only groups of three digits after each comma: "1,5" and "3,50" stay.
// Returns `word` itself when it stays (no copy: every word of every listing
// comes through here), else `digits`, filled.
const std::string& without_thousands_separators(const std::string& word, std::string& digits) {
    if (word.find(',') == std::string::npos) return word;
    digits.clear();
    std::size_t group = 0;  // digits since the last comma (or the start)
    bool after_comma = false;
    for (const char c : word) {
        if (c == ',') {
            if (group == 0 || group > 3 || (after_comma && group != 3)) return word;
            group = 0;
            after_comma = true;
            continue;
        }
        if (!is_ascii_digit(c)) return word;
        digits.push_back(c);
        ++group;
    }
    return after_comma && group == 3 ? digits : word;
}

}  // namespace

struct TextAnalyzer::Impl {
    const icu::Normalizer2* nfkc_casefold = nullptr;
    const icu::Normalizer2* nfd = nullptr;
    const icu::Normalizer2* nfc = nullptr;
    std::unique_ptr<icu::BreakIterator> word_breaker;
    Xapian::Stem stemmer{"english"};
    StemCache stem_cache;
    bool ascii_fast_path = true;
    bool keep_surface = false;

    explicit Impl(const AnalyzerOptions& options)
        : stem_cache(options.stem_cache_slots), ascii_fast_path(options.ascii_fast_path), keep_surface(options.keep_surface) {
        UErrorCode status = U_ZERO_ERROR;
        nfkc_casefold = icu::Normalizer2::getNFKCCasefoldInstance(status);
        nfd = icu::Normalizer2::getNFDInstance(status);
        nfc = icu::Normalizer2::getNFCInstance(status);
        word_breaker.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
        if (U_FAILURE(status)) {
            throw std::runtime_error(std::string("ICU initialisation failed: ") + u_errorName(status));
        }
    }

    icu::UnicodeString normalize_unicode(std::string_view text) {
        icu::UnicodeString folded;
        UErrorCode status = U_ZERO_ERROR;
        const auto input = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), text.size()));
        nfkc_casefold->normalize(input, folded, status);
        if (U_FAILURE(status)) return input;
        folded.findAndReplace(u"\u2019", u"'");  // "levi’s" stems like "levi's"
        return strip_latin_diacritics(folded);
    }

    // "pokémon" -> "pokemon". Only the Combining Diacritical Marks block is
    // removed: Japanese voicing marks (U+3099) must stay, or ガ would become カ.
    icu::UnicodeString strip_latin_diacritics(const icu::UnicodeString& text) {
        UErrorCode status = U_ZERO_ERROR;
        icu::UnicodeString decomposed = nfd->normalize(text, status);
        if (U_FAILURE(status)) return text;
        icu::UnicodeString stripped;
        bool removed_any = false;
        for (int32_t i = 0; i < decomposed.length(); ++i) {
            const char16_t c = decomposed.charAt(i);
            if (c >= 0x0300 && c <= 0x036F) {
                removed_any = true;
                continue;
            }
            stripped.append(c);
        }
        if (!removed_any) return text;
        return nfc->normalize(stripped, status);
    }

    std::string stem(const std::string& word) {
        for (char c : word) {
            const bool latin_letter = (c >= 'a' && c <= 'z') || c == '\'';
            if (!latin_letter) return word;  // numbers, CJK, mixed: kept as they are
        }
        if (word.empty()) return word;  // never a hit: an empty slot holds ""
        if (const std::string* found = stem_cache.find(word)) return *found;
        std::string stemmed = stemmer(word);
        if (stemmed.empty()) stemmed = word;
        stem_cache.store(word, stemmed);
        return stemmed;
    }


    Word chunk_to_word(const Chunk& chunk, std::uint32_t position) {
        std::vector<std::string> pieces;
        std::string joined;
        std::string digits;  // a piece without its thousands separators
        for (std::size_t i = 0; i < chunk.pieces.size(); ++i) {
            const char connector = i > 0 ? chunk.connectors[i - 1] : 0;
            // "3/4" keeps its slash so it never meets the number 34, "10-3"
            // (a wire gauge) its hyphen so it never meets 103; "c++" its plus.
            const bool between_numbers = i > 0 && all_digits(chunk.pieces[i - 1]) && all_digits(chunk.pieces[i]);
            if (((connector == '/' || connector == '-') && between_numbers) || connector == '+') {
                joined.push_back(connector);
            }
            const std::string& piece = without_thousands_separators(chunk.pieces[i], digits);
            joined += piece;
            for (auto& part : split_letters_and_digits(piece)) pieces.push_back(std::move(part));
        }
        Word word;
        word.position = position;
        word.term = stem(joined);
        if (keep_surface) word.surface = joined;
        if (pieces.size() > 1) {
            if (pieces.size() > max_compound_parts) pieces.resize(max_compound_parts);
            for (const auto& piece : pieces) word.parts.push_back(stem(piece));
        }
        return word;
    }

    // ICU's word breaking (UAX #29 plus dictionaries for CJK).
    std::vector<Chunk> icu_chunks(const icu::UnicodeString& text) {
        ChunkCollector collector;
        word_breaker->setText(text);
        int32_t start = word_breaker->first();
        for (int32_t end = word_breaker->next(); end != icu::BreakIterator::DONE;
             start = end, end = word_breaker->next()) {
            const icu::UnicodeString segment(text, start, end - start);
            if (word_breaker->getRuleStatus() < UBRK_WORD_NUMBER) {  // space, punctuation, emoji
                collector.separator(segment.length() == 1 ? connector_of(segment.charAt(0)) : 0);
                continue;
            }
            std::string utf8;
            segment.toUTF8String(utf8);
            collector.word(std::move(utf8));
        }
        return collector.take();
    }

    // ICU marks CJK dictionary words and Latin words alike, so two adjacent
    // word segments with no separator ("ナイキ" "の") are separate words; only
    // an explicit connector joins segments into one compound.
    std::vector<Word> analyze(std::string_view text) {
        std::vector<Word> words;
        std::uint32_t position = 0;
        const bool ascii = ascii_fast_path && is_ascii(text);
        const std::vector<Chunk> chunks = ascii ? ascii_chunks(ascii_lower(text)) : icu_chunks(normalize_unicode(text));
        for (const Chunk& chunk : chunks) {
            if (chunk.pieces.empty()) continue;
            Word word = chunk_to_word(chunk, position + 1);
            if (word.term.size() > max_term_bytes) continue;
            ++position;
            words.push_back(std::move(word));
        }
        return words;
    }
};

TextAnalyzer::TextAnalyzer(AnalyzerOptions options) : impl_(std::make_unique<Impl>(options)) {}
TextAnalyzer::~TextAnalyzer() = default;
TextAnalyzer::TextAnalyzer(TextAnalyzer&&) noexcept = default;
TextAnalyzer& TextAnalyzer::operator=(TextAnalyzer&&) noexcept = default;

std::string TextAnalyzer::normalize(std::string_view text) {
    // NFKC case folding of ASCII is plain lower-casing; skip ICU's copies.
    if (is_ascii(text)) return ascii_lower(text);
    std::string utf8;
    impl_->normalize_unicode(text).toUTF8String(utf8);
    return utf8;
}

std::vector<Word> TextAnalyzer::analyze(std::string_view text) { return impl_->analyze(text); }

std::string TextAnalyzer::stem(const std::string& normalized_word) { return impl_->stem(normalized_word); }

}  // namespace analyzers
