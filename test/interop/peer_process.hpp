#pragma once
// A third-party SMPP peer run as a child process (a Perl or node script):
// its stdout comes back to us line by line through a pipe, its stderr goes
// to ours so a failing peer's diagnostics land in the ctest log. Every wait
// takes a deadline; a child still running at the end is killed, so a stuck
// peer can fail a test but never hang it.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace smpp::interop {

using Clock = std::chrono::steady_clock;

struct PeerExit {
    bool exited = false;    // ended on its own (else we killed it at the deadline)
    int exit_code = -1;     // its exit status, or -1 if it did not exit normally
    std::vector<std::string> lines;  // everything it printed on stdout
};

class PeerProcess {
public:
    // Starts argv (argv[0] looked up in PATH). Throws std::system_error if
    // the process cannot be started: a test edge, not a protocol outcome.
    static PeerProcess start(const std::vector<std::string>& argv);

    PeerProcess(PeerProcess&& other) noexcept;
    PeerProcess& operator=(PeerProcess&&) = delete;
    PeerProcess(const PeerProcess&) = delete;
    ~PeerProcess();  // kills and reaps a child still running

    // The next stdout line, or nullopt at end of output or at the deadline.
    std::optional<std::string> read_line(Clock::time_point deadline);

    // Reads stdout to its end and reaps the child; at the deadline the child
    // is killed (SIGKILL) instead.
    PeerExit finish(Clock::time_point deadline);

    // Sends signo to the child if it is still ours to signal (not yet reaped).
    void send_signal(int signo) noexcept;

    // Every line read so far.
    const std::vector<std::string>& lines() const noexcept { return lines_; }

private:
    PeerProcess(pid_t pid, int stdout_fd) : pid_(pid), fd_(stdout_fd) {}
    // Reads what the pipe has into buffer_; false at EOF or deadline.
    bool fill(Clock::time_point deadline);
    void kill_and_reap() noexcept;

    pid_t pid_ = -1;
    int fd_ = -1;
    bool eof_ = false;
    std::string buffer_;
    std::vector<std::string> lines_;
};

}  // namespace smpp::interop
