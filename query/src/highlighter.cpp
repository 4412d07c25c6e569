#include "highlighter.h"

#include <optional>
#include <stdexcept>
#include <vector>

#include <unicode/brkiter.h>
#include <unicode/unistr.h>

namespace query {

using analyzers::TextAnalyzer;
using analyzers::Word;
namespace {

struct Span {
    std::size_t begin, end;  // byte offsets into the UTF-8 text
};

bool is_connector(std::string_view between) {
    return between == "-" || between == "/" || between == "&" || between == "+";
}

// Byte offset in UTF-8 of each UTF-16 index of `text`, plus one past the end.
std::vector<std::size_t> utf8_offsets(const icu::UnicodeString& text) {
    std::vector<std::size_t> offsets(static_cast<std::size_t>(text.length()) + 1, 0);
    std::size_t bytes = 0;
    for (int32_t i = 0; i < text.length();) {
        const UChar32 c = text.char32At(i);
        const int32_t units = U16_LENGTH(c);
        for (int32_t unit = 0; unit < units; ++unit) offsets[static_cast<std::size_t>(i + unit)] = bytes;
        bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        i += units;
    }
    offsets.back() = bytes;
    return offsets;
}

// Bytes of the first `characters` UTF-8 characters of `word` (all of it if shorter).
std::size_t utf8_prefix_bytes(std::string_view word, std::size_t characters) {
    std::size_t bytes = 0;
    for (std::size_t seen = 0; bytes < word.size(); ++bytes) {
        const bool starts_character = (static_cast<unsigned char>(word[bytes]) & 0xC0) != 0x80;
        if (starts_character && seen++ == characters) break;
    }
    return bytes;
}

// Sellers write titles; the app shows highlights as HTML.
void append_html_escaped(std::string& out, std::string_view text) {
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out.push_back(c);
        }
    }
}

void append_text(std::string& out, std::string_view text, const HighlightTags& tags) {
    if (tags.escape_html) append_html_escaped(out, text);
    else out.append(text);
}

}  // namespace

struct Highlighter::Impl {
    std::unique_ptr<icu::BreakIterator> word_breaker;
    TextAnalyzer analyzer;

    Impl() {
        UErrorCode status = U_ZERO_ERROR;
        word_breaker.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
        if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU word breaker: ") + u_errorName(status));
    }

    // Words of `text` as byte spans; "t-shirt" and "3/4" are one span each.
    std::vector<Span> word_spans(std::string_view text) {
        const auto unicode = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), text.size()));
        const auto offsets = utf8_offsets(unicode);
        std::vector<Span> spans;
        word_breaker->setText(unicode);
        int32_t start = word_breaker->first();
        for (int32_t end = word_breaker->next(); end != icu::BreakIterator::DONE;
             start = end, end = word_breaker->next()) {
            if (word_breaker->getRuleStatus() < UBRK_WORD_NUMBER) continue;
            const Span span{offsets[static_cast<std::size_t>(start)], offsets[static_cast<std::size_t>(end)]};
            const bool joined = !spans.empty() && is_connector(text.substr(spans.back().end, span.begin - spans.back().end));
            if (joined) spans.back().end = span.end;
            else spans.push_back(span);
        }
        return spans;
    }

    // How much of `word` to mark: nullopt for none, 0 for all of it, n
    // for its first n characters.
    std::optional<std::size_t> marked(std::string_view word, const HighlightTerms& terms) {
        std::optional<std::size_t> marked;
        const auto consider = [&](const std::string& term) {
            const auto found = terms.find(term);
            if (found == terms.end()) return;
            // A whole-word match wins over a typed part.
            if (!marked || found->second == 0 || (*marked != 0 && found->second > *marked)) marked = found->second;
        };
        for (const Word& analysed : analyzer.analyze(word)) {
            consider(analysed.term);
            for (const auto& part : analysed.parts) consider(part);
        }
        return marked;
    }
};

Highlighter::Highlighter() : impl_(std::make_unique<Impl>()) {}
Highlighter::~Highlighter() = default;

std::string Highlighter::highlight(std::string_view text, const std::unordered_set<std::string>& terms,
                                   const HighlightTags& tags) {
    HighlightTerms whole;
    for (const auto& term : terms) whole.emplace(term, 0);
    return highlight(text, whole, tags);
}

std::string Highlighter::highlight(std::string_view text, const HighlightTerms& terms, const HighlightTags& tags) {
    std::string out;
    std::size_t copied = 0;
    for (const Span& span : impl_->word_spans(text)) {
        if (terms.empty()) break;
        const std::string_view word = text.substr(span.begin, span.end - span.begin);
        const auto marked = impl_->marked(word, terms);
        if (!marked) continue;
        const std::size_t end = *marked == 0 ? span.end : span.begin + utf8_prefix_bytes(word, *marked);
        append_text(out, text.substr(copied, span.begin - copied), tags);
        out += tags.pre;
        append_text(out, text.substr(span.begin, end - span.begin), tags);
        out += tags.post;
        copied = end;
    }
    append_text(out, text.substr(copied), tags);
    return out;
}

}  // namespace query
