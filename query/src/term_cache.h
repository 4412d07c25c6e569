// Per-term data worth keeping for frequent terms (bitmaps, posting lists),
// least recently used first out when over a memory budget. Thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace query {

// Entries by term, in a flat array of (hash, entry) slots probed linearly
// (open addressing, at most half full). A request looks a term up in
// three or four caches per shard, hundreds of lookups for a prefix's
// completions: std::unordered_map walked a chain of nodes for each, a
// cache miss and a division per node (2.8% of a server's samples under
// wrk, and more once the caches of a long-running server were full).
// `Entry` has `term`; its address must not change while it is indexed.
template <typename Entry>
class TermIndex {
public:
    static std::uint64_t hash_of(std::string_view term) { return std::hash<std::string_view>{}(term); }

    Entry* find(std::string_view term, std::uint64_t hash) const {
        const std::size_t at = slot_of(term, hash);
        return at == npos ? nullptr : slots_[at].entry;
    }

    // `entry`'s term must not be indexed yet.
    void insert(Entry* entry, std::uint64_t hash) {
        if ((count_ + 1) * 2 > slots_.size()) rehash(std::max<std::size_t>(16, slots_.size() * 2));
        place({hash, entry});
        ++count_;
    }

    void erase(std::string_view term, std::uint64_t hash) {
        std::size_t hole = slot_of(term, hash);
        if (hole == npos) return;
        // Backward shift: each following slot that may sit in the hole (its
        // home is not between the hole and it) moves in, leaving no marker.
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t next = (hole + 1) & mask; slots_[next].entry != nullptr; next = (next + 1) & mask) {
            const std::size_t home = slots_[next].hash & mask;
            if (((next - home) & mask) >= ((next - hole) & mask)) {
                slots_[hole] = slots_[next];
                hole = next;
            }
        }
        slots_[hole] = Slot{};
        --count_;
    }

private:
    struct Slot {
        std::uint64_t hash = 0;
        Entry* entry = nullptr;  // null: empty
    };
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    std::size_t slot_of(std::string_view term, std::uint64_t hash) const {
        if (slots_.empty()) return npos;
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
            const Slot& slot = slots_[at];
            if (slot.entry == nullptr) return npos;
            if (slot.hash == hash && slot.entry->term == term) return at;
        }
    }

    void place(Slot slot) {
        const std::size_t mask = slots_.size() - 1;
        std::size_t at = slot.hash & mask;
        while (slots_[at].entry != nullptr) at = (at + 1) & mask;
        slots_[at] = slot;
    }

    void rehash(std::size_t capacity) {
        std::vector<Slot> old(capacity);
        old.swap(slots_);
        for (const Slot& slot : old) {
            if (slot.entry != nullptr) place(slot);
        }
    }

    std::vector<Slot> slots_;  // a power of two of them
    std::size_t count_ = 0;
};

template <typename Value>
class TermCache {
public:
    explicit TermCache(std::size_t budget_bytes) : budget_bytes_(budget_bytes) {}

    std::shared_ptr<const Value> find(const std::string& term) const {
        const std::uint64_t hash = Index::hash_of(term);
        std::lock_guard lock(mutex_);
        Entry* entry = index_.find(term, hash);
        if (entry == nullptr) return nullptr;
        // Moved to the front only when it has fallen into the older half: a
        // term a request reads once per shard and pass is not moved each
        // time (LRU order is kept to within half the cache).
        if (++tick_ - entry->used > entries_.size() / 2) {
            entries_.splice(entries_.begin(), entries_, entry->place);
            entry->used = tick_;
        }
        return entry->value;
    }

    // Keeps `value` unless another thread got there first; returns the one kept.
    std::shared_ptr<const Value> insert(const std::string& term, std::shared_ptr<const Value> value) {
        const std::uint64_t hash = Index::hash_of(term);
        std::lock_guard lock(mutex_);
        if (const Entry* found = index_.find(term, hash)) return found->value;
        entries_.push_front({term, hash, value, ++tick_, {}});
        entries_.front().place = entries_.begin();
        index_.insert(&entries_.front(), hash);
        bytes_ += value->memory_bytes();
        while (bytes_ > budget_bytes_ && entries_.size() > 1) {
            const Entry& oldest = entries_.back();
            bytes_ -= oldest.value->memory_bytes();
            index_.erase(oldest.term, oldest.hash);
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
        std::uint64_t hash = 0;
        std::shared_ptr<const Value> value;
        std::uint64_t used = 0;  // tick_ when last moved to the front
        typename std::list<Entry>::iterator place;  // this entry's in entries_
    };
    using Index = TermIndex<Entry>;

    std::size_t budget_bytes_;
    mutable std::mutex mutex_;
    mutable std::list<Entry> entries_;  // most recently used first
    Index index_;
    std::size_t bytes_ = 0;
    mutable std::uint64_t tick_ = 0;  // one per find or insert
};

}  // namespace query
