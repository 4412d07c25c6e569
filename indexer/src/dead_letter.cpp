#include "dead_letter.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "analyzers/json_writer.h"
#include "write_failure.h"

namespace indexer {
namespace {

// Enough of a rejected line to recognise it; the whole line may be huge.
constexpr std::size_t max_kept_line_bytes = 4096;

}  // namespace

DeadLetterFile::~DeadLetterFile() {
    if (fd_ >= 0) ::close(fd_);
}

void DeadLetterFile::fail(const char* what, int error_number) const {
    throw WriteFailure(fmt::format("cannot {} the dead-letter file {}: {}", what, path_.string(),
                                   std::strerror(error_number)));
}

void DeadLetterFile::add(std::string_view segment, std::uint64_t line_number, std::string_view error,
                         std::string_view line) {
    if (fd_ < 0) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd_ < 0) fail("open", errno);
    }
    analyzers::JsonWriter json;
    json.begin_object();
    if (!segment.empty()) json.field("segment", segment);
    json.field("line", line_number)
        .field("error", error)
        .field("text", line.substr(0, max_kept_line_bytes))
        .end_object();
    const std::string record = json.str() + "\n";
    const off_t size_before = ::lseek(fd_, 0, SEEK_END);
    for (std::size_t written = 0; written < record.size();) {
        const ssize_t count = ::write(fd_, record.data() + written, record.size() - written);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) {
            const int error_number = count < 0 ? errno : ENOSPC;
            // No half record for the next one to be glued to (should this
            // fail too, the retry still appends the record whole after it).
            if (size_before >= 0) {
                [[maybe_unused]] const int truncated = ::ftruncate(fd_, size_before);
            }
            fail("write to", error_number);
        }
        written += static_cast<std::size_t>(count);
    }
    ++count_;
}

}  // namespace indexer
