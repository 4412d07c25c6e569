// The follower's dead-letter file, read by the documents API to fail a
// write's task with the reason its lines were refused. `listing-indexer
// follow` appends one JSON object per refused line; a line of a feed
// directory's segment names it:
//   {"segment":"segment-000042.jsonl","line":2,"error":"...","text":"..."}
// The file is read incrementally (only what was appended since the last
// look), and from the start again when it was replaced or truncated.
#pragma once

#include <cstdint>
#include <fstream>
#include <filesystem>
#include <map>
#include <string>

namespace server {

class DeadLetters {
public:
    explicit DeadLetters(std::filesystem::path path) : path_(std::move(path)) {}

    // The refused lines of one segment: line number (1-based, within the
    // segment) -> why. Not thread-safe: the caller serialises.
    const std::map<std::uint64_t, std::string>& of_segment(const std::string& segment_name);

private:
    void catch_up();
    bool starts_as_read(std::ifstream& in) const;
    void take_record(std::string_view record);

    std::filesystem::path path_;
    std::uint64_t read_bytes_ = 0;
    std::uint64_t inode_ = 0;
    struct FileState {
        std::uint64_t inode = 0, size = 0;
        std::int64_t mtime_seconds = 0, mtime_nanoseconds = 0;
        bool operator==(const FileState&) const = default;
    };
    FileState last_seen_;
    static constexpr std::size_t max_start_bytes = 256;
    std::string start_;  // the file's first bytes, as read
    std::map<std::string, std::map<std::uint64_t, std::string>> by_segment_;
};

}  // namespace server
