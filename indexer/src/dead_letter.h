// Where rejected feed lines go, one JSON object per line:
//   {"line":12,"error":"field 'price': expected a number, found string","text":"..."}
// so an operator can fix and replay them. A line of a feed directory's
// segment names it ("segment":"segment-000042.jsonl", "line" counting within
// it): the server's documents API reads that to fail the segment's task.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

namespace indexer {

class DeadLetterFile {
public:
    explicit DeadLetterFile(std::filesystem::path path) : path_(std::move(path)) {}
    ~DeadLetterFile();
    DeadLetterFile(const DeadLetterFile&) = delete;
    DeadLetterFile& operator=(const DeadLetterFile&) = delete;

    // Appends one rejected line, or throws WriteFailure (a full disk) having
    // left the file as it was: the line is never silently lost, and the
    // caller does not commit past it.
    // `segment`: the segment file's name, empty for a single-file feed.
    void add(std::string_view segment, std::uint64_t line_number, std::string_view error, std::string_view line);
    std::uint64_t count() const { return count_; }
    const std::filesystem::path& path() const { return path_; }

private:
    [[noreturn]] void fail(const char* what, int error_number) const;

    std::filesystem::path path_;
    int fd_ = -1;  // opened on the first rejected line
    std::uint64_t count_ = 0;
};

}  // namespace indexer
