// A feed directory of segment files, as producers write them: each segment
// is written under a temporary name (segment-000003.jsonl.tmp, or a
// dotfile) and then renamed to its final name. Only final names are read:
//
//     ^segment-[0-9]{6,}\.jsonl$
//
// in the order of their numbers (segment-999999.jsonl, then
// segment-1000000.jsonl).
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "indexer/indexer.h"

namespace indexer {

bool is_segment_name(std::string_view name);
// Reading order. Names that are not segment names (positions written
// before the pattern was enforced) compare as plain strings.
bool segment_before(std::string_view a, std::string_view b);

class SegmentDirectory {
public:
    SegmentDirectory(std::filesystem::path dir, NoticeCallback on_notice);

    // The segments, in reading order. Says once for each other file that it
    // is ignored (quietly for temporary names: "*.tmp" and dotfiles), and
    // loudly for each segment that appears below `current`, the segment
    // being read: segments are read in order, so it will not be read.
    std::vector<std::string> scan(const std::string& current);
    std::uint64_t total_bytes() const;
    // Segments that appeared below the one being read.
    std::uint64_t late_segments() const { return late_segments_; }

private:
    void note_new_name(const std::string& name, bool segment, const std::string& current);

    std::filesystem::path dir_;
    NoticeCallback on_notice_;
    std::set<std::string> seen_;  // every name scanned so far
    bool first_scan_ = true;      // what is there at the start is not news
    std::uint64_t late_segments_ = 0;
};

}  // namespace indexer
