#include "routing/shm_segment.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace smpp::routing {

namespace {

constexpr std::string_view missing_tag = "(no such segment)";

Error sys_error(const char* call, const std::string& name, int err) {
    std::string message = std::string(call) + " " + name + ": " + std::strerror(err);
    if (err == ENOENT) message += " " + std::string(missing_tag);
    return Error{std::move(message), "", 0, ""};
}

// Closes the descriptor whatever happens; a mapping does not need it.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

Result<ShmMapping> map(int fd, const std::string& name, std::size_t size, bool writable, bool populate = false) {
    int prot = writable ? PROT_READ | PROT_WRITE : PROT_READ;
    void* p = ::mmap(nullptr, size, prot, MAP_SHARED | (populate ? MAP_POPULATE : 0), fd, 0);
    if (p == MAP_FAILED) return sys_error("mmap", name, errno);
    return ShmMapping(p, size);
}

}  // namespace

ShmMapping& ShmMapping::operator=(ShmMapping&& o) noexcept {
    if (this != &o) {
        if (data_) ::munmap(data_, size_);
        data_ = o.data_;
        size_ = o.size_;
        o.data_ = nullptr;
        o.size_ = 0;
    }
    return *this;
}

ShmMapping::~ShmMapping() {
    if (data_) ::munmap(data_, size_);
}

namespace shm {

Result<ShmMapping> create(const std::string& name, std::size_t size) {
    Fd f{::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0644)};
    if (f.fd < 0) return sys_error("shm_open", name, errno);
    if (::ftruncate(f.fd, static_cast<off_t>(size)) != 0) {
        int err = errno;
        ::shm_unlink(name.c_str());
        return sys_error("ftruncate", name, err);
    }
    // ftruncate alone leaves tmpfs pages unallocated: with /dev/shm short
    // of room the first write to one would kill the process with SIGBUS,
    // where a full /dev/shm must be an error the caller reports.
    if (int err = ::posix_fallocate(f.fd, 0, static_cast<off_t>(size)); err != 0) {
        ::shm_unlink(name.c_str());
        return sys_error("posix_fallocate", name, err);
    }
    auto m = map(f.fd, name, size, true);
    if (!m) ::shm_unlink(name.c_str());
    return m;
}

Result<ShmMapping> open_or_create(const std::string& name, std::size_t size) {
    Fd f{::shm_open(name.c_str(), O_CREAT | O_RDWR, 0644)};
    if (f.fd < 0) return sys_error("shm_open", name, errno);
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) return sys_error("fstat", name, errno);
    if (static_cast<std::size_t>(st.st_size) < size && ::ftruncate(f.fd, static_cast<off_t>(size)) != 0)
        return sys_error("ftruncate", name, errno);
    // As in create(): pages allocated now, not at the first write.
    if (int err = ::posix_fallocate(f.fd, 0, static_cast<off_t>(size)); err != 0)
        return sys_error("posix_fallocate", name, err);
    return map(f.fd, name, size, true);
}

Result<ShmMapping> open(const std::string& name, Access access, bool populate) {
    bool writable = access == Access::read_write;
    Fd f{::shm_open(name.c_str(), writable ? O_RDWR : O_RDONLY, 0)};
    if (f.fd < 0) return sys_error("shm_open", name, errno);
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) return sys_error("fstat", name, errno);
    if (st.st_size <= 0) return Error{"shm_open " + name + ": the segment is empty", "", 0, ""};
    return map(f.fd, name, static_cast<std::size_t>(st.st_size), writable, populate);
}

Result<Done> unlink(const std::string& name) {
    if (::shm_unlink(name.c_str()) != 0 && errno != ENOENT) return sys_error("shm_unlink", name, errno);
    return Done{};
}

bool missing(const Error& e) noexcept { return e.message.find(missing_tag) != std::string::npos; }

}  // namespace shm

}  // namespace smpp::routing
