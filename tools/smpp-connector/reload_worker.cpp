#include "tools/smpp-connector/reload_worker.hpp"

#include <exception>

namespace smpp::admin {

ReloadWorker::ReloadWorker(Work work) : work_(std::move(work)), thread_([this] { run(); }) {}

ReloadWorker::~ReloadWorker() { stop(); }

void ReloadWorker::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        waiting_.clear();
    }
    wake_.notify_one();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void ReloadWorker::reload(Done done) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        waiting_.push_back(std::move(done));
    }
    wake_.notify_one();
}

std::size_t ReloadWorker::completed() const {
    std::lock_guard lock(mutex_);
    return completed_;
}

void ReloadWorker::run() {
    for (;;) {
        std::vector<Done> callers;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
            if (stopping_) return;
            callers.swap(waiting_);
        }
        ReloadResult r;
        try {
            r = work_();
        } catch (const std::exception& e) {
            // The edge of a thread: nothing above would catch it.
            r = ReloadResult{false, std::string("reload failed: ") + e.what()};
        }
        {
            std::lock_guard lock(mutex_);
            ++completed_;
        }
        for (auto& done : callers)
            if (done) done(r);
    }
}

}  // namespace smpp::admin
