#include "index_identity.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include "query/errors.h"

namespace query {
namespace {

// An inode number may be reused once its file is gone (a directory
// removed and built again), so the change time comes with it.
std::string identity_of(const struct stat& file) {
    return fmt::format("file {}:{}:{}.{:09}", file.st_dev, file.st_ino, file.st_ctim.tv_sec, file.st_ctim.tv_nsec);
}

[[noreturn]] void no_index(const std::filesystem::path& index_dir) {
    throw IndexError(IndexError::Kind::unavailable,
                     fmt::format("no index in {}: build one with listing-indexer build", index_dir.string()));
}

}  // namespace

ServingGeneration read_serving_generation(const std::filesystem::path& index_dir) {
    // The file's identity is taken before it is read: should a publication
    // come in between, the next look sees a new identity and reads again.
    // It is also the id of a CURRENT written before ids existed.
    const std::string stub = serving_stub_identity(index_dir);
    const auto generation = analyzers::serving_generation(index_dir);
    if (!generation) no_index(index_dir);
    return {.generation = *generation, .id = generation->id.empty() ? stub : "id " + generation->id, .stub = stub};
}

std::string serving_stub_identity(const std::filesystem::path& index_dir) {
    struct stat stub {};
    if (::stat(analyzers::serving_stub_path(index_dir).c_str(), &stub) != 0) no_index(index_dir);
    return identity_of(stub);
}

}  // namespace query
