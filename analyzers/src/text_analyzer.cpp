#include "analyzers/text_analyzer.h"

#include <stdexcept>
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
// Bounded memory for the stem cache; cleared when full.
constexpr std::size_t max_cached_stems = 200'000;

bool is_ascii(std::string_view text) {
    for (char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    }
    return true;
}

// Characters that join two words into one compound when nothing else sits
// between them: "t-shirt", "3/4", "at&t", "c++".
bool is_compound_connector(const icu::UnicodeString& segment) {
    if (segment.length() != 1) return false;
    const char16_t c = segment.charAt(0);
    return c == u'-' || c == u'/' || c == u'&' || c == u'+' || c == u'\u2010' || c == u'\u2011';
}

// "128gb" -> {"128", "gb"}; "ps4" -> {"ps", "4"}; "10.5" stays whole.
// Only splits between Latin letters and digits: other scripts are left to
// ICU's word breaking.
std::vector<icu::UnicodeString> split_letters_and_digits(const icu::UnicodeString& word) {
    std::vector<icu::UnicodeString> pieces;
    int32_t piece_start = 0;
    bool has_digit = false, has_letter = false;
    for (int32_t i = 0; i < word.length(); i = word.moveIndex32(i, 1)) {
        const UChar32 c = word.char32At(i);
        has_digit = has_digit || u_isdigit(c);
        has_letter = has_letter || (u_isalpha(c) && c < 0x250);
    }
    if (!has_digit || !has_letter) return {word};
    for (int32_t i = word.moveIndex32(0, 1); i < word.length(); i = word.moveIndex32(i, 1)) {
        const UChar32 previous = word.char32At(word.moveIndex32(i, -1));
        const UChar32 current = word.char32At(i);
        const bool boundary = (u_isdigit(previous) && u_isalpha(current)) ||
                              (u_isalpha(previous) && u_isdigit(current));
        if (boundary) {
            pieces.emplace_back(word, piece_start, i - piece_start);
            piece_start = i;
        }
    }
    pieces.emplace_back(word, piece_start, word.length() - piece_start);
    return pieces;
}

bool all_digits(const icu::UnicodeString& text) {
    for (int32_t i = 0; i < text.length(); ++i) {
        if (!u_isdigit(text.charAt(i))) return false;
    }
    return text.length() > 0;
}

}  // namespace

struct TextAnalyzer::Impl {
    const icu::Normalizer2* nfkc_casefold = nullptr;
    const icu::Normalizer2* nfd = nullptr;
    const icu::Normalizer2* nfc = nullptr;
    std::unique_ptr<icu::BreakIterator> word_breaker;
    Xapian::Stem stemmer{"english"};
    std::unordered_map<std::string, std::string> stem_cache;

    Impl() {
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
        if (auto found = stem_cache.find(word); found != stem_cache.end()) return found->second;
        if (stem_cache.size() >= max_cached_stems) stem_cache.clear();
        std::string stemmed = stemmer(word);
        if (stemmed.empty()) stemmed = word;
        stem_cache.emplace(word, stemmed);
        return stemmed;
    }

    std::string to_term(const icu::UnicodeString& text) {
        std::string utf8;
        text.toUTF8String(utf8);
        return stem(utf8);
    }

    // Words joined by connectors with no space between them.
    struct Chunk {
        std::vector<icu::UnicodeString> pieces;
        std::vector<char16_t> connectors;  // connectors[i] sits between pieces[i] and pieces[i+1]
    };

    Word chunk_to_word(const Chunk& chunk, std::uint32_t position) {
        std::vector<icu::UnicodeString> pieces;
        icu::UnicodeString joined;
        for (std::size_t i = 0; i < chunk.pieces.size(); ++i) {
            // "3/4" keeps its slash so it never meets the number 34.
            if (i > 0 && chunk.connectors[i - 1] == u'/' && all_digits(chunk.pieces[i - 1]) &&
                all_digits(chunk.pieces[i])) {
                joined.append(u'/');
            } else if (i > 0 && chunk.connectors[i - 1] == u'+' ) {
                joined.append(u'+');
            }
            joined.append(chunk.pieces[i]);
            for (auto& piece : split_letters_and_digits(chunk.pieces[i])) pieces.push_back(std::move(piece));
        }
        Word word;
        word.position = position;
        word.term = to_term(joined);
        if (pieces.size() > 1) {
            if (pieces.size() > max_compound_parts) pieces.resize(max_compound_parts);
            for (const auto& piece : pieces) word.parts.push_back(to_term(piece));
        }
        return word;
    }

    std::vector<Chunk> chunks_of(const icu::UnicodeString& text) {
        std::vector<Chunk> chunks;
        word_breaker->setText(text);
        bool last_was_word = false;
        char16_t pending_connector = 0;  // a connector right after a word
        int32_t start = word_breaker->first();
        for (int32_t end = word_breaker->next(); end != icu::BreakIterator::DONE;
             start = end, end = word_breaker->next()) {
            icu::UnicodeString segment(text, start, end - start);
            if (word_breaker->getRuleStatus() < UBRK_WORD_NUMBER) {  // space, punctuation, emoji
                const bool joins = last_was_word && is_compound_connector(segment);
                pending_connector = joins ? segment.charAt(0) : 0;
                last_was_word = false;
                continue;
            }
            if (pending_connector != 0) {
                chunks.back().connectors.push_back(pending_connector);
                chunks.back().pieces.push_back(std::move(segment));
            } else {
                chunks.push_back(Chunk{{std::move(segment)}, {}});
            }
            pending_connector = 0;
            last_was_word = true;
        }
        return chunks;
    }

    // ICU marks CJK dictionary words and Latin words alike, so two adjacent
    // word segments with no separator ("ナイキ" "の") are separate words; only
    // an explicit connector joins segments into one compound.
    std::vector<Word> analyze(std::string_view text) {
        std::vector<Word> words;
        std::uint32_t position = 0;
        for (const Chunk& chunk : chunks_of(normalize_unicode(text))) {
            if (chunk.pieces.empty()) continue;
            Word word = chunk_to_word(chunk, position + 1);
            if (word.term.size() > max_term_bytes) continue;
            ++position;
            words.push_back(std::move(word));
        }
        return words;
    }
};

TextAnalyzer::TextAnalyzer() : impl_(std::make_unique<Impl>()) {}
TextAnalyzer::~TextAnalyzer() = default;
TextAnalyzer::TextAnalyzer(TextAnalyzer&&) noexcept = default;
TextAnalyzer& TextAnalyzer::operator=(TextAnalyzer&&) noexcept = default;

std::string TextAnalyzer::normalize(std::string_view text) {
    std::string utf8;
    if (is_ascii(text)) {
        // NFKC case folding of ASCII is plain lower-casing; skip ICU's copies.
        utf8.reserve(text.size());
        for (char c : text) utf8.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
        return utf8;
    }
    impl_->normalize_unicode(text).toUTF8String(utf8);
    return utf8;
}

std::vector<Word> TextAnalyzer::analyze(std::string_view text) { return impl_->analyze(text); }

}  // namespace analyzers
