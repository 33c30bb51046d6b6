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
#include <cstdint>
#include <optional>
#include <string>

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

// A reader for one thread (not thread-safe; give each thread its own).
class ShmReader {
public:
    // Fails when no publisher has created the namespace's control block.
    static Result<ShmReader> open(const std::string& ns);

    // The current table: one atomic load, plus a remap (and validation of the
    // new image) once after each reload. The view stays valid until the next
    // current() on this reader. !valid() until a first table is published.
    // When the new image cannot be mapped or is corrupt, the reader keeps the
    // table it has and reports why in last_error().
    const TableView& current();
    std::uint64_t generation() const noexcept { return generation_; }
    const std::optional<Error>& last_error() const noexcept { return last_error_; }

private:
    ShmReader(std::string ns, ShmMapping control) : ns_(std::move(ns)), control_(std::move(control)) {}
    void remap(std::uint64_t wanted);

    std::string ns_;
    ShmMapping control_;
    ShmMapping image_;
    TableView view_;
    std::uint64_t generation_ = 0;
    std::uint64_t failed_generation_ = 0;  // not retried until the generation moves again
    std::optional<Error> last_error_;
};

}  // namespace smpp::routing
