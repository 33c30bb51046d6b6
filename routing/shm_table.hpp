#pragma once
// Route tables published in POSIX shared memory, so every process on the
// host (the server's threads, `smppctl route lookup`) reads the same table.
//
// Segments of one namespace `ns`:
//   /smpp-routes.<ns>.ctl        a control block: magic + atomic generation
//   /smpp-routes.<ns>.<gen>      one immutable compiled image per generation
// A reload writes generation g+1's image into its own segment, then stores
// g+1 into the control block (release): a reader sees either the old or the
// new table, never a half-written one. The publisher keeps the previous image
// and unlinks older ones; a reader's mapping outlives the unlink, so a
// lookup in progress in any process finishes on the table it started with.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "routing/compiled_table.hpp"
#include "routing/error.hpp"
#include "routing/route_table.hpp"
#include "routing/shm_segment.hpp"

namespace smpp::routing {

// Letters, digits, '_', '-' and '.', 1 to 64 characters.
bool valid_shm_namespace(std::string_view ns) noexcept;
std::string control_segment_name(std::string_view ns);
std::string image_segment_name(std::string_view ns, std::uint64_t generation);

// One publisher per namespace (the server). Generations continue from the
// control block's, so they keep growing across restarts.
class ShmPublisher {
public:
    static Result<ShmPublisher> open(const std::string& ns);

    // Compiles and publishes `table`; returns its generation. On an error
    // nothing changes and the current table keeps serving.
    Result<std::uint64_t> publish(const RouteTable& table);
    std::uint64_t generation() const noexcept;
    // Unlinks the control block and the images this publisher may have left
    // (shutdown, tests). Readers that have them mapped keep working.
    void remove();

private:
    ShmPublisher(std::string ns, ShmMapping control) : ns_(std::move(ns)), control_(std::move(control)) {}
    std::string ns_;
    ShmMapping control_;
};

class TableRefresher;

// A reader for one thread (not thread-safe; give each thread its own).
class ShmReader {
public:
    // Fails when no publisher has created the namespace's control block.
    static Result<ShmReader> open(const std::string& ns);
    // A reader that takes the tables `refresher` has already mapped and
    // validated: switching to a new table costs current() one lock, never
    // the map + validation (see TableRefresher). The refresher's thread
    // decides when a reload is seen, so it lags the publisher by up to a poll.
    static Result<ShmReader> open(std::shared_ptr<TableRefresher> refresher);

    // The current table: one atomic load, plus a remap (and validation of the
    // new image) once after each reload. The view stays valid until the next
    // current() on this reader. !valid() until a first table is published.
    // When the new image cannot be mapped or is corrupt, the reader keeps the
    // table it has and reports why in last_error().
    const TableView& current();
    std::uint64_t generation() const noexcept { return generation_; }
    const std::optional<Error>& last_error() const noexcept { return last_error_; }

    // The mapping behind current(), shared so a view handed to another
    // thread (TableRefresher) outlives this reader's next remap.
    const std::shared_ptr<const ShmMapping>& image() const noexcept { return image_; }

private:
    ShmReader(std::string ns, ShmMapping control) : ns_(std::move(ns)), control_(std::move(control)) {}
    explicit ShmReader(std::shared_ptr<TableRefresher> refresher) : refresher_(std::move(refresher)) {}
    void remap(std::uint64_t wanted);

    std::string ns_;
    ShmMapping control_;
    std::shared_ptr<TableRefresher> refresher_;
    std::shared_ptr<const ShmMapping> image_;
    TableView view_;
    std::uint64_t generation_ = 0;
    std::uint64_t failed_generation_ = 0;  // not retried until the generation moves again
    std::optional<Error> last_error_;
};

// Moves the cost of a reload off the lookup path: a thread of its own
// follows the control block (every `poll`), maps a new image with every
// page faulted in (MAP_POPULATE), validates it (magic, checksum, indices),
// and only then offers it to its readers. A reader's lookup after a reload
// finds the table ready: one atomic load, plus one lock to take the new
// table. One refresher per namespace per process; readers share it.
class TableRefresher {
public:
    // poll 0: no thread; refresh() is called by hand (tests).
    static Result<std::shared_ptr<TableRefresher>> open(const std::string& ns,
                                                        std::chrono::milliseconds poll = std::chrono::milliseconds(10));
    ~TableRefresher();
    TableRefresher(const TableRefresher&) = delete;
    TableRefresher& operator=(const TableRefresher&) = delete;

    // Maps and validates a newer published table now, if there is one.
    void refresh();
    // The generation offered to readers (0: none yet).
    std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }
    std::optional<Error> last_error() const;
    // How many tables it has prepared.
    std::uint64_t prepared() const noexcept { return prepared_.load(std::memory_order_relaxed); }

private:
    friend class ShmReader;
    struct Table {
        std::shared_ptr<const ShmMapping> image;
        TableView view;
        std::uint64_t generation = 0;
    };
    explicit TableRefresher(ShmReader reader) : reader_(std::move(reader)) {}
    Table table() const;
    // A reader's previous table, unmapped by refresh() when nobody holds it.
    void retire(std::shared_ptr<const ShmMapping> image);
    void run(std::chrono::milliseconds poll);

    mutable std::mutex refresh_mutex_;  // reader_
    ShmReader reader_;
    mutable std::mutex table_mutex_;  // table_, retired_
    Table table_;
    std::vector<std::shared_ptr<const ShmMapping>> retired_;
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<std::uint64_t> prepared_{0};
    std::mutex stop_mutex_;
    std::condition_variable stop_cv_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace smpp::routing
