// fsync-probe: the disk's own durability floor, printed beside every
// forward-bench figure. The ledger acks ESME_ROK only after a group is
// fdatasynced, so no latency target can beat what one write + fdatasync
// costs on the disk under the ledger. Two shapes, because they cost
// differently on ext4: appending grows the file (size change -> the journal
// commits with the data), overwriting a file that was written out beforehand
// changes no metadata (what RocksDB does with recycled WAL files).
//
//   fsync-probe [--dir DIR] [--count N] [--size BYTES]
//
// Prints one line per shape: "fsync-probe <shape> n=.. size=.. p50=..ms p90=..ms p99=..ms p99.9=..ms max=..ms
// over2ms=..%". over2ms is the share of the probe's time in which a write
// arriving would still wait more than 2 ms for the fdatasync under way (the
// sum of max(0, d - 2 ms) over all syncs, over their total): with a writer
// that syncs back to back, at least that share of messages waits > 2 ms, so
// when it exceeds 1 % no group commit can reach p99 <= 2 ms on this disk.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
    std::string dir = ".";
    std::size_t count = 1500;
    std::size_t size = 8192;
};

// Value at quantile q of sorted samples (nearest rank).
double at(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return 0;
    auto i = static_cast<std::size_t>(q * static_cast<double>(sorted.size()));
    return sorted[std::min(i, sorted.size() - 1)];
}

bool write_all(int fd, const char* data, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, data, n);
        if (w < 0) return false;
        data += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

// Times `count` writes of `size` bytes each followed by fdatasync. When
// `overwrite`, the file is first written out in full and synced, then
// rewritten from offset 0, so no write changes the file's size or extents.
bool probe(const Options& o, bool overwrite, std::vector<double>& ms) {
    const std::string path = o.dir + (overwrite ? "/fsync-probe.overwrite" : "/fsync-probe.append");
    int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    if (fd < 0) return false;
    std::vector<char> block(o.size, 'x');
    bool ok = true;
    if (overwrite) {
        for (std::size_t i = 0; ok && i < o.count; ++i) ok = write_all(fd, block.data(), block.size());
        ok = ok && ::fsync(fd) == 0 && ::lseek(fd, 0, SEEK_SET) == 0;
    }
    ms.clear();
    for (std::size_t i = 0; ok && i < o.count; ++i) {
        block[i % block.size()] = static_cast<char>('a' + i % 26);
        const auto start = std::chrono::steady_clock::now();
        ok = write_all(fd, block.data(), block.size()) && ::fdatasync(fd) == 0;
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    ::close(fd);
    ::unlink(path.c_str());
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--dir" && has_value) {
            o.dir = argv[++i];
        } else if (a == "--count" && has_value) {
            o.count = std::strtoul(argv[++i], nullptr, 10);
        } else if (a == "--size" && has_value) {
            o.size = std::strtoul(argv[++i], nullptr, 10);
        } else {
            std::fprintf(stderr, "usage: fsync-probe [--dir DIR] [--count N] [--size BYTES]\n");
            return 1;
        }
    }
    if (o.count == 0 || o.size == 0) {
        std::fprintf(stderr, "fsync-probe: --count and --size must be > 0\n");
        return 1;
    }
    std::vector<double> ms;
    for (bool overwrite : {false, true}) {
        if (!probe(o, overwrite, ms)) {
            std::fprintf(stderr, "fsync-probe: %s in %s: %s\n", overwrite ? "overwrite" : "append", o.dir.c_str(),
                         std::strerror(errno));
            return 1;
        }
        double total = 0, over = 0;
        for (double d : ms) {
            total += d;
            over += std::max(0.0, d - 2.0);
        }
        std::sort(ms.begin(), ms.end());
        std::printf(
            "fsync-probe %s n=%zu size=%zu p50=%.3fms p90=%.3fms p99=%.3fms p99.9=%.3fms max=%.3fms over2ms=%.1f%%\n",
            overwrite ? "overwrite" : "append", ms.size(), o.size, at(ms, 0.5), at(ms, 0.9), at(ms, 0.99),
            at(ms, 0.999), ms.back(), total > 0 ? 100.0 * over / total : 0.0);
    }
    return 0;
}
