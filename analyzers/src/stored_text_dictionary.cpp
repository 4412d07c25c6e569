#include "analyzers/stored_text_dictionary.h"

#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>
#include <zdict.h>
#include <zstd.h>

namespace analyzers {
namespace {

// 64 KB: on real Mercari listings a dictionary of 32 KB compresses 2.5%
// less well and one of 110 KB 2.5% better; every shard carries a copy.
constexpr std::size_t dictionary_bytes = 64 * 1024;
// zstd's trainer needs some variety; fewer listings than this are stored
// as they are (a test's index, a small catalogue), which costs little.
constexpr std::size_t min_training_samples = 256;
// Level 3, zstd's default: level 9 compressed these texts no better.
constexpr int compression_level = 3;

struct ZstdContexts {
    ZSTD_CCtx* compress = ZSTD_createCCtx();
    ZSTD_DCtx* decompress = ZSTD_createDCtx();

    ZstdContexts() {
        // What a value already says (its size, the dictionary's id) or does
        // not need (a checksum: Xapian checks its blocks) stays out of the
        // frame. (Dropping its 4-byte magic number too needs zstd's
        // experimental API: 0.7% of an index, not worth it.)
        ZSTD_CCtx_setParameter(compress, ZSTD_c_contentSizeFlag, 0);
        ZSTD_CCtx_setParameter(compress, ZSTD_c_checksumFlag, 0);
        ZSTD_CCtx_setParameter(compress, ZSTD_c_dictIDFlag, 0);
    }
    ~ZstdContexts() {
        ZSTD_freeCCtx(compress);
        ZSTD_freeDCtx(decompress);
    }
};

// zstd's contexts hold their work memory; one pair a thread, made once.
ZstdContexts& thread_contexts() {
    thread_local ZstdContexts contexts;
    return contexts;
}

void throw_if_error(std::size_t result, std::string_view what) {
    if (ZSTD_isError(result)) throw std::runtime_error(fmt::format("{}: {}", what, ZSTD_getErrorName(result)));
}

}  // namespace

struct StoredTextDictionary::Digested {
    ZSTD_CDict* for_compressing = nullptr;
    ZSTD_DDict* for_decompressing = nullptr;

    ~Digested() {
        ZSTD_freeCDict(for_compressing);
        ZSTD_freeDDict(for_decompressing);
    }
};

StoredTextDictionary::StoredTextDictionary(std::string bytes, std::uint32_t id)
    : bytes_(std::move(bytes)), id_(id), digested_(std::make_unique<Digested>()) {
    digested_->for_compressing = ZSTD_createCDict(bytes_.data(), bytes_.size(), compression_level);
    digested_->for_decompressing = ZSTD_createDDict(bytes_.data(), bytes_.size());
    if (digested_->for_compressing == nullptr || digested_->for_decompressing == nullptr) {
        throw std::runtime_error("stored text dictionary: zstd could not load it");
    }
}

StoredTextDictionary::~StoredTextDictionary() = default;

std::shared_ptr<const StoredTextDictionary> StoredTextDictionary::train(const std::vector<std::string>& samples) {
    if (samples.size() < min_training_samples) return nullptr;
    std::string joined;
    std::vector<std::size_t> sizes;
    sizes.reserve(samples.size());
    for (const auto& sample : samples) {
        joined += sample;
        sizes.push_back(sample.size());
    }
    std::string dictionary(dictionary_bytes, '\0');
    const std::size_t size = ZDICT_trainFromBuffer(dictionary.data(), dictionary.size(), joined.data(), sizes.data(),
                                                   static_cast<unsigned>(sizes.size()));
    if (ZDICT_isError(size)) return nullptr;  // e.g. samples too short or too alike: store the texts as they are
    dictionary.resize(size);
    return from_bytes(std::move(dictionary));
}

std::shared_ptr<const StoredTextDictionary> StoredTextDictionary::from_bytes(std::string bytes) {
    const std::uint32_t id = ZDICT_getDictID(bytes.data(), bytes.size());
    if (id == 0) throw std::runtime_error("stored text dictionary: not a zstd dictionary");
    return std::shared_ptr<const StoredTextDictionary>(new StoredTextDictionary(std::move(bytes), id));
}

std::shared_ptr<const StoredTextDictionary> StoredTextDictionary::of(const Xapian::Database& database) {
    std::string bytes = database.get_metadata(stored_text_dictionary_key);
    if (bytes.empty()) return nullptr;
    return from_bytes(std::move(bytes));
}

void StoredTextDictionary::write_to(Xapian::WritableDatabase& database) const {
    database.set_metadata(stored_text_dictionary_key, bytes_);
}

std::string StoredTextDictionary::compress(std::string_view text) const {
    ZSTD_CCtx* context = thread_contexts().compress;
    std::string compressed(ZSTD_compressBound(text.size()), '\0');
    throw_if_error(ZSTD_CCtx_refCDict(context, digested_->for_compressing), "stored text compression");
    const std::size_t size = ZSTD_compress2(context, compressed.data(), compressed.size(), text.data(), text.size());
    throw_if_error(size, "stored text compression");
    compressed.resize(size);
    return compressed;
}

std::string StoredTextDictionary::decompress(std::string_view compressed, std::size_t size) const {
    std::string text(size, '\0');
    const std::size_t written = ZSTD_decompress_usingDDict(thread_contexts().decompress, text.data(), text.size(),
                                                           compressed.data(), compressed.size(),
                                                           digested_->for_decompressing);
    throw_if_error(written, "stored text is damaged");
    if (written != size) {
        throw std::runtime_error(fmt::format("stored text is damaged: {} bytes where {} were written", written, size));
    }
    return text;
}

const StoredTextDictionary& dictionary_for(std::uint32_t id, const Xapian::Database& source) {
    // Dictionaries stay for the process's life: one a generation served,
    // 64 KB each, and values read a moment ago may name any of them.
    static std::mutex mutex;
    static std::unordered_map<std::uint32_t, std::shared_ptr<const StoredTextDictionary>> known;
    // Nearly every read names the dictionary the thread's last read named.
    thread_local const StoredTextDictionary* last = nullptr;
    if (last != nullptr && last->id() == id) return *last;

    std::lock_guard lock(mutex);
    auto found = known.find(id);
    if (found == known.end()) {
        auto dictionary = StoredTextDictionary::of(source);
        if (!dictionary || dictionary->id() != id) {
            throw std::runtime_error(
                fmt::format("stored text was compressed with dictionary {}, which the index's metadata does not hold "
                            "(it holds {}): the index is damaged or mixes generations",
                            id, dictionary ? std::to_string(dictionary->id()) : "none"));
        }
        found = known.emplace(id, std::move(dictionary)).first;
    }
    last = found->second.get();
    return *last;
}

}  // namespace analyzers
