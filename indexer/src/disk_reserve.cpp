#include "disk_reserve.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "write_failure.h"

namespace indexer {
namespace {

double megabytes(std::uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

}  // namespace

void DiskReserve::check(std::uint64_t needed) const {
    if (bytes == 0 && needed == 0) return;
    struct statvfs filesystem {};
    if (::statvfs(dir.c_str(), &filesystem) != 0) {
        throw WriteFailure(fmt::format("cannot see the free space of {}: {}", dir.string(), std::strerror(errno)));
    }
    const std::uint64_t available = static_cast<std::uint64_t>(filesystem.f_bavail) * filesystem.f_frsize;
    if (available >= needed + bytes) return;
    const std::string wanted = needed == 0 ? fmt::format("less than the {:.1f} MB kept free", megabytes(bytes))
                                           : fmt::format("{:.1f} MB needed and {:.1f} MB kept free",
                                                         megabytes(needed), megabytes(bytes));
    throw WriteFailure(fmt::format("not writing: {:.1f} MB free on the filesystem of {}, {} (--reserve-mb): No space "
                                   "left on device",
                                   megabytes(available), dir.string(), wanted));
}

}  // namespace indexer
