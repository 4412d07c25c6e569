// Per-term data worth keeping for frequent terms (bitmaps, posting lists),
// least recently used first out when over a memory budget. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace query {

template <typename Value>
class TermCache {
public:
    explicit TermCache(std::size_t budget_bytes) : budget_bytes_(budget_bytes) {}

    std::shared_ptr<const Value> find(const std::string& term) const {
        std::lock_guard lock(mutex_);
        const auto found = index_.find(term);
        if (found == index_.end()) return nullptr;
        // Moved to the front only when it has fallen into the older half: a
        // term a request reads once per shard and pass is not moved each
        // time (LRU order is kept to within half the cache).
        Entry& entry = *found->second;
        if (++tick_ - entry.used > entries_.size() / 2) {
            entries_.splice(entries_.begin(), entries_, found->second);
            entry.used = tick_;
        }
        return entry.value;
    }

    // Keeps `value` unless another thread got there first; returns the one kept.
    std::shared_ptr<const Value> insert(const std::string& term, std::shared_ptr<const Value> value) {
        std::lock_guard lock(mutex_);
        if (const auto found = index_.find(term); found != index_.end()) return found->second->value;
        entries_.push_front({term, value, ++tick_});
        index_[term] = entries_.begin();
        bytes_ += value->memory_bytes();
        while (bytes_ > budget_bytes_ && entries_.size() > 1) {
            bytes_ -= entries_.back().value->memory_bytes();
            index_.erase(entries_.back().term);
            entries_.pop_back();
        }
        return value;
    }

    // The terms kept, most recently used first, at most `limit` of them.
    std::vector<std::string> recent_terms(std::size_t limit) const {
        std::lock_guard lock(mutex_);
        std::vector<std::string> terms;
        for (const Entry& entry : entries_) {
            if (terms.size() == limit) break;
            terms.push_back(entry.term);
        }
        return terms;
    }

private:
    struct Entry {
        std::string term;
        std::shared_ptr<const Value> value;
        std::uint64_t used = 0;  // tick_ when last moved to the front
    };
    std::size_t budget_bytes_;
    mutable std::mutex mutex_;
    mutable std::list<Entry> entries_;  // most recently used first
    std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
    std::size_t bytes_ = 0;
    mutable std::uint64_t tick_ = 0;  // one per find or insert
};

}  // namespace query
