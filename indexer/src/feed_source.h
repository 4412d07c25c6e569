// Reads the listing feed line by line, remembering exactly where each line
// ends so a restart can resume there. The feed is one of:
//   - a file, possibly still growing;
//   - a directory of segment files, read in name order (segment-000001.jsonl,
//     segment-000002.jsonl, ...), new segments picked up as they appear;
//   - standard input (no resuming: a pipe cannot seek).
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace indexer {

// Where the next unread line starts. Ordered: segment name, then offset.
struct FeedPosition {
    std::string segment;       // segment file name in a directory feed; empty otherwise
    std::uint64_t offset = 0;  // bytes into the segment
    std::uint64_t line = 0;    // lines read so far in the segment, for error reports

    bool operator<(const FeedPosition& other) const;
    bool operator==(const FeedPosition& other) const = default;
    std::string encode() const;
    // Throws std::runtime_error on text encode() did not write.
    static FeedPosition decode(std::string_view text);
};

struct FeedLine {
    std::string text;     // without the line ending
    FeedPosition end;     // position just after this line
    std::uint64_t number; // 1-based line number within its segment
};

class FeedSource {
public:
    // `path` is a file, a directory of segments, or "-" for stdin.
    // Throws std::runtime_error if it does not exist.
    explicit FeedSource(const std::filesystem::path& path);
    ~FeedSource();
    FeedSource(const FeedSource&) = delete;
    FeedSource& operator=(const FeedSource&) = delete;

    bool seekable() const { return !is_stdin_; }
    // Continue reading at `position` (a value a previous FeedLine::end had).
    void seek(const FeedPosition& position);
    // The next complete line, or nothing if none is available right now.
    // With `at_rest_is_end`, an unterminated last line counts as complete
    // (the file is finished); when following, it waits for its newline.
    std::optional<FeedLine> next(bool at_rest_is_end);
    // Total bytes in the feed (0 for stdin), for progress.
    std::uint64_t total_bytes() const;
    // Bytes read so far across segments, for progress.
    std::uint64_t bytes_read() const { return bytes_read_; }
    // A stable name for this feed, stored with positions so a generation
    // built from another feed is not resumed at a meaningless offset.
    std::string identity() const;

private:
    bool open_segment(const std::string& segment, std::uint64_t offset);
    bool advance_to_next_segment();
    bool next_segment_exists() const;
    FeedLine take_pending_line(std::uint64_t raw_bytes);

    std::filesystem::path path_;
    bool is_directory_ = false;
    bool is_stdin_ = false;
    std::FILE* file_ = nullptr;
    FeedPosition position_;
    std::string pending_;  // an unterminated tail waiting for its newline
    char* read_buffer_ = nullptr;  // getline's buffer (handles NUL bytes and long lines)
    std::size_t read_capacity_ = 0;
    std::uint64_t bytes_read_ = 0;
};

}  // namespace indexer
