// A write to the index or the dead-letter file that failed for a reason
// that may pass, above all a full disk. Nothing after the last commit is
// lost by it: the follower reports it, waits, reopens the shards and reads
// on from the last commit; a build stops and removes what it wrote.
#pragma once

#include <stdexcept>
#include <string_view>

#include <xapian.h>

namespace indexer {

class WriteFailure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A Xapian error worth retrying: a database I/O error (a full disk is a
// plain DatabaseError), not a corrupt or locked database, nor a bug.
// (Xapian 1.4's errors are not polymorphic: they name their type.)
inline bool may_pass(const Xapian::Error& error) {
    const std::string_view type = error.get_type();
    return type == "DatabaseError" || type == "DatabaseCreateError" || type == "DatabaseOpeningError";
}

}  // namespace indexer
