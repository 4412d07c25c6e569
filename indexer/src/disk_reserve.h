// Writes stop a little before the disk is full. Xapian 1.4.22 can end the
// whole process (std::terminate inside commit_transaction(), seen when a
// commit ran out of space part-way), so a commit that would start with
// less than the reserve free is refused as a WriteFailure instead: the
// follower reports and retries it, a build stops with the reason. A commit
// larger than the reserve can still reach Xapian's failure; the process
// then dies as under kill -9, with every commit before it intact.
#pragma once

#include <cstdint>
#include <filesystem>

namespace indexer {

struct DiskReserve {
    std::filesystem::path dir;  // on the filesystem written to
    std::uint64_t bytes = 0;    // kept free

    // Throws WriteFailure unless `needed` bytes plus the reserve are free.
    void check(std::uint64_t needed = 0) const;
};

}  // namespace indexer
