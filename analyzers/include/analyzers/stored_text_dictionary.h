// A zstd dictionary for the display text a listing keeps in slot 7.
//
// That text (id, description snippet, seller id, image URL) is a few
// hundred bytes a listing: too short for a compressor to find repeats in
// one listing, which is why glass's per-document zlib gained little. A
// dictionary trained on a sample of the feed's listings holds the words
// and shapes they share (common words, id and URL patterns), and zstd
// compresses each listing against it on its own: about half the bytes,
// each listing still read alone, in about a microsecond.
//
// The build trains one dictionary a generation and writes it into every
// shard's metadata, so an index carries what reading it needs; the
// follower compresses what it adds with the shard's dictionary. Readers
// find a value's dictionary by the id the value names (see
// dictionary_for).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

namespace analyzers {

inline constexpr const char* stored_text_dictionary_key = "stored_text.dictionary";

class StoredTextDictionary {
public:
    // A dictionary trained on `samples` (the texts to compress, one a
    // listing), or nullptr when they are too few or too alike to train on:
    // the texts are then stored as they are.
    static std::shared_ptr<const StoredTextDictionary> train(const std::vector<std::string>& samples);
    // The dictionary a database's metadata holds, or nullptr if none.
    // Throws std::runtime_error if the metadata holds something else.
    static std::shared_ptr<const StoredTextDictionary> of(const Xapian::Database& database);
    // What train() or bytes() gave. Throws std::runtime_error otherwise.
    static std::shared_ptr<const StoredTextDictionary> from_bytes(std::string bytes);

    ~StoredTextDictionary();
    StoredTextDictionary(const StoredTextDictionary&) = delete;
    StoredTextDictionary& operator=(const StoredTextDictionary&) = delete;

    // The id zstd gives a dictionary (a hash of its content): values name it.
    std::uint32_t id() const { return id_; }
    const std::string& bytes() const { return bytes_; }
    void write_to(Xapian::WritableDatabase& database) const;

    // `text` compressed against the dictionary: a zstd frame without size,
    // dictionary id or checksum (the value around it has them).
    std::string compress(std::string_view text) const;
    // What compress() gave for a text of `size` bytes. Throws
    // std::runtime_error when `compressed` is not that.
    std::string decompress(std::string_view compressed, std::size_t size) const;

private:
    struct Digested;
    StoredTextDictionary(std::string bytes, std::uint32_t id);

    std::string bytes_;
    std::uint32_t id_;
    std::unique_ptr<Digested> digested_;  // zstd's prepared forms, for compressing and decompressing
};

// The dictionary with id `id`: one read before in this process, else the
// one `source`'s metadata holds. Throws std::runtime_error when neither is
// it. Thread-safe.
const StoredTextDictionary& dictionary_for(std::uint32_t id, const Xapian::Database& source);

}  // namespace analyzers
