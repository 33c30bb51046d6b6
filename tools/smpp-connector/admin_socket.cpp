#include "tools/smpp-connector/admin_socket.hpp"

#include <sys/stat.h>
#include <sys/un.h>

#include <filesystem>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace smpp::admin {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;
namespace fs = std::filesystem;

std::string default_socket_path(unsigned port) { return "var/smpp-connector-" + std::to_string(port) + ".sock"; }

struct AdminSocket::Impl : std::enable_shared_from_this<AdminSocket::Impl> {
    Impl(asio::any_io_executor e, AdminSocketSettings s, AsyncHandler h)
        : ex(std::move(e)), settings(std::move(s)), handler(std::move(h)), acceptor(ex) {}

    struct Connection : std::enable_shared_from_this<Connection> {
        Connection(local::socket s, std::shared_ptr<Impl> o)
            : socket(std::move(s)), buf(o->settings.max_line), timer(socket.get_executor()), owner(std::move(o)) {}
        local::socket socket;
        asio::streambuf buf;
        asio::steady_timer timer;
        std::string reply;
        std::shared_ptr<Impl> owner;

        void run() {
            timer.expires_after(owner->settings.deadline);
            arm();
            asio::async_read_until(socket, buf, '\n', [self = shared_from_this()](boost::system::error_code ec,
                                                                                  std::size_t n) {
                if (ec == asio::error::not_found) return self->answer("error request line too long\n");
                std::string line;
                if (!ec) {
                    line.assign(asio::buffers_begin(self->buf.data()),
                                asio::buffers_begin(self->buf.data()) + static_cast<std::ptrdiff_t>(n));
                } else if (ec == asio::error::eof && self->buf.size() > 0) {
                    // A request without its '\n' (printf 'binds' | nc -U): still one line.
                    line.assign(asio::buffers_begin(self->buf.data()), asio::buffers_end(self->buf.data()));
                } else {
                    return self->close();
                }
                // The client has asked; it now waits on our work, not we on it.
                self->timer.expires_after(self->owner->settings.reply_deadline);
                self->arm();
                self->owner->handler(std::move(line), [self](std::string text) {
                    asio::post(self->socket.get_executor(), [self, text = std::move(text)]() mutable {
                        self->answer(std::move(text));
                    });
                });
            });
        }
        void arm() {
            timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
                if (ec) return;
                if (auto self = weak.lock()) {
                    boost::system::error_code ignored;
                    self->socket.close(ignored);  // the pending read or write ends with an error
                }
            });
        }
        void answer(std::string text) {
            if (!socket.is_open()) return;  // cut at the deadline meanwhile
            reply = std::move(text);
            asio::async_write(socket, asio::buffer(reply),
                              [self = shared_from_this()](boost::system::error_code, std::size_t) { self->close(); });
        }
        void close() {
            timer.cancel();
            boost::system::error_code ignored;
            socket.shutdown(local::socket::shutdown_both, ignored);
            socket.close(ignored);
        }
    };

    void accept() {
        acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec, local::socket socket) {
            if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
            if (!ec) std::make_shared<Connection>(std::move(socket), self)->run();
            self->accept();
        });
    }

    asio::any_io_executor ex;
    AdminSocketSettings settings;
    AsyncHandler handler;
    local::acceptor acceptor;
    bool owns_file = false;
};

std::shared_ptr<AdminSocket> AdminSocket::open(asio::any_io_executor ex, AdminSocketSettings settings,
                                               Handler handler, std::string& error) {
    return open(
        std::move(ex), std::move(settings),
        AsyncHandler([handler = std::move(handler)](std::string line, Reply reply) { reply(handler(line)); }), error);
}

std::shared_ptr<AdminSocket> AdminSocket::open(asio::any_io_executor ex, AdminSocketSettings settings,
                                               AsyncHandler handler, std::string& error) {
    const std::string path = settings.path;
    if (path.empty()) {
        error = "no admin socket path";
        return nullptr;
    }
    if (path.size() >= sizeof(sockaddr_un::sun_path)) {
        error = "admin socket path '" + path + "' is longer than " + std::to_string(sizeof(sockaddr_un::sun_path) - 1) +
                " characters (a Unix socket limit)";
        return nullptr;
    }
    std::error_code fec;
    if (const auto parent = fs::path(path).parent_path(); !parent.empty()) fs::create_directories(parent, fec);
    if (fec) {
        error = "cannot create the folder of admin socket '" + path + "': " + fec.message();
        return nullptr;
    }
    const auto status = fs::symlink_status(path, fec);
    if (fs::exists(status)) {
        if (!fs::is_socket(status)) {
            error = "'" + path + "' exists and is not a socket; not replacing it";
            return nullptr;
        }
        asio::io_context probe_io;
        local::socket probe(probe_io);
        boost::system::error_code ec;
        probe.connect(local::endpoint(path), ec);
        if (!ec) {
            error = "another process answers on admin socket '" + path + "' (a second connector on the same path?)";
            return nullptr;
        }
        // Nobody listens: left by a crash. Replace it.
        fs::remove(path, fec);
        spdlog::info("admin socket: replaced the stale socket file {}", path);
    }

    auto impl = std::make_shared<Impl>(ex, std::move(settings), std::move(handler));
    boost::system::error_code ec;
    impl->acceptor.open(local(), ec);
    if (!ec) impl->acceptor.bind(local::endpoint(path), ec);
    if (ec) {
        error = "cannot bind admin socket '" + path + "': " + ec.message();
        return nullptr;
    }
    impl->owns_file = true;
    // Before listen(): nobody can connect while the mode is still the umask's.
    if (::chmod(path.c_str(), S_IRUSR | S_IWUSR) != 0) {
        error = "cannot chmod 0600 admin socket '" + path + "'";
        fs::remove(path, fec);
        return nullptr;
    }
    impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        error = "cannot listen on admin socket '" + path + "': " + ec.message();
        fs::remove(path, fec);
        return nullptr;
    }
    return std::shared_ptr<AdminSocket>(new AdminSocket(std::move(impl)));
}

AdminSocket::~AdminSocket() { stop(); }

void AdminSocket::start() { impl_->accept(); }

void AdminSocket::stop() {
    boost::system::error_code ignored;
    if (impl_->acceptor.is_open()) impl_->acceptor.close(ignored);
    if (impl_->owns_file) {
        std::error_code fec;
        fs::remove(impl_->settings.path, fec);
        impl_->owns_file = false;
    }
}

const std::string& AdminSocket::path() const noexcept { return impl_->settings.path; }

}  // namespace smpp::admin
