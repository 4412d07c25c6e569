#include "analyzers/index_layout.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <xapian.h>

namespace analyzers {
namespace {

constexpr std::string_view stub_name = "CURRENT";
constexpr std::string_view id_comment = "id ";  // "# id <hex>" in CURRENT
constexpr std::string_view frozen_comment = "frozen";  // "# frozen: ..." in CURRENT

std::string generation_dir_name(std::uint64_t generation) { return fmt::format("gen-{:06}", generation); }
std::string shard_dir_name(std::size_t shard) { return fmt::format("shard-{:02}", shard); }
std::string delta_dir_name(std::size_t shard) { return fmt::format("delta-{:02}", shard); }

void write_file_durably(const std::filesystem::path& path, std::string_view contents) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error(fmt::format("cannot write {}", path.string()));
    const bool written = ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size());
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!written || !synced) throw std::runtime_error(fmt::format("cannot write {}", path.string()));
}

void sync_directory(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

std::filesystem::path serving_stub_path(const std::filesystem::path& index_dir) { return index_dir / stub_name; }

std::filesystem::path generation_path(const std::filesystem::path& index_dir, std::uint64_t generation) {
    return index_dir / generation_dir_name(generation);
}

std::filesystem::path shard_path(const std::filesystem::path& index_dir, std::uint64_t generation,
                                 std::size_t shard) {
    return generation_path(index_dir, generation) / shard_dir_name(shard);
}

std::filesystem::path delta_path(const std::filesystem::path& index_dir, std::uint64_t generation, std::size_t shard) {
    return generation_path(index_dir, generation) / delta_dir_name(shard);
}

std::vector<std::filesystem::path> serving_databases(const std::filesystem::path& index_dir,
                                                     const Generation& generation) {
    std::vector<std::filesystem::path> databases;
    for (std::size_t shard = 0; shard < generation.shard_count; ++shard) {
        databases.push_back(shard_path(index_dir, generation.number, shard));
    }
    if (generation.frozen) {
        for (std::size_t shard = 0; shard < generation.shard_count; ++shard) {
            databases.push_back(delta_path(index_dir, generation.number, shard));
        }
    }
    return databases;
}

std::size_t shard_of(std::string_view listing_id, std::size_t shard_count) {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (char c : listing_id) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return shard_count == 0 ? 0 : static_cast<std::size_t>(hash % shard_count);
}

std::string new_generation_id() {
    unsigned char bytes[16];
    if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
        throw std::runtime_error("cannot read random bytes for a generation id");
    }
    std::string id;
    for (unsigned char byte : bytes) id += fmt::format("{:02x}", byte);
    return id;
}

void publish_generation(const std::filesystem::path& index_dir, const Generation& to_publish) {
    Generation generation = to_publish;
    if (generation.id.empty()) generation.id = new_generation_id();
    // Paths in a stub file are relative to the stub's directory.
    std::string stub = fmt::format("# generation {} of {} shards, written by the indexer\n# {}{}\n",
                                   generation.number, generation.shard_count, id_comment, generation.id);
    if (generation.frozen) stub += fmt::format("# {}: each shard a base and a delta\n", frozen_comment);
    for (const auto& database : serving_databases(index_dir, generation)) {
        stub += fmt::format("auto {}\n", database.lexically_relative(index_dir).string());
    }
    const auto stub_path = serving_stub_path(index_dir);
    auto temporary = stub_path;
    temporary += ".tmp";
    write_file_durably(temporary, stub);
    std::filesystem::rename(temporary, stub_path);
    sync_directory(index_dir);
    write_serving_pointer(index_dir, generation);
}

// Replicas learn which generation to copy from this small database:
// Xapian replication carries databases, not the CURRENT stub file.
void write_serving_pointer(const std::filesystem::path& index_dir, const Generation& generation) {
    Xapian::WritableDatabase pointer((index_dir / serving_pointer_name).string(), Xapian::DB_CREATE_OR_OPEN);
    pointer.set_metadata("generation", std::to_string(generation.number));
    pointer.set_metadata("shards", std::to_string(generation.shard_count));
    pointer.set_metadata("id", generation.id);
    pointer.set_metadata("frozen", generation.frozen ? "1" : "");
    pointer.commit();
}

std::optional<Generation> serving_generation(const std::filesystem::path& index_dir) {
    std::ifstream in(serving_stub_path(index_dir));
    if (!in) return std::nullopt;
    Generation generation;
    std::string line;
    std::getline(in, line);
    unsigned long long number = 0;
    std::size_t shards = 0;
    if (std::sscanf(line.c_str(), "# generation %llu of %zu shards", &number, &shards) != 2) {
        throw std::runtime_error(
            fmt::format("{} was not written by this indexer", serving_stub_path(index_dir).string()));
    }
    generation.number = number;
    generation.shard_count = shards;
    while (std::getline(in, line) && line.starts_with("#")) {
        if (line.starts_with("# " + std::string(id_comment))) generation.id = line.substr(2 + id_comment.size());
        if (line.starts_with("# " + std::string(frozen_comment) + ":")) generation.frozen = true;
    }
    return generation;
}

}  // namespace analyzers
