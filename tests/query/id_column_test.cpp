#include <doctest/doctest.h>

#include <cstdint>
#include <type_traits>
#include <vector>

#include "id_column.h"

namespace {

// The ids as with_ids hands them over, and whether they came 16 bits wide.
std::pair<std::vector<std::uint32_t>, bool> read_back(const query::IdColumn& column, std::size_t size) {
    std::vector<std::uint32_t> ids;
    bool narrow = false;
    column.with_ids([&](const auto* values) {
        narrow = std::is_same_v<std::remove_cv_t<std::remove_pointer_t<decltype(values)>>, std::uint16_t>;
        ids.assign(values, values + size);
    });
    return {ids, narrow};
}

}  // namespace

TEST_CASE("an id column is kept 16 bits wide when every id fits, 32 otherwise, with the same ids") {
    for (const std::uint32_t largest : {std::uint32_t{3}, std::uint32_t{65535}, std::uint32_t{65536}, std::uint32_t{4000000}}) {
        CAPTURE(largest);
        query::IdColumn column;
        std::vector<std::uint32_t> ids = {0, 1, largest, 2, 0, largest - 1};
        column.building() = ids;
        column.narrow_if_small();
        const auto [read, narrow] = read_back(column, ids.size());
        CHECK(read == ids);
        CHECK(narrow == (largest <= 65535));
        for (std::size_t docid = 0; docid < ids.size(); ++docid) CHECK(column[docid] == ids[docid]);
    }
}
