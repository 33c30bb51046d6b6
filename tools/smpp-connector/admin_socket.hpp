#pragma once
// The connector's admin socket: a Unix domain stream socket (mode 0600: the
// connector's own user only) on the connector's io_context. One request line
// per connection, answered by a handler (AdminService::execute), then the
// connection closes. Lines are capped and every connection has a deadline,
// so a stuck or hostile client costs one socket for a few seconds and never
// blocks the connector.
//
// At open a leftover socket file is replaced when nobody answers on it (a
// crash left it); a live one is refused: two connectors on one path is a
// configuration error.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

namespace smpp::admin {

struct AdminSocketSettings {
    std::string path;  // empty: no admin socket
    std::size_t max_line = 4096;
    std::chrono::milliseconds deadline{5'000};  // per connection, request and reply
    // Once the request is in, for an answer that takes work off the io
    // thread (a reload of a large route table): the client waits on us.
    std::chrono::milliseconds reply_deadline{120'000};
};

// The default path for a connector listening on `port` (relative to the
// working directory): var/smpp-connector-<port>.sock. smppctl derives the same.
std::string default_socket_path(unsigned port);

class AdminSocket : public std::enable_shared_from_this<AdminSocket> {
public:
    using Handler = std::function<std::string(std::string_view line)>;
    // Answers later: `reply` may be called from any thread, once.
    using Reply = std::function<void(std::string text)>;
    using AsyncHandler = std::function<void(std::string line, Reply reply)>;

    // Binds and listens at once; on failure null and `error` says why.
    static std::shared_ptr<AdminSocket> open(boost::asio::any_io_executor ex, AdminSocketSettings settings,
                                             Handler handler, std::string& error);
    static std::shared_ptr<AdminSocket> open(boost::asio::any_io_executor ex, AdminSocketSettings settings,
                                             AsyncHandler handler, std::string& error);
    ~AdminSocket();
    void start();
    // Stops accepting and removes the socket file.
    void stop();
    const std::string& path() const noexcept;

    struct Impl;

private:
    explicit AdminSocket(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<Impl> impl_;
};

}  // namespace smpp::admin
