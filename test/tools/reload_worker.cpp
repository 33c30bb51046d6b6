#include "tools/smpp-connector/reload_worker.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "routing/route_table.hpp"
#include "routing/shm_table.hpp"
#include "tools/smpp-connector/admin_socket.hpp"

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
        path = fs::temp_directory_path() / ("smpp-reload-" + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~Dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// A gate the test opens; waits are bounded so a bug fails instead of hanging.
struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool open = false;
    bool entered = false;
    void pass() {
        std::unique_lock lock(m);
        entered = true;
        cv.notify_all();
        cv.wait_for(lock, 60s, [&] { return open; });
    }
    bool wait_entered() {
        std::unique_lock lock(m);
        return cv.wait_for(lock, 60s, [&] { return entered; });
    }
    void release() {
        std::lock_guard lock(m);
        open = true;
        cv.notify_all();
    }
};

// One request, its whole answer; the read gives up after 60 s.
std::string ask(const std::string& path, const std::string& request) {
    asio::io_context io;
    local::socket s(io);
    s.connect(local::endpoint(path));
    timeval tv{60, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    asio::write(s, asio::buffer(request));
    std::string reply;
    boost::system::error_code ec;
    asio::read(s, asio::dynamic_buffer(reply), ec);
    return reply;
}

// A CSV table of `n` prefixes, with a bad carrier on line `bad_line` (0: none).
std::string csv_table(int n, int bad_line = 0) {
    std::string text = "prefix,carrier,priority,cost\n";
    text.reserve(static_cast<std::size_t>(n) * 24);
    for (int i = 0; i < n; ++i) {
        const bool bad = i + 2 == bad_line;
        text += fmt::format("{},{},{},{}\n", 1000000 + i * 3, bad ? "nobody" : (i % 2 ? "c1" : "c2"), 0, 1000 + i % 97);
    }
    return text;
}

}  // namespace

TEST_CASE("reload_worker: the io thread keeps answering while a large reload compiles", "[tools][admin][routing]") {
    Dir dir;
    const auto path = (dir.path / "admin.sock").string();
    const std::string ns = "t" + std::to_string(::getpid()) + "-reload-worker";
    auto publisher = smpp::routing::ShmPublisher::open(ns);
    REQUIRE(publisher.ok());
    const smpp::routing::CarrierSet carriers{"c1", "c2"};
    constexpr int prefixes = 100'000;  // large enough to take a while, small enough for a loaded box
    std::string table = csv_table(prefixes);
    Gate gate;
    std::atomic<bool> gated{true};

    // The reload as the connector does it: parse, compile, publish; this
    // one also waits at a gate so the test knows it is in progress.
    ReloadWorker worker([&] {
        if (gated.load()) gate.pass();
        ReloadResult r;
        auto parsed = smpp::routing::parse_csv_routes(table, "routes.csv", carriers);
        if (!parsed) return ReloadResult{false, parsed.error().message};
        auto published = publisher->publish(*parsed);
        if (!published) return ReloadResult{false, published.error().message};
        return ReloadResult{true, fmt::format("route table generation {} published ({} prefixes from routes.csv)",
                                              *published, parsed->entries.size())};
    });

    asio::io_context io;  // the connector's io thread
    AdminSources sources;
    sources.binds = [] { return std::vector<smpp::carrier::CarrierSnapshot>{}; };
    sources.reload_async = [&](std::function<void(const ReloadResult&)> done) { worker.reload(std::move(done)); };
    std::string error;
    auto socket = AdminSocket::open(
        io.get_executor(), {.path = path},
        AdminSocket::AsyncHandler([service = AdminService(std::move(sources))](std::string line, AdminSocket::Reply reply) {
            service.execute(line, std::move(reply));
        }),
        error);
    REQUIRE(socket);
    socket->start();
    std::thread io_thread([&] { io.run(); });

    std::string reload_reply;
    std::thread reloader([&] { reload_reply = ask(path, "reload\n"); });
    REQUIRE(gate.wait_entered());
    // The reload is in progress (held at the gate): the io thread answers.
    CHECK(ask(path, "binds\n") == "ok 0 carriers, 0 binds\n");
    CHECK(ask(path, "help\n").rfind("ok commands\n", 0) == 0);
    CHECK(worker.completed() == 0);
    gate.release();
    reloader.join();
    CHECK(reload_reply == fmt::format("ok route table generation 1 published ({} prefixes from routes.csv)\n", prefixes));
    CHECK(worker.completed() == 1);
    CHECK(publisher->generation() == 1);

    // A bad table: its file:line comes back, the old table keeps serving.
    gated = false;
    table = csv_table(10, 7);
    const auto bad = ask(path, "reload\n");
    CHECK(bad.rfind("error routes.csv:7: ", 0) == 0);
    CHECK(bad.find("nobody") != std::string::npos);
    CHECK(publisher->generation() == 1);

    asio::post(io, [&] { socket->stop(); });
    asio::post(io, [&] { io.stop(); });
    io_thread.join();
    worker.stop();
    publisher->remove();
}

TEST_CASE("reload_worker: reloads asked for while one waits share it; after stop none run", "[tools][admin]") {
    Gate gate;
    std::atomic<int> runs{0};
    ReloadWorker worker([&] {
        if (runs.fetch_add(1) == 0) gate.pass();
        return ReloadResult{true, "run " + std::to_string(runs.load())};
    });
    std::mutex m;
    std::vector<std::string> got;
    auto record = [&](const ReloadResult& r) {
        std::lock_guard lock(m);
        got.push_back(r.message);
    };
    worker.reload(record);  // runs, held at the gate
    REQUIRE(gate.wait_entered());
    worker.reload(record);  // these two wait for the next run, together
    worker.reload(record);
    gate.release();
    auto answers = [&] {
        std::lock_guard lock(m);
        return got.size();
    };
    for (int i = 0; i < 6000 && answers() < 3; ++i) std::this_thread::sleep_for(10ms);  // bounded poll
    REQUIRE(answers() == 3);
    CHECK(worker.completed() == 2);
    worker.stop();
    worker.reload(record);  // dropped
    CHECK(runs.load() == 2);
    std::lock_guard lock(m);
    CHECK(got == std::vector<std::string>{"run 1", "run 2", "run 2"});
}
