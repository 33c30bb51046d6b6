#pragma once
// A 127.0.0.1 port for a server a test starts as a separate process (its
// config needs the number up front).
//
// Why not port 0 and close: the kernel hands out the same ephemeral range to
// outgoing connections, so under `ctest -j` another test's client can take
// the port as its local end before our server listens on it (seen in CI as
// "Address already in use"). Ports below the ephemeral range are never given
// to clients; a random one that binds now is free unless another test picks
// the same number in the same instant.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <stdexcept>

namespace smpp_test {

inline bool port_binds(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

inline std::uint16_t listen_port() {
    unsigned low = 32768, high = 60999;  // Linux defaults
    std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low >> high;
    // The larger gap outside the ephemeral range, never the privileged ports.
    unsigned from = 10000, to = low > 10001 ? low - 1 : 10000;
    if (high < 65535 && 65535 - high > to - from) from = high + 1, to = 65535;
    if (to <= from) from = 10000, to = 65535;
    std::mt19937 pick{std::random_device{}()};
    std::uniform_int_distribution<unsigned> in(from, to);
    for (int i = 0; i < 200; ++i) {
        const auto port = static_cast<std::uint16_t>(in(pick));
        if (port_binds(port)) return port;
    }
    throw std::runtime_error("listen_port: no free port outside the ephemeral range");
}

}  // namespace smpp_test
