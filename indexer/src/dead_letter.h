// Where rejected feed lines go, one JSON object per line:
//   {"line":12,"error":"field 'price': expected a number, found string","text":"..."}
// so an operator can fix and replay them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string_view>

namespace indexer {

class DeadLetterFile {
public:
    explicit DeadLetterFile(std::filesystem::path path) : path_(std::move(path)) {}

    void add(std::uint64_t line_number, std::string_view error, std::string_view line);
    std::uint64_t count() const { return count_; }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    std::ofstream out_;  // opened on the first rejected line
    std::uint64_t count_ = 0;
};

}  // namespace indexer
