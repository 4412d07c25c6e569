#include "segment_directory.h"

#include <algorithm>

#include <fmt/format.h>

#include "notice.h"

namespace indexer {
namespace {

constexpr std::string_view segment_prefix = "segment-";
constexpr std::string_view segment_suffix = ".jsonl";
constexpr std::size_t min_segment_digits = 6;

std::string_view segment_digits(std::string_view name) {
    return name.substr(segment_prefix.size(), name.size() - segment_prefix.size() - segment_suffix.size());
}

// How producers name a segment while they write it, before the rename.
bool is_temporary_name(std::string_view name) { return name.starts_with(".") || name.ends_with(".tmp"); }

}  // namespace

bool is_segment_name(std::string_view name) {
    if (!name.starts_with(segment_prefix) || !name.ends_with(segment_suffix)) return false;
    if (name.size() < segment_prefix.size() + segment_suffix.size() + min_segment_digits) return false;
    return segment_digits(name).find_first_not_of("0123456789") == std::string_view::npos;
}

bool segment_before(std::string_view a, std::string_view b) {
    if (!is_segment_name(a) || !is_segment_name(b)) return a < b;
    // Compare the numbers without leading zeros: shorter is smaller.
    std::string_view number_a = segment_digits(a), number_b = segment_digits(b);
    number_a.remove_prefix(std::min(number_a.find_first_not_of('0'), number_a.size()));
    number_b.remove_prefix(std::min(number_b.find_first_not_of('0'), number_b.size()));
    if (number_a.size() != number_b.size()) return number_a.size() < number_b.size();
    if (number_a != number_b) return number_a < number_b;
    return a < b;
}

SegmentDirectory::SegmentDirectory(std::filesystem::path dir, NoticeCallback on_notice)
    : dir_(std::move(dir)), on_notice_(std::move(on_notice)) {}

std::vector<std::string> SegmentDirectory::scan(const std::string& current) {
    std::vector<std::string> segments;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
        std::string name = entry.path().filename().string();
        const bool segment = is_segment_name(name) && entry.is_regular_file();
        if (!seen_.contains(name)) note_new_name(name, segment, current);
        if (segment) segments.push_back(std::move(name));
    }
    first_scan_ = false;
    std::sort(segments.begin(), segments.end(), segment_before);
    return segments;
}

void SegmentDirectory::note_new_name(const std::string& name, bool segment, const std::string& current) {
    seen_.insert(name);
    if (!segment) {
        if (!is_temporary_name(name)) {
            notify(on_notice_, fmt::format("ignoring {}: not a segment name (segment-NNNNNN.jsonl)",
                                           (dir_ / name).string()));
        }
        return;
    }
    if (first_scan_ || !segment_before(name, current)) return;
    ++late_segments_;
    notify(on_notice_,
           fmt::format("NOT READ: segment {} appeared after {} had been read; segments are read in the order of "
                       "their numbers, so give it a number above the newest segment to have it read",
                       (dir_ / name).string(), current));
}

std::uint64_t SegmentDirectory::total_bytes() const {
    std::uint64_t total = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
        if (is_segment_name(entry.path().filename().string()) && entry.is_regular_file()) total += entry.file_size();
    }
    return total;
}

}  // namespace indexer
