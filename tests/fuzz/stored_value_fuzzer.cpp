// libFuzzer target: any bytes as a slot-7 stored value (what a damaged
// index could hold), read against an index whose metadata holds a
// dictionary. Reading must never crash: a damaged value is a
// std::runtime_error. Inputs starting with the compressed format's byte get
// the index's dictionary id put after their title, so that zstd's decoder
// and the texts inside a frame are reached, not only the id check. And any
// bytes split into a listing's texts must come back as written.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include <xapian.h>

#include "analyzers/document_layout.h"
#include "analyzers/stored_text_dictionary.h"

namespace {

// Listing-like texts from a fixed word list: enough for zstd's trainer.
std::vector<std::string> training_texts() {
    const char* words[] = {"brand", "new", "with", "tags", "size", "medium", "worn", "once", "smoke", "free",
                           "home", "bundle", "ships", "fast", "nike", "lululemon", "leggings", "black", "vintage"};
    std::uint32_t state = 7;
    std::vector<std::string> texts;
    for (int listing = 0; listing < 2000; ++listing) {
        std::string text = "L" + std::to_string(listing) + " ";
        for (int word = 0; word < 30; ++word) {
            state = state * 1664525 + 1013904223;
            text += words[(state >> 16) % (sizeof(words) / sizeof(words[0]))];
            text += ' ';
        }
        texts.push_back(text);
    }
    return texts;
}

struct Index {
    std::shared_ptr<const analyzers::StoredTextDictionary> dictionary =
        analyzers::StoredTextDictionary::train(training_texts());
    Xapian::WritableDatabase database = Xapian::InMemory::open();

    Index() {
        if (!dictionary) std::abort();
        dictionary->write_to(database);
    }
};

std::string with_dictionary_id(std::string_view input, std::uint32_t id) {
    // The format byte and a one-byte title length, then the title.
    const std::size_t title_end = std::min(input.size(), std::size_t{2} + static_cast<unsigned char>(input[1]) % 128);
    std::string value(input.substr(0, title_end));
    for (int byte = 0; byte < 4; ++byte) value.push_back(static_cast<char>((id >> (8 * byte)) & 0xFF));
    value += input.substr(title_end);
    return value;
}

void read_without_crashing(const std::string& value, const Xapian::Database& database) {
    try {
        analyzers::stored_text_of(value, database);
    } catch (const std::runtime_error&) {
        // damaged: said, not crashed
    }
    analyzers::stored_title(value);  // titles are never compressed: no error to expect but bounds
}

void check_round_trip(std::string_view input, const Index& index) {
    analyzers::Listing listing;
    const std::size_t part = input.size() / 4;
    listing.id = input.substr(0, part);
    listing.title = input.substr(part, part);
    listing.description = input.substr(2 * part, part);  // under 280 bytes: kept whole
    listing.seller_id = input.substr(3 * part);
    const std::string value = analyzers::stored_text_value(listing, index.dictionary.get());
    const analyzers::Listing back = analyzers::stored_text_of(value, index.database);
    if (back.id != listing.id || back.title != listing.title || back.seller_id != listing.seller_id) std::abort();
    if (back.description != analyzers::description_snippet(listing.description)) std::abort();
    if (analyzers::stored_title(value) != listing.title) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Index index;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    read_without_crashing(std::string(input), index.database);
    if (size >= 2 && input[0] == '\x02') read_without_crashing(with_dictionary_id(input, index.dictionary->id()), index.database);
    if (size <= 1024) check_round_trip(input, index);
    return 0;
}
