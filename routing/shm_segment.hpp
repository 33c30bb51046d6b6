#pragma once
// The one place that calls the POSIX shared-memory API (shm_open, ftruncate,
// mmap, munmap, shm_unlink). Every failure comes back as an Error naming the
// call, the segment and errno's text.
#include <cstddef>
#include <string>
#include <string_view>

#include "routing/error.hpp"

namespace smpp::routing {

// A mapped segment; unmapped when destroyed. The mapping stays valid after
// the segment's name is unlinked, which is what lets readers finish a lookup
// on a table the publisher has already retired.
class ShmMapping {
public:
    ShmMapping() = default;
    ShmMapping(void* data, std::size_t size) noexcept : data_(data), size_(size) {}
    ShmMapping(ShmMapping&& o) noexcept : data_(o.data_), size_(o.size_) { o.data_ = nullptr, o.size_ = 0; }
    ShmMapping& operator=(ShmMapping&& o) noexcept;
    ShmMapping(const ShmMapping&) = delete;
    ShmMapping& operator=(const ShmMapping&) = delete;
    ~ShmMapping();

    void* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    bool mapped() const noexcept { return data_ != nullptr; }

private:
    void* data_ = nullptr;
    std::size_t size_ = 0;
};

namespace shm {

enum class Access { read_only, read_write };

// A new segment of `size` bytes, mapped read-write, its pages allocated.
// Fails if the name exists or /dev/shm lacks room for it.
Result<ShmMapping> create(const std::string& name, std::size_t size);
// An existing segment, or a new one of `size` zero bytes (for control segments).
Result<ShmMapping> open_or_create(const std::string& name, std::size_t size);
// An existing segment, mapped whole. `populate`: fault every page in now
// (MAP_POPULATE), so the first reads of a fresh mapping take no page faults.
Result<ShmMapping> open(const std::string& name, Access access, bool populate = false);
// Removes the name; mappings stay valid. A missing name is not an error.
Result<Done> unlink(const std::string& name);
// True when the name does not exist (after a failed open).
bool missing(const Error& e) noexcept;

}  // namespace shm

}  // namespace smpp::routing
