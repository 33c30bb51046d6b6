#include "store/ledger_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

namespace smpp::store {
namespace {

// A record: payload length (u32), crc32 (u32) of the journal's key, the
// rest of the header (length, sequence, kind) and the payload, sequence
// number (u64), kind (u8), payload. Little endian, no padding.
//
// The key: 8 random octets drawn at every start(), in the file `key`. The
// payloads hold upstream text verbatim, and after a crash the scan reads on
// into an earlier lap's bytes; a header forged inside a message text, with
// a crc that checks, would otherwise replay as the newest record. Without
// the key (never in the journal's records, never sent anywhere) a forger
// has a 2^-32 chance per try. A journal from before the key (no file)
// reads with an empty one. Sequence numbers rise by one per record across all
// segments, so what an earlier lap left behind a segment's write position
// reads as older and ends that segment's records.
constexpr std::size_t header_size = 17;
constexpr std::uint8_t kind_batch = 0;
constexpr std::uint8_t kind_mark = 1;
constexpr std::uint8_t kind_void = 2;  // payload: the sequence number of the batch record it voids

void put_u32(char* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
void put_u64(char* p, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
std::uint32_t get_u32(const char* p) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}
std::uint64_t get_u64(const char* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

constexpr std::size_t key_size = 8;

std::uint32_t checksum(std::string_view key, const char* header, std::string_view payload) {
    uLong c = crc32(0L, Z_NULL, 0);
    if (!key.empty()) c = crc32(c, reinterpret_cast<const Bytef*>(key.data()), static_cast<uInt>(key.size()));
    c = crc32(c, reinterpret_cast<const Bytef*>(header), 4);
    c = crc32(c, reinterpret_cast<const Bytef*>(header + 8), header_size - 8);
    // zlib takes a uInt length; payloads are bounded by the segment size
    // (< 4 GiB). A null buffer (an empty view) would reset the crc to 0.
    if (!payload.empty())
        c = crc32(c, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size()));
    return static_cast<std::uint32_t>(c);
}

Status io_error(const std::string& what, const std::string& path, int err) {
    return Status(StatusCode::io_error, "ledger journal " + path + ": " + what + ": " + std::strerror(err));
}

bool read_file(const std::string& path, std::string& out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        return false;
    }
    out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < out.size()) {
        ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    out.resize(done);
    ::close(fd);
    return true;
}

struct Found {
    std::uint64_t seq;
    std::uint8_t kind;
    std::size_t segment;
    std::size_t offset;
    std::size_t size;
};

// The records of one segment, in file order, up to the first one that is
// torn, blank, or older than the one before it.
void scan(std::string_view key, const std::string& data, std::size_t segment, std::vector<Found>& out) {
    std::size_t at = 0;
    std::uint64_t previous = 0;
    while (at + header_size <= data.size()) {
        const char* h = data.data() + at;
        const std::uint32_t size = get_u32(h);
        const std::uint64_t seq = get_u64(h + 8);
        const auto kind = static_cast<std::uint8_t>(h[16]);
        if (seq == 0 || seq <= previous || kind > kind_void || size > data.size() - at - header_size) return;
        if (checksum(key, h, std::string_view(h + header_size, size)) != get_u32(h + 4)) return;
        out.push_back(Found{seq, kind, segment, at + header_size, size});
        previous = seq;
        at += header_size + size;
    }
}

}  // namespace

LedgerJournal::LedgerJournal(std::string dir, std::size_t segment_bytes, SyncStore sync_store,
                             std::size_t segments)
    : dir_(std::move(dir)),
      segment_bytes_(segment_bytes),
      sync_store_(std::move(sync_store)),
      fds_(segments, -1),
      free_(segments, true) {}

StatusOr<std::unique_ptr<LedgerJournal>> LedgerJournal::open(std::string dir, std::size_t segment_bytes,
                                                             SyncStore sync_store, std::size_t segments) {
    if (segments < 2) return Status(StatusCode::invalid_argument, "ledger journal: needs at least 2 segments");
    if (segment_bytes < 4096 || segment_bytes > (std::size_t{1} << 31))
        return Status(StatusCode::invalid_argument, "ledger journal: segment size must be 4 KiB..2 GiB");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status(StatusCode::io_error, "ledger journal " + dir + ": " + ec.message());
    std::unique_ptr<LedgerJournal> j(new LedgerJournal(std::move(dir), segment_bytes, std::move(sync_store), segments));
    if (auto s = j->read_existing(); !s.ok()) return s;
    return j;
}

std::string LedgerJournal::segment_path(std::size_t i) const { return dir_ + "/segment-" + std::to_string(i); }

Status LedgerJournal::read_existing() {
    const std::string key_path = dir_ + "/key";
    if (std::filesystem::exists(key_path)) {
        if (!read_file(key_path, key_)) return io_error("read", key_path, errno);
        if (key_.size() != key_size)
            return Status(StatusCode::corruption, "ledger journal " + key_path + ": " + std::to_string(key_.size()) +
                                                      " octets, not " + std::to_string(key_size));
    }
    std::vector<std::string> data(fds_.size());
    std::vector<Found> found;
    for (std::size_t i = 0; i < fds_.size(); ++i) {
        if (!std::filesystem::exists(segment_path(i))) continue;
        if (!read_file(segment_path(i), data[i])) return io_error("read", segment_path(i), errno);
        scan(key_, data[i], i, found);
    }
    if (found.empty()) return {};
    std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.seq < b.seq; });
    next_seq_ = found.back().seq + 1;
    // The newest unbroken run, and in it what follows its last mark.
    std::size_t begin = found.size() - 1;
    while (begin > 0 && found[begin - 1].seq + 1 == found[begin].seq) --begin;
    for (std::size_t i = begin; i < found.size(); ++i)
        if (found[i].kind == kind_mark) begin = i + 1;
    std::vector<std::uint64_t> voided;
    for (std::size_t i = begin; i < found.size(); ++i)
        if (found[i].kind == kind_void && found[i].size == 8)
            voided.push_back(get_u64(data[found[i].segment].data() + found[i].offset));
    for (std::size_t i = begin; i < found.size(); ++i) {
        if (found[i].kind != kind_batch) continue;
        if (std::find(voided.begin(), voided.end(), found[i].seq) != voided.end()) continue;
        recovered_.emplace_back(data[found[i].segment], found[i].offset, found[i].size);
    }
    return {};
}

Status LedgerJournal::start() {
    for (std::size_t i = 0; i < fds_.size(); ++i) {
        const std::string path = segment_path(i);
        int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) return io_error("open", path, errno);
        fds_[i] = fd;
        struct stat st {};
        if (::fstat(fd, &st) != 0) return io_error("stat", path, errno);
        if (static_cast<std::size_t>(st.st_size) == segment_bytes_) continue;
        // Written out in full (not fallocated: ext4 would then convert
        // extents, a metadata change, on every first write into them).
        if (::ftruncate(fd, 0) != 0) return io_error("truncate", path, errno);
        const std::string zeros(std::size_t{1} << 20, '\0');
        for (std::size_t at = 0; at < segment_bytes_;) {
            const std::size_t n = std::min(zeros.size(), segment_bytes_ - at);
            ssize_t w = ::pwrite(fd, zeros.data(), n, static_cast<off_t>(at));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return io_error("write", path, w < 0 ? errno : ENOSPC);
            at += static_cast<std::size_t>(w);
        }
        if (::fsync(fd) != 0) return io_error("fsync", path, errno);
    }
    // A new key: what the journal holds from before is in RocksDB now
    // (replayed and synced), and reads as stale from here on.
    if (auto s = write_key(); !s.ok()) return s;
    int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return io_error("open", dir_, errno);
    const int synced = ::fsync(dfd);
    const int err = errno;
    ::close(dfd);
    if (synced != 0) return io_error("fsync", dir_, err);
    recovered_.clear();
    recovered_.shrink_to_fit();
    {
        std::lock_guard lock(mutex_);
        current_ = 0;
        offset_ = 0;
        std::fill(free_.begin(), free_.end(), true);
        free_[0] = false;
        started_ = true;
    }
    keeper_ = std::thread([this] { run_keeper(); });
    return mark();
}

Status LedgerJournal::write_key() {
    std::random_device random;  // /dev/urandom
    std::string key(key_size, '\0');
    for (std::size_t i = 0; i < key_size; i += 4) {
        const auto r = random();
        for (std::size_t j = 0; j < 4; ++j) key[i + j] = static_cast<char>(r >> (8 * j));
    }
    const std::string path = dir_ + "/key";
    const std::string tmp = path + ".new";
    int fd = ::open(tmp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return io_error("open", tmp, errno);
    const ssize_t w = ::write(fd, key.data(), key.size());
    const int err = w < 0 ? errno : ENOSPC;
    if (w != static_cast<ssize_t>(key.size()) || ::fsync(fd) != 0) {
        const int e = w == static_cast<ssize_t>(key.size()) ? errno : err;
        ::close(fd);
        return io_error("write", tmp, e);
    }
    ::close(fd);
    // Renamed into place: a crash leaves the old key or the new one, whole.
    // The directory's fsync (start()) makes the rename durable before the
    // first record under the new key is written.
    if (::rename(tmp.c_str(), path.c_str()) != 0) return io_error("rename", tmp, errno);
    key_ = std::move(key);
    return {};
}

LedgerJournal::~LedgerJournal() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (keeper_.joinable()) keeper_.join();
    for (int fd : fds_)
        if (fd >= 0) ::close(fd);
}

bool LedgerJournal::fits(std::size_t bytes) const { return header_size + bytes <= segment_bytes_; }

Status LedgerJournal::append(std::string_view batch) { return write_record(kind_batch, batch); }

Status LedgerJournal::mark() { return write_record(kind_mark, {}); }

Status LedgerJournal::void_last() {
    std::uint64_t last = 0;
    {
        std::lock_guard lock(mutex_);
        last = last_batch_;
    }
    if (last == 0) return Status(StatusCode::failed_precondition, "ledger journal: no record to void");
    char payload[8];
    put_u64(payload, last);
    return write_record(kind_void, std::string_view(payload, sizeof payload));
}

LedgerJournal::Counters LedgerJournal::counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
}

// Called by the one appender (the ledger's writer or committer, never both
// at once) with `lock` held on mutex_.
Status LedgerJournal::switch_segment(std::unique_lock<std::mutex>& lock) {
    const std::size_t next = (current_ + 1) % free_.size();
    if (!free_[next]) {
        ++counters_.waits;
        changed_.wait(lock, [&] { return free_[next] || !failed_.ok() || stopping_; });
        if (!failed_.ok()) return failed_;
        if (!free_[next]) return Status(StatusCode::closed, "ledger journal is closing");
    }
    to_release_.push_back(current_);
    ++counters_.switches;
    current_ = next;
    offset_ = 0;
    free_[next] = false;
    changed_.notify_all();
    return {};
}

Status LedgerJournal::write_record(std::uint8_t kind, std::string_view payload) {
    // One record at a time: the ledger never appends from two threads at
    // once, and this keeps offsets and sequence numbers right if it did.
    std::lock_guard one_at_a_time(append_mutex_);
    std::unique_lock lock(mutex_);
    if (!failed_.ok()) return failed_;
    if (!started_) return Status(StatusCode::failed_precondition, "ledger journal not started");
    if (!fits(payload.size()))
        return Status(StatusCode::invalid_argument, "ledger journal: record larger than a segment");
    if (offset_ + header_size + payload.size() > segment_bytes_)
        if (auto s = switch_segment(lock); !s.ok()) return s;
    const int fd = fds_[current_];
    const std::size_t at = offset_;
    const std::uint64_t seq = next_seq_;
    lock.unlock();  // the keeper may free a segment while this one syncs

    char header[header_size];
    put_u32(header, static_cast<std::uint32_t>(payload.size()));
    put_u64(header + 8, seq);
    header[16] = static_cast<char>(kind);
    put_u32(header + 4, checksum(key_, header, payload));
    iovec parts[2] = {{header, header_size}, {const_cast<char*>(payload.data()), payload.size()}};
    std::size_t written = 0;
    const std::size_t total = header_size + payload.size();
    int err = 0;
    while (written < total) {
        // pwritev rarely writes short to a regular file; carry on from where it stopped.
        iovec rest[2];
        int n = 0;
        std::size_t skip = written;
        for (const auto& p : parts) {
            if (skip >= p.iov_len) {
                skip -= p.iov_len;
                continue;
            }
            rest[n++] = {static_cast<char*>(p.iov_base) + skip, p.iov_len - skip};
            skip = 0;
        }
        ssize_t w = ::pwritev(fd, rest, n, static_cast<off_t>(at + written));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            err = w < 0 ? errno : ENOSPC;
            break;
        }
        written += static_cast<std::size_t>(w);
    }
    const char* what = "write";
    if (err == 0 && ::fdatasync(fd) != 0) {
        err = errno;
        what = "fdatasync";
    }

    lock.lock();
    if (err != 0) {
        // After a failed write or fsync the file's state is unknown: refuse
        // every later record rather than acknowledge on top of it.
        failed_ = io_error(what, segment_path(current_), err);
        changed_.notify_all();
        return failed_;
    }
    offset_ = at + total;
    ++next_seq_;
    if (kind == kind_batch) {
        ++counters_.records;
        last_batch_ = seq;
    }
    return {};
}

void LedgerJournal::run_keeper() {
    std::unique_lock lock(mutex_);
    for (;;) {
        changed_.wait(lock, [&] { return !to_release_.empty() || stopping_; });
        if (stopping_) return;
        const std::size_t segment = to_release_.front();
        to_release_.erase(to_release_.begin());
        lock.unlock();
        // Every record of `segment` reached RocksDB before the switch: once
        // its WAL is synced, the segment may be overwritten.
        Status s = sync_store_();
        lock.lock();
        if (s.ok())
            free_[segment] = true;
        else if (failed_.ok())
            failed_ = s;
        changed_.notify_all();
    }
}

Status LedgerJournal::remove(const std::string& dir) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (ec) return Status(StatusCode::io_error, "ledger journal " + dir + ": " + ec.message());
    return {};
}

}  // namespace smpp::store
