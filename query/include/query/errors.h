// The two kinds of error the engine throws, so that a caller can answer
// each as it should: the HTTP front turns a RequestError into a 400 and an
// IndexError into a 503 (unavailable) or a 500 (corrupt), logged with its
// cause. Anything else escaping the engine is a bug.
#pragma once

#include <stdexcept>
#include <string>

namespace query {

// The caller asked for something that cannot be: a filter that cannot be
// read, a ranking config with a bad line, a listing id not in the index.
class RequestError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// The index cannot be searched: none built yet, a generation gone from
// under the server, a shard unreadable (unavailable), or a shard whose data
// is damaged (corrupt). what() says which database and why.
class IndexError : public std::runtime_error {
public:
    enum class Kind { unavailable, corrupt };
    IndexError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    Kind kind() const { return kind_; }

private:
    Kind kind_;
};

}  // namespace query
