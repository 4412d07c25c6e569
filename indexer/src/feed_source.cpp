#include "feed_source.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace indexer {
namespace {

std::vector<std::string> segment_names(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (entry.is_regular_file() && !name.empty() && name[0] != '.') names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

bool FeedPosition::operator<(const FeedPosition& other) const {
    if (segment != other.segment) return segment < other.segment;
    return offset < other.offset;
}

std::string FeedPosition::encode() const { return fmt::format("{} {} {}", offset, line, segment); }

FeedPosition FeedPosition::decode(std::string_view text) {
    FeedPosition position;
    unsigned long long offset = 0, line = 0;
    int consumed = 0;
    const std::string copy(text);
    if (std::sscanf(copy.c_str(), "%llu %llu %n", &offset, &line, &consumed) < 2) {
        throw std::runtime_error(fmt::format("unreadable feed position \"{}\"", copy));
    }
    position.offset = offset;
    position.line = line;
    position.segment = copy.substr(static_cast<std::size_t>(consumed));
    return position;
}

FeedSource::FeedSource(const std::filesystem::path& path) : path_(path) {
    if (path == "-") {
        is_stdin_ = true;
        file_ = stdin;
        return;
    }
    if (!std::filesystem::exists(path)) throw std::runtime_error(fmt::format("feed {} does not exist", path.string()));
    is_directory_ = std::filesystem::is_directory(path);
    seek({});
}

FeedSource::~FeedSource() {
    if (file_ != nullptr && !is_stdin_) std::fclose(file_);
    std::free(read_buffer_);
}

void FeedSource::seek(const FeedPosition& position) {
    if (is_stdin_) return;
    pending_.clear();
    if (is_directory_) {
        const auto names = segment_names(path_);
        auto first = std::lower_bound(names.begin(), names.end(), position.segment);
        if (first == names.end()) {
            position_ = position;  // that segment is gone and nothing follows yet
            if (file_ != nullptr) std::fclose(file_);
            file_ = nullptr;
            return;
        }
        const bool same = *first == position.segment;
        open_segment(*first, same ? position.offset : 0);
        position_.line = same ? position.line : 0;
        return;
    }
    open_segment("", position.offset);
    position_.line = position.line;
}

bool FeedSource::open_segment(const std::string& segment, std::uint64_t offset) {
    if (file_ != nullptr) std::fclose(file_);
    const auto file_path = is_directory_ ? path_ / segment : path_;
    file_ = std::fopen(file_path.c_str(), "rb");
    if (file_ == nullptr) throw std::runtime_error(fmt::format("cannot read feed {}", file_path.string()));
    if (offset > 0 && ::fseeko(file_, static_cast<off_t>(offset), SEEK_SET) != 0) {
        throw std::runtime_error(fmt::format("cannot seek in feed {}", file_path.string()));
    }
    position_ = {segment, offset, 0};
    return true;
}

bool FeedSource::advance_to_next_segment() {
    if (!is_directory_) return false;
    const auto names = segment_names(path_);
    auto next = std::upper_bound(names.begin(), names.end(), position_.segment);
    if (next == names.end()) return false;
    // Only move on once the current segment is finished: a partial line
    // left at its end is kept as the last line of that segment.
    open_segment(*next, 0);
    return true;
}

FeedLine FeedSource::take_pending_line(std::uint64_t raw_bytes) {
    position_.offset += raw_bytes;
    ++position_.line;
    if (!pending_.empty() && pending_.back() == '\n') pending_.pop_back();
    if (!pending_.empty() && pending_.back() == '\r') pending_.pop_back();
    FeedLine line{std::move(pending_), position_, position_.line};
    pending_.clear();
    return line;
}

std::optional<FeedLine> FeedSource::next(bool at_rest_is_end) {
    while (true) {
        if (file_ == nullptr && !advance_to_next_segment()) return std::nullopt;
        std::clearerr(file_);  // a growing file: EOF is not final
        const ssize_t length = ::getline(&read_buffer_, &read_capacity_, file_);
        if (length > 0) {
            pending_.append(read_buffer_, static_cast<std::size_t>(length));
            bytes_read_ += static_cast<std::uint64_t>(length);
            if (pending_.back() == '\n') return take_pending_line(pending_.size());
            continue;  // the last bytes so far: the rest of the line may follow
        }
        // No more bytes right now. An unterminated tail is a whole line only
        // if nothing more can come: the input is finished, or (in a
        // directory) the producer has moved on to a newer segment.
        const bool finished = at_rest_is_end || is_stdin_ || next_segment_exists();
        if (!pending_.empty() && finished) return take_pending_line(pending_.size());
        if (!pending_.empty() || !advance_to_next_segment()) return std::nullopt;
    }
}

bool FeedSource::next_segment_exists() const {
    if (!is_directory_) return false;
    const auto names = segment_names(path_);
    return std::upper_bound(names.begin(), names.end(), position_.segment) != names.end();
}

std::uint64_t FeedSource::total_bytes() const {
    if (is_stdin_) return 0;
    if (!is_directory_) return std::filesystem::file_size(path_);
    std::uint64_t total = 0;
    for (const auto& name : segment_names(path_)) total += std::filesystem::file_size(path_ / name);
    return total;
}

std::string FeedSource::identity() const {
    if (is_stdin_) return "-";
    return std::filesystem::weakly_canonical(path_).string();
}

}  // namespace indexer
