#include "dead_letters.h"

#include <sys/stat.h>

#include <fstream>

#include <simdjson.h>

namespace server {

const std::map<std::uint64_t, std::string>& DeadLetters::of_segment(const std::string& segment_name) {
    catch_up();
    static const std::map<std::uint64_t, std::string> none;
    const auto found = by_segment_.find(segment_name);
    return found == by_segment_.end() ? none : found->second;
}

void DeadLetters::catch_up() {
    struct stat info {};
    if (::stat(path_.c_str(), &info) != 0) return;  // nothing refused yet
    const auto size = static_cast<std::uint64_t>(info.st_size);
    // Unchanged since the last look (each task read asks): nothing to open.
    const FileState state{info.st_ino, size, info.st_mtim.tv_sec, info.st_mtim.tv_nsec};
    if (state == last_seen_) return;
    last_seen_ = state;
    std::ifstream in(path_, std::ios::binary);
    if (info.st_ino != inode_ || size < read_bytes_ || !starts_as_read(in)) {
        // An operator replaced or emptied it (after replaying its lines, say).
        by_segment_.clear();
        read_bytes_ = 0;
        start_.clear();
        inode_ = info.st_ino;
    }
    if (size == read_bytes_) return;
    in.seekg(static_cast<std::streamoff>(read_bytes_));
    std::string appended(size - read_bytes_, '\0');
    in.read(appended.data(), static_cast<std::streamsize>(appended.size()));
    appended.resize(static_cast<std::size_t>(in.gcount()));
    // A record still being written has no newline yet: left for next time.
    const auto complete = appended.rfind('\n');
    if (complete == std::string::npos) return;
    std::string_view records(appended.data(), complete + 1);
    if (read_bytes_ == 0) start_ = records.substr(0, max_start_bytes);
    read_bytes_ += records.size();
    while (!records.empty()) {
        const auto end = records.find('\n');
        take_record(records.substr(0, end));
        records.remove_prefix(end + 1);
    }
}

// A file replaced by one as long or longer, under the same inode number (a
// deleted file's is reused at once), is told apart by its first bytes.
bool DeadLetters::starts_as_read(std::ifstream& in) const {
    std::string start(start_.size(), '\0');
    in.read(start.data(), static_cast<std::streamsize>(start.size()));
    const bool same = in.gcount() == static_cast<std::streamsize>(start.size()) && start == start_;
    in.clear();
    return same;
}

void DeadLetters::take_record(std::string_view record) {
    simdjson::dom::parser parser;
    simdjson::dom::element json;
    std::string_view segment, error;
    std::uint64_t line = 0;
    if (parser.parse(record.data(), record.size()).get(json)) return;
    // Records of a single-file feed, or written before records named their
    // segment, belong to no task.
    if (json["segment"].get(segment) || json["line"].get(line) || json["error"].get(error)) return;
    // A line read again after a crash is dead-lettered again: kept once.
    by_segment_[std::string(segment)].emplace(line, std::string(error));
}

}  // namespace server
