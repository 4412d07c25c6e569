// Reads lines from a file descriptor whose file may still be growing.
// At most max_line_bytes of a line are kept in memory: a longer line is
// read to its end but only its first bytes are kept, so that one huge line
// costs no more memory than a line at the limit (a 200 MB line once took
// 408 MB of RSS before the limit was checked).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace indexer {

struct RawLine {
    std::string text;              // without the line ending; of a cut line only the first bytes
    std::uint64_t text_bytes = 0;  // the whole line's length without its line ending
    std::uint64_t raw_bytes = 0;   // bytes consumed, line ending included
    bool cut = false;              // over the limit: `text` is an excerpt
};

class LineReader {
public:
    explicit LineReader(std::size_t max_line_bytes);

    // Reads `fd` (not owned) from its current offset on, forgetting
    // anything buffered or half read from the previous file.
    void reset(int fd);
    // The next complete line, or nothing when the bytes so far end mid-line.
    // Throws std::runtime_error when the file cannot be read.
    std::optional<RawLine> next();
    // Bytes of an unterminated line read so far.
    std::uint64_t partial_bytes() const { return partial_bytes_; }
    // The unterminated last line as a whole one, when nothing more can come.
    std::optional<RawLine> take_partial();

private:
    bool fill();
    void append(const char* bytes, std::size_t count);
    RawLine finish_line(std::uint64_t ending_bytes);

    std::size_t max_line_bytes_;
    int fd_ = -1;
    std::vector<char> buffer_;
    std::size_t begin_ = 0, end_ = 0;  // unread bytes in buffer_
    std::string partial_;              // the kept bytes of the line being read
    std::uint64_t partial_bytes_ = 0;  // all its bytes so far
    bool cut_ = false;
    char last_byte_ = 0;
};

}  // namespace indexer
