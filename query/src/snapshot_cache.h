// Data derived from the index (brand and category vocabulary, shard
// snapshots, the spelling dictionary), shared by all searchers.
//
// Built at once for a new generation (its docids are new; told apart by
// ServingGeneration::id, as numbers repeat), then rebuilt in
// the background when the index has changed and the copy is old enough
// (its max age, or less when it builds fast: see the constructor):
// requests keep using the current copy meanwhile, so a rebuild (~450 ms
// for the shard snapshots at 1M listings) never delays one. A
// rebuild opens its own database handles: Xapian::Database is not
// thread-safe, and the searchers' handles are in use.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/core.h>
#include <xapian.h>

#include "analyzers/index_layout.h"
#include "index_identity.h"

namespace query {

// Thread-safe: every searcher asks it at each request (one mutex; a
// rebuild runs on its own thread without holding it).
template <typename Derived>
class SnapshotCache {
public:
    using Clock = std::chrono::steady_clock;
    // Builds the data for a generation; `previous` is the copy it replaces
    // (null at first), for what is worth carrying over (a cache's hot set).
    using Builder = std::function<std::shared_ptr<const Derived>(const analyzers::Generation& generation,
                                                                 const std::shared_ptr<const Derived>& previous)>;

    // Rebuilt when the index has changed and the copy is `max_age` old;
    // sooner, down to `min_age`, when rebuilding is cheap: after
    // cost_multiple times as long as the last build took (a frozen
    // generation's snapshots rebuild only its small deltas, and a request
    // ranks on current snapshots several times faster than through
    // Xapian's final pass), so that rebuilding keeps at most a quarter of
    // a core busy.
    SnapshotCache(Builder build, Clock::duration max_age, Clock::duration min_age)
        : build_(std::move(build)), max_age_(max_age), min_age_(std::min(min_age, max_age)) {}
    SnapshotCache(Builder build, Clock::duration max_age) : SnapshotCache(std::move(build), max_age, max_age) {}
    ~SnapshotCache() {
        if (rebuild_.joinable()) rebuild_.join();
    }
    SnapshotCache(const SnapshotCache&) = delete;
    SnapshotCache& operator=(const SnapshotCache&) = delete;

    // `changed`: the caller has seen the index change since it last asked.
    std::shared_ptr<const Derived> get(const ServingGeneration& serving, bool changed) {
        std::unique_lock lock(mutex_);
        if (!current_ || serving.id != generation_id_) {
            const auto started = Clock::now();
            take(build_retrying(serving.generation, current_), started);
            generation_id_ = serving.id;
            return current_;
        }
        if (changed) changed_ = true;
        if (changed_ && !rebuilding_ && Clock::now() - built_at_ >= rebuild_interval()) start_rebuild(serving);
        return current_;
    }

private:
    static constexpr int cost_multiple = 4;

    Clock::duration rebuild_interval() const { return std::clamp(cost_multiple * last_build_, min_age_, max_age_); }

    // Serves `built`, begun at `started` (with mutex_ held).
    void take(std::shared_ptr<const Derived> built, Clock::time_point started) {
        current_ = std::move(built);
        built_at_ = Clock::now();
        last_build_ = built_at_ - started;
    }

    void start_rebuild(const ServingGeneration& serving) {
        if (rebuild_.joinable()) rebuild_.join();  // finished: rebuilding_ is false
        rebuilding_ = true;
        changed_ = false;
        rebuild_ = std::thread([this, serving, previous = current_] {
            const auto started = Clock::now();
            std::shared_ptr<const Derived> built;
            try {
                built = build_retrying(serving.generation, previous);
            } catch (const Xapian::Error& error) {
                // Most likely the generation went away under us (a reindex
                // swap): the next request opens the new one and builds it then.
                fmt::print(stderr, "background rebuild of derived data failed, the previous copy stays: {}\n",
                           error.get_description());
            } catch (const std::exception& error) {
                fmt::print(stderr, "background rebuild of derived data failed, the previous copy stays: {}\n",
                           error.what());
            } catch (...) {
                fmt::print(stderr, "background rebuild of derived data failed, the previous copy stays\n");
            }
            std::lock_guard lock(mutex_);
            if (built && serving.id == generation_id_) take(std::move(built), started);
            rebuilding_ = false;
        });
    }

    // A writer committing twice during a build makes Xapian discard the
    // revision it reads: start again on fresh handles (the shard snapshots
    // resume by themselves; the vocabulary and spelling builds start over).
    std::shared_ptr<const Derived> build_retrying(const analyzers::Generation& generation,
                                                  const std::shared_ptr<const Derived>& previous) {
        for (int attempt = 1;; ++attempt) {
            try {
                return build_(generation, previous);
            } catch (const Xapian::DatabaseError&) {  // see ShardSnapshot::build
                if (attempt == max_build_attempts) throw;
            }
        }
    }

    static constexpr int max_build_attempts = 5;
    Builder build_;
    Clock::duration max_age_;
    Clock::duration min_age_;
    std::mutex mutex_;
    Clock::duration last_build_{};  // how long the current copy took to build
    std::shared_ptr<const Derived> current_;
    Clock::time_point built_at_;
    std::string generation_id_;  // ServingGeneration::id current_ was built for
    bool changed_ = false;     // the index changed since current_ was built
    bool rebuilding_ = false;
    std::thread rebuild_;
};

}  // namespace query
