#include "peer_process.hpp"

#include <cerrno>
#include <csignal>
#include <system_error>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace smpp::interop {

namespace {

std::system_error os_error(const char* what, int err = errno) {
    return std::system_error(err, std::generic_category(), what);
}

int millis_until(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(left);
}

}  // namespace

PeerProcess PeerProcess::start(const std::vector<std::string>& argv) {
    int fds[2];
    // O_CLOEXEC: only the child's stdout (set up by dup2 below) may survive exec.
    if (pipe2(fds, O_CLOEXEC) != 0) throw os_error("pipe2");

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);

    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    pid_t pid = -1;
    int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        throw os_error(("posix_spawnp " + argv[0]).c_str(), rc);
    }
    return PeerProcess(pid, fds[0]);
}

PeerProcess::PeerProcess(PeerProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      fd_(std::exchange(other.fd_, -1)),
      eof_(other.eof_),
      buffer_(std::move(other.buffer_)),
      lines_(std::move(other.lines_)) {}

PeerProcess::~PeerProcess() {
    kill_and_reap();
    if (fd_ >= 0) ::close(fd_);
}

bool PeerProcess::fill(Clock::time_point deadline) {
    if (eof_ || fd_ < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int n = ::poll(&p, 1, millis_until(deadline));
    if (n <= 0) return false;  // deadline (or EINTR: the caller's loop re-checks)
    char chunk[4096];
    ssize_t got = ::read(fd_, chunk, sizeof chunk);
    if (got <= 0) {
        if (got < 0 && errno == EINTR) return true;
        eof_ = true;
        return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(got));
    return true;
}

std::optional<std::string> PeerProcess::read_line(Clock::time_point deadline) {
    for (;;) {
        auto nl = buffer_.find('\n');
        if (nl != std::string::npos) {
            std::string line = buffer_.substr(0, nl);
            buffer_.erase(0, nl + 1);
            lines_.push_back(line);
            return line;
        }
        if (Clock::now() >= deadline || !fill(deadline)) {
            // A last line without its newline still counts at EOF.
            if (eof_ && !buffer_.empty()) {
                lines_.push_back(std::exchange(buffer_, {}));
                return lines_.back();
            }
            return std::nullopt;
        }
    }
}

PeerExit PeerProcess::finish(Clock::time_point deadline) {
    while (read_line(deadline)) {
    }
    PeerExit out;
    // The pipe closed (or the deadline passed): give the child until the
    // deadline to exit, polling, since waitpid has no timeout.
    while (pid_ > 0) {
        int status = 0;
        pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            out.exited = true;
            out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            break;
        }
        if (r < 0 && errno != EINTR) break;
        if (Clock::now() >= deadline) {
            kill_and_reap();
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    out.lines = lines_;
    return out;
}

void PeerProcess::send_signal(int signo) noexcept {
    if (pid_ > 0) ::kill(pid_, signo);
}

void PeerProcess::kill_and_reap() noexcept {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
}

}  // namespace smpp::interop
