#include "tools/smpp-connector/admin_socket.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using local = asio::local::stream_protocol;
using namespace smpp::admin;
using namespace std::chrono_literals;

struct Dir {
    fs::path path;
    Dir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("smpp-admin-" + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~Dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// The server's io_context on its own thread; stopped and joined at the end.
struct Server {
    asio::io_context io;
    std::shared_ptr<AdminSocket> socket;
    std::thread thread;
    std::string error;

    Server(const std::string& path, std::chrono::milliseconds deadline = 5s) {
        socket = AdminSocket::open(io.get_executor(), {.path = path, .max_line = 64, .deadline = deadline},
                                   [](std::string_view line) { return "ok you said " + std::string(line); }, error);
        if (socket) {
            socket->start();
            thread = std::thread([this] { io.run(); });
        }
    }
    ~Server() {
        if (socket) asio::post(io, [this] { socket->stop(); });
        if (thread.joinable()) {
            asio::post(io, [this] { io.stop(); });
            thread.join();
        }
    }
};

std::string ask(const std::string& path, const std::string& request) {
    asio::io_context io;
    local::socket s(io);
    s.connect(local::endpoint(path));
    asio::write(s, asio::buffer(request));
    s.shutdown(local::socket::shutdown_send);  // EOF ends a request without '\n'
    std::string reply;
    boost::system::error_code ec;
    asio::read(s, asio::dynamic_buffer(reply), ec);  // to EOF: one answer per connection
    return reply;
}

}  // namespace

TEST_CASE("admin_socket: one line in, the handler's answer out, socket mode 0600", "[tools][admin]") {
    Dir dir;
    const auto path = (dir.path / "var" / "admin.sock").string();  // the folder is created
    Server server(path);
    REQUIRE(server.socket);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 0777) == 0600);

    CHECK(ask(path, "binds\n") == "ok you said binds\n");
    CHECK(ask(path, "health c1 GB") == "ok you said health c1 GB");  // no '\n': the line ends at EOF
    CHECK(ask(path, std::string(100, 'x') + "\n") == "error request line too long\n");

    // A second connector on the same path is refused; the first keeps its socket.
    Server second(path);
    CHECK_FALSE(second.socket);
    CHECK(second.error.find("another process answers on admin socket") != std::string::npos);
    CHECK(ask(path, "still\n") == "ok you said still\n");
}

TEST_CASE("admin_socket: a stale socket file is replaced, other files are not", "[tools][admin]") {
    Dir dir;
    const auto path = (dir.path / "admin.sock").string();
    {
        // A socket file nobody listens on: what a crash leaves.
        asio::io_context io;
        local::acceptor a(io, local::endpoint(path));
        a.close();
    }
    REQUIRE(fs::is_socket(path));
    {
        Server server(path);
        REQUIRE(server.socket);
        CHECK(ask(path, "x\n") == "ok you said x\n");
    }
    CHECK_FALSE(fs::exists(path));  // stop() removes it

    const auto plain = (dir.path / "not-a-socket").string();
    std::ofstream(plain) << "data";
    Server refused(plain);
    CHECK_FALSE(refused.socket);
    CHECK(refused.error == "'" + plain + "' exists and is not a socket; not replacing it");

    Server too_long("/tmp/" + std::string(120, 'a'));
    CHECK_FALSE(too_long.socket);
    CHECK(too_long.error.find("is longer than 107 characters") != std::string::npos);
}

TEST_CASE("admin_socket: a silent client is cut at the deadline", "[tools][admin]") {
    Dir dir;
    const auto path = (dir.path / "admin.sock").string();
    Server server(path, 200ms);
    REQUIRE(server.socket);
    asio::io_context io;
    local::socket s(io);
    s.connect(local::endpoint(path));
    std::string reply;
    boost::system::error_code ec;
    const auto start = std::chrono::steady_clock::now();
    asio::read(s, asio::dynamic_buffer(reply), ec);  // returns when the server closes
    CHECK(ec == asio::error::eof);
    CHECK(reply.empty());
    CHECK(std::chrono::steady_clock::now() - start < 5s);
}
