// Reads the listing feed line by line, remembering exactly where each line
// ends so a restart can resume there. The feed is one of:
//   - a file, possibly still growing, rotated or truncated by its producer;
//   - a directory of segment files (see segment_directory.h), read in the
//     order of their numbers, new segments picked up as they appear;
//   - standard input or a named pipe (no resuming: a pipe cannot seek).
//
// A single file is followed the way log shippers (Filebeat, Fluent Bit)
// follow one: by its device and inode, not only its path.
//   - Rotated (renamed away, a new file at the path): the old file is read
//     to its end through the descriptor still open, then the new one from
//     its start.
//   - Truncated (shorter than what was read): read again from its start.
//   - After a restart: a file at the path that is not the one the committed
//     position names, or is shorter than that position, is read from its
//     start. Each of these is said through the notice callback.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "analyzers/listing.h"
#include "indexer/indexer.h"
#include "line_reader.h"
#include "segment_directory.h"

namespace indexer {

// The feed contract's limits, for the reader (which cuts long lines short)
// and the parser alike.
inline constexpr analyzers::FeedLimits feed_limits{};

// Which file a single-file feed's position is in: a rename keeps it, a new
// file at the path has another.
struct FileIdentity {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;

    bool known() const { return inode != 0; }
    bool operator==(const FileIdentity& other) const = default;
};

// Where the next unread line starts. Ordered: segment, then file sequence,
// then offset.
struct FeedPosition {
    std::string segment;  // segment file name in a directory feed; empty otherwise
    // A single file: how many files this path has held since the position
    // started (one more at each rotation or truncation), and which file.
    std::uint64_t file_sequence = 0;
    FileIdentity file;
    std::uint64_t offset = 0;  // bytes into the segment or file
    std::uint64_t line = 0;    // lines read so far in it, for error reports

    bool operator<(const FeedPosition& other) const;
    bool operator==(const FeedPosition& other) const = default;
    std::string encode() const;
    // Reads what encode() writes, and positions written before files had
    // identities ("OFFSET LINE SEGMENT"). Throws std::runtime_error otherwise.
    static FeedPosition decode(std::string_view text);
};

struct FeedLine {
    std::string text;              // without the line ending; of a line over the limit, its first bytes only
    FeedPosition end;              // position just after this line
    std::uint64_t number = 0;      // 1-based line number within its segment or file
    std::uint64_t text_bytes = 0;  // the whole line's length
    bool over_limit = false;       // longer than max_line_bytes: never read into memory in full
};

class FeedSource {
public:
    // `path` is a file, a directory of segments, or "-" for stdin. Lines
    // longer than `max_line_bytes` come back cut (FeedLine::over_limit).
    // Throws std::runtime_error if it does not exist.
    explicit FeedSource(const std::filesystem::path& path, std::size_t max_line_bytes = feed_limits.max_line_bytes,
                        NoticeCallback on_notice = {});
    ~FeedSource();
    FeedSource(const FeedSource&) = delete;
    FeedSource& operator=(const FeedSource&) = delete;

    // False for stdin and named pipes: what comes is applied in full.
    bool seekable() const { return !is_stream_; }
    // Whether `path` names stdin ("-") or a named pipe: a feed that can be
    // read only once, and that opening may block on (told without opening).
    static bool is_stream(const std::filesystem::path& path);
    // Continue after what was committed: `start` is the earliest position
    // to read from, `latest` the latest any shard committed. Different when
    // a crash came between two shards' commits; `latest` says which file
    // the committed positions are in.
    void resume(const FeedPosition& start, const FeedPosition& latest);
    void seek(const FeedPosition& position) { resume(position, position); }
    // The next complete line, or nothing if none is available right now.
    // With `at_rest_is_end`, an unterminated last line counts as complete
    // (the file is finished); when following, it waits for its newline.
    std::optional<FeedLine> next(bool at_rest_is_end);
    // Total bytes in the feed (0 for stdin), for progress.
    std::uint64_t total_bytes() const;
    // Bytes read so far across segments and files, for progress.
    std::uint64_t bytes_read() const { return bytes_read_; }
    // A stable name for this feed, stored with positions so a generation
    // built from another feed is not resumed at a meaningless offset.
    std::string identity() const;
    // Segments that appeared below the one being read (not read; reported).
    std::uint64_t late_segments() const { return segments_ ? segments_->late_segments() : 0; }

private:
    enum class FileChange { none, truncated, replaced };

    void resume_segments(const FeedPosition& start);
    void resume_file(const FeedPosition& start, const FeedPosition& latest);
    bool keep_open_file(const FeedPosition& latest) const;
    void open_segment(const std::string& segment, std::uint64_t offset);
    bool advance_to_next_segment();
    bool next_segment_exists();
    void read_from(int fd, const FeedPosition& position);
    void close_file();
    FileChange followed_file_change() const;
    std::optional<FeedLine> finish_followed_file(FileChange change);
    FeedLine deliver(RawLine raw);

    std::filesystem::path path_;
    bool is_directory_ = false;
    bool is_stream_ = false;  // stdin or a named pipe
    NoticeCallback on_notice_;
    std::optional<SegmentDirectory> segments_;
    int fd_ = -1;
    LineReader reader_;
    FeedPosition position_;  // just after the last line delivered
    std::uint64_t bytes_read_ = 0;
};

}  // namespace indexer
