#include "line_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace indexer {
namespace {

constexpr std::size_t read_buffer_bytes = 64 * 1024;
// What is kept of a line over the limit: enough to recognise it in the
// dead-letter file (which keeps no more than this of any line).
constexpr std::size_t cut_line_excerpt_bytes = 4096;

}  // namespace

LineReader::LineReader(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes), buffer_(read_buffer_bytes) {}

void LineReader::reset(int fd) {
    fd_ = fd;
    begin_ = end_ = 0;
    partial_.clear();
    partial_bytes_ = 0;
    cut_ = false;
    last_byte_ = 0;
}

bool LineReader::fill() {
    ssize_t count;
    do {
        count = ::read(fd_, buffer_.data(), buffer_.size());
    } while (count < 0 && errno == EINTR);
    if (count < 0) throw std::runtime_error(fmt::format("cannot read the feed: {}", std::strerror(errno)));
    begin_ = 0;
    end_ = static_cast<std::size_t>(count);
    return count > 0;  // 0: the end of the file, for now
}

void LineReader::append(const char* bytes, std::size_t count) {
    if (count == 0) return;
    partial_bytes_ += count;
    last_byte_ = bytes[count - 1];
    if (cut_) return;
    // One byte of slack for the '\r' of a "\r\n" ending.
    if (partial_.size() + count <= max_line_bytes_ + 1) {
        partial_.append(bytes, count);
        return;
    }
    cut_ = true;
    partial_.append(bytes, std::min(count, cut_line_excerpt_bytes));
    partial_.resize(std::min(partial_.size(), cut_line_excerpt_bytes));
    partial_.shrink_to_fit();
}

RawLine LineReader::finish_line(std::uint64_t ending_bytes) {
    RawLine line;
    line.raw_bytes = partial_bytes_ + ending_bytes;
    line.text_bytes = partial_bytes_;
    line.cut = cut_;
    if (last_byte_ == '\r') {
        --line.text_bytes;
        if (!cut_) partial_.pop_back();
    }
    line.text = std::move(partial_);
    partial_.clear();
    partial_bytes_ = 0;
    cut_ = false;
    last_byte_ = 0;
    return line;
}

std::optional<RawLine> LineReader::next() {
    while (true) {
        if (begin_ == end_ && !fill()) return std::nullopt;
        const char* start = buffer_.data() + begin_;
        const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
        const std::size_t count = newline ? static_cast<std::size_t>(newline - start) : end_ - begin_;
        append(start, count);
        begin_ += count;
        if (newline == nullptr) continue;
        ++begin_;
        return finish_line(1);
    }
}

std::optional<RawLine> LineReader::take_partial() {
    if (partial_bytes_ == 0) return std::nullopt;
    return finish_line(0);
}

}  // namespace indexer
