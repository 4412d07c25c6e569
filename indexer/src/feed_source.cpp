#include "feed_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "notice.h"

namespace indexer {
namespace {

// Positions with a file identity start with this; older ones with a digit.
constexpr std::string_view identified_position = "file ";

struct stat status_of(int fd) {
    struct stat status {};
    if (::fstat(fd, &status) != 0) {
        throw std::runtime_error(fmt::format("cannot stat the feed: {}", std::strerror(errno)));
    }
    return status;
}

FileIdentity identity_of(const struct stat& status) {
    return {static_cast<std::uint64_t>(status.st_dev), static_cast<std::uint64_t>(status.st_ino)};
}

int open_for_reading(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(fmt::format("cannot read feed {}: {}", path.string(), std::strerror(errno)));
    return fd;
}

[[noreturn]] void unreadable_position(const std::string& text) {
    throw std::runtime_error(fmt::format("unreadable feed position \"{}\"", text));
}

}  // namespace

bool FeedPosition::operator<(const FeedPosition& other) const {
    if (segment != other.segment) return segment_before(segment, other.segment);
    if (file_sequence != other.file_sequence) return file_sequence < other.file_sequence;
    return offset < other.offset;
}

std::string FeedPosition::encode() const {
    return fmt::format("{}{} {} {} {} {} {}", identified_position, file_sequence, file.device, file.inode, offset,
                       line, segment);
}

FeedPosition FeedPosition::decode(std::string_view text) {
    const std::string copy(text);
    unsigned long long sequence = 0, device = 0, inode = 0, offset = 0, line = 0;
    int consumed = 0;
    if (copy.starts_with(identified_position)) {
        if (std::sscanf(copy.c_str(), "file %llu %llu %llu %llu %llu %n", &sequence, &device, &inode, &offset, &line,
                        &consumed) < 5) {
            unreadable_position(copy);
        }
    } else if (std::sscanf(copy.c_str(), "%llu %llu %n", &offset, &line, &consumed) < 2) {
        unreadable_position(copy);
    }
    return {.segment = copy.substr(static_cast<std::size_t>(consumed)),
            .file_sequence = sequence,
            .file = {device, inode},
            .offset = offset,
            .line = line};
}

FeedSource::FeedSource(const std::filesystem::path& path, std::size_t max_line_bytes, NoticeCallback on_notice)
    : path_(path), on_notice_(std::move(on_notice)), reader_(max_line_bytes) {
    if (path == "-") {
        is_stream_ = true;
        read_from(STDIN_FILENO, {});
        return;
    }
    if (!std::filesystem::exists(path)) throw std::runtime_error(fmt::format("feed {} does not exist", path.string()));
    is_directory_ = std::filesystem::is_directory(path);
    if (is_directory_) segments_.emplace(path, on_notice_);
    // A named pipe is read as it comes, like stdin: opened once (reopening
    // would wait for a writer that may be gone), never sought in.
    is_stream_ = is_stream(path);
    if (is_stream_) read_from(open_for_reading(path), {});
    else seek({});
}

FeedSource::~FeedSource() { close_file(); }

bool FeedSource::is_stream(const std::filesystem::path& path) {
    if (path == "-") return true;
    return std::filesystem::exists(path) && !std::filesystem::is_directory(path) &&
           !std::filesystem::is_regular_file(path);
}

void FeedSource::close_file() {
    if (fd_ >= 0 && fd_ != STDIN_FILENO) ::close(fd_);
    fd_ = -1;
}

void FeedSource::read_from(int fd, const FeedPosition& position) {
    if (fd != fd_) close_file();
    fd_ = fd;
    if (!is_stream_ && ::lseek(fd, static_cast<off_t>(position.offset), SEEK_SET) < 0) {
        throw std::runtime_error(fmt::format("cannot seek in feed {}", path_.string()));
    }
    reader_.reset(fd);
    position_ = position;
}

void FeedSource::resume(const FeedPosition& start, const FeedPosition& latest) {
    if (is_stream_) return;
    if (is_directory_) resume_segments(start);
    else resume_file(start, latest);
}

void FeedSource::resume_segments(const FeedPosition& start) {
    const auto names = segments_->scan(start.segment);
    const auto first = std::lower_bound(names.begin(), names.end(), start.segment, segment_before);
    if (first == names.end()) {
        close_file();
        position_ = start;  // that segment is gone and nothing follows yet
        return;
    }
    const bool same = *first == start.segment;
    open_segment(*first, same ? start.offset : 0);
    position_.line = same ? start.line : 0;
}

// The file already open stays when the positions are in it, or (when no
// position names a file yet) when it is the one at the path. After a
// rotation the path names a new file while the committed positions may be
// in the old one, still open here: that one is finished first.
bool FeedSource::keep_open_file(const FeedPosition& latest) const {
    if (fd_ < 0) return false;
    const FileIdentity open_file = identity_of(status_of(fd_));
    if (latest.file.known()) return open_file == latest.file;
    struct stat at_path {};
    return ::stat(path_.c_str(), &at_path) == 0 && identity_of(at_path) == open_file;
}

void FeedSource::resume_file(const FeedPosition& start, const FeedPosition& latest) {
    const int fd = keep_open_file(latest) ? fd_ : open_for_reading(path_);
    const struct stat status = status_of(fd);
    const auto size = static_cast<std::uint64_t>(status.st_size);
    FeedPosition from{.file_sequence = latest.file_sequence, .file = identity_of(status)};
    if (latest.file.known() && latest.file != from.file) {
        notify(on_notice_, fmt::format("{} is not the file last read (inode {}, was {}): it was rotated while the "
                                       "indexer was stopped; reading the new file from its start",
                                       path_.string(), from.file.inode, latest.file.inode));
        ++from.file_sequence;
    } else if (size < latest.offset) {
        notify(on_notice_, fmt::format("{} is shorter ({} bytes) than the position last committed ({} bytes): it "
                                       "was truncated while the indexer was stopped; reading it from its start",
                                       path_.string(), size, latest.offset));
        ++from.file_sequence;
    } else if (start.file_sequence == latest.file_sequence) {
        from.offset = start.offset;
        from.line = start.line;
    }  // else shards that are behind have none of this file yet: read it all
    read_from(fd, from);
}

void FeedSource::open_segment(const std::string& segment, std::uint64_t offset) {
    read_from(open_for_reading(path_ / segment), {.segment = segment, .offset = offset});
}

bool FeedSource::advance_to_next_segment() {
    if (!is_directory_) return false;
    const auto names = segments_->scan(position_.segment);
    const auto next = std::upper_bound(names.begin(), names.end(), position_.segment, segment_before);
    if (next == names.end()) return false;
    // Only move on once the current segment is finished: a partial line
    // left at its end is kept as the last line of that segment.
    open_segment(*next, 0);
    return true;
}

bool FeedSource::next_segment_exists() {
    if (!is_directory_) return false;
    const auto names = segments_->scan(position_.segment);
    return std::upper_bound(names.begin(), names.end(), position_.segment, segment_before) != names.end();
}

FeedSource::FileChange FeedSource::followed_file_change() const {
    if (is_directory_ || is_stream_ || fd_ < 0) return FileChange::none;
    const struct stat open_file = status_of(fd_);
    if (static_cast<std::uint64_t>(open_file.st_size) < position_.offset + reader_.partial_bytes()) {
        return FileChange::truncated;
    }
    struct stat at_path {};
    if (::stat(path_.c_str(), &at_path) != 0) return FileChange::none;  // renamed away, nothing new there yet
    return identity_of(at_path) == identity_of(open_file) ? FileChange::none : FileChange::replaced;
}

// What is left of a truncated or replaced file comes first: lines written
// just before a rotation, then an unterminated last line (nothing more can
// come). Then the file at the path, from its start.
std::optional<FeedLine> FeedSource::finish_followed_file(FileChange change) {
    if (change == FileChange::replaced) {
        if (auto raw = reader_.next()) return deliver(std::move(*raw));
    }
    if (auto raw = reader_.take_partial()) return deliver(std::move(*raw));
    const FeedPosition finished = position_;
    if (change == FileChange::truncated) {
        notify(on_notice_, fmt::format("{} was truncated to {} bytes after {} bytes had been read: reading it again "
                                       "from its start",
                                       path_.string(), status_of(fd_).st_size, finished.offset));
        read_from(fd_, {.file_sequence = finished.file_sequence + 1, .file = finished.file});
        return std::nullopt;
    }
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return std::nullopt;  // gone again: look next time
    if (fd < 0) open_for_reading(path_);                 // throws, saying why
    notify(on_notice_, fmt::format("{} was replaced by a new file (rotated): the old file was read to its end "
                                   "({} lines, {} bytes); reading the new file from its start",
                                   path_.string(), finished.line, finished.offset));
    read_from(fd, {.file_sequence = finished.file_sequence + 1, .file = identity_of(status_of(fd))});
    return std::nullopt;
}

FeedLine FeedSource::deliver(RawLine raw) {
    position_.offset += raw.raw_bytes;
    ++position_.line;
    bytes_read_ += raw.raw_bytes;
    return {std::move(raw.text), position_, position_.line, raw.text_bytes, raw.cut};
}

std::optional<FeedLine> FeedSource::next(bool at_rest_is_end) {
    while (true) {
        if (fd_ < 0 && !advance_to_next_segment()) return std::nullopt;
        if (auto raw = reader_.next()) return deliver(std::move(*raw));
        // No more whole lines for now.
        if (const FileChange change = followed_file_change(); change != FileChange::none) {
            if (auto line = finish_followed_file(change)) return line;
            continue;
        }
        // An unterminated tail is a whole line only if nothing more can
        // come: the input is finished, or (in a directory) the producer has
        // moved on to a newer segment.
        const bool finished = at_rest_is_end || is_stream_ || next_segment_exists();
        if (reader_.partial_bytes() > 0 && finished) return deliver(*reader_.take_partial());
        if (reader_.partial_bytes() > 0 || !advance_to_next_segment()) return std::nullopt;
    }
}

std::uint64_t FeedSource::total_bytes() const {
    if (is_stream_) return 0;
    if (is_directory_) return segments_->total_bytes();
    std::error_code missing;  // between a rotation's rename and the new file
    const auto size = std::filesystem::file_size(path_, missing);
    return missing ? 0 : size;
}

std::string FeedSource::identity() const {
    if (path_ == "-") return "-";
    return std::filesystem::weakly_canonical(path_).string();
}

}  // namespace indexer
