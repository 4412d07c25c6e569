#include "dead_letter.h"

#include <stdexcept>

#include "analyzers/json_writer.h"

namespace indexer {
namespace {

// Enough of a rejected line to recognise it; the whole line may be huge.
constexpr std::size_t max_kept_line_bytes = 4096;

}  // namespace

void DeadLetterFile::add(std::uint64_t line_number, std::string_view error, std::string_view line) {
    if (!out_.is_open()) {
        out_.open(path_, std::ios::binary | std::ios::app);
        if (!out_) throw std::runtime_error("cannot write dead-letter file " + path_.string());
    }
    analyzers::JsonWriter json;
    json.begin_object()
        .field("line", line_number)
        .field("error", error)
        .field("text", line.substr(0, max_kept_line_bytes))
        .end_object();
    out_ << json.str() << '\n';
    out_.flush();
    ++count_;
}

}  // namespace indexer
