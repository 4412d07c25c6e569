#include "facet_names.h"

#include <mutex>

namespace query {

std::shared_ptr<FacetNames> FacetNames::shared() {
    static const auto names = std::make_shared<FacetNames>();
    return names;
}

std::uint32_t FacetNames::id_of(FacetDimension dimension, std::string_view name) {
    if (const auto found = find(dimension, name)) return *found;
    std::unique_lock lock(mutex_);
    Dimension& numbered = dimensions_[static_cast<std::size_t>(dimension)];
    if (const auto found = numbered.ids.find(name); found != numbered.ids.end()) return found->second;
    const auto id = static_cast<std::uint32_t>(numbered.names.size());
    numbered.ids.emplace(numbered.names.emplace_back(name), id);
    return id;
}

std::optional<std::uint32_t> FacetNames::find(FacetDimension dimension, std::string_view name) const {
    std::shared_lock lock(mutex_);
    const Dimension& numbered = dimensions_[static_cast<std::size_t>(dimension)];
    if (const auto found = numbered.ids.find(name); found != numbered.ids.end()) return found->second;
    return std::nullopt;
}

std::size_t FacetNames::size(FacetDimension dimension) const {
    std::shared_lock lock(mutex_);
    return dimensions_[static_cast<std::size_t>(dimension)].names.size();
}

std::string_view FacetNames::Reader::name(FacetDimension dimension, std::uint32_t id) const {
    return names_.dimensions_[static_cast<std::size_t>(dimension)].names[id];
}

}  // namespace query
