#pragma once
// Route-table reloads off the io thread (issue 6): loading the
// configuration and compiling a large table takes seconds, and on the
// connector's io thread it would stall every session meanwhile. The worker
// runs reloads one at a time on a thread of its own; the table is still
// published with one atomic switch (routing/shm_table.hpp), so readers
// never see a half-built one.
//
// A reload asked for while another is waiting to start joins it (both get
// its result): a burst of SIGHUPs compiles the table once more, not once
// per signal. One asked for while a reload runs waits for a fresh one, so
// it sees the files as they are now.
//
// `done` runs on the worker's thread: post from it to the executor that
// owns what it touches. Destroying the worker finishes the running reload
// and drops the waiting ones (their `done` are destroyed uncalled).
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "tools/smpp-connector/admin_service.hpp"

namespace smpp::admin {

class ReloadWorker {
public:
    using Work = std::function<ReloadResult()>;
    using Done = std::function<void(const ReloadResult&)>;

    // `work` is the reload itself (conf load, compile, publish); it runs on
    // the worker's thread only, so what it touches needs no lock as long as
    // nothing else touches it after the worker starts.
    explicit ReloadWorker(Work work);
    ~ReloadWorker();
    ReloadWorker(const ReloadWorker&) = delete;
    ReloadWorker& operator=(const ReloadWorker&) = delete;

    // Any thread. Returns at once; after stop() `done` is dropped uncalled.
    void reload(Done done);
    // Finishes the running reload and joins the thread (the destructor
    // does it too). Call it before destroying what the work touches.
    void stop();

    // Reloads run so far (tests).
    std::size_t completed() const;

private:
    void run();

    const Work work_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<Done> waiting_;  // the next reload's callers
    bool stopping_ = false;
    std::size_t completed_ = 0;
    std::thread thread_;  // last: starts once the rest is built
};

}  // namespace smpp::admin
