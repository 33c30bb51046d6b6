#include "tools/smpp-sim/chaos_schedule.hpp"

#include <charconv>
#include <ctime>

#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

namespace smpp::sim {

namespace asio = boost::asio;

namespace {

constexpr std::string_view fault_names[] = {"submit_status", "latency_ms",   "no_response",
                                            "disconnect_after", "refuse_binds", "receipts"};

bool is_fault_name(std::string_view w) {
    for (auto n : fault_names)
        if (n == w) return true;
    return false;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_chaos_duration(std::string_view s) {
    std::uint64_t factor = 1000;
    if (s.ends_with("ms")) {
        factor = 1;
        s.remove_suffix(2);
    } else if (s.ends_with("s")) {
        s.remove_suffix(1);
    } else if (s.ends_with("m")) {
        factor = 60'000;
        s.remove_suffix(1);
    }
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    if (v == 0 || v > 86'400'000 / factor) return std::nullopt;
    return std::chrono::milliseconds(v * factor);
}

std::string apply_faults(FaultPlan& plan, std::span<const std::string_view> words) {
    if (words.empty()) return "missing fault settings (e.g. submit_status 0x08 0.5)";
    if (!is_fault_name(words[0])) return "unknown fault '" + std::string(words[0]) +
                                         "' (submit_status, latency_ms, no_response, disconnect_after, "
                                         "refuse_binds, receipts)";
    FaultPlan next = plan;
    std::size_t begin = 0;
    while (begin < words.size()) {
        std::size_t end = begin + 1;
        while (end < words.size() && !is_fault_name(words[end])) ++end;
        if (auto e = apply_fault(next, words.subspan(begin, end - begin)); !e.empty()) return e;
        begin = end;
    }
    plan = next;
    return {};
}

std::string utc_text(std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

struct ChaosSchedule::Impl {
    struct Entry {
        std::weak_ptr<SimCarrier> carrier;
        FaultPlan base;  // the plan before the chaos: what comes back
        std::string plan;
        std::chrono::system_clock::time_point until;
        std::uint64_t generation = 0;
        std::unique_ptr<asio::steady_timer> timer;
    };

    explicit Impl(asio::any_io_executor e) : ex(std::move(e)) {}

    // Under mu.
    std::string revert(std::map<std::string, Entry>::iterator it, const char* why) {
        const auto back = describe(it->second.base);
        if (auto c = it->second.carrier.lock()) c->set_faults(it->second.base);
        spdlog::warn("chaos on {} {}: faults back to {}", it->first, why, back);
        if (it->second.timer) it->second.timer->cancel();
        entries.erase(it);
        return back;
    }

    asio::any_io_executor ex;
    mutable std::mutex mu;
    std::map<std::string, Entry> entries;
    std::uint64_t generations = 0;
};

std::shared_ptr<ChaosSchedule> ChaosSchedule::create(asio::any_io_executor ex) {
    return std::shared_ptr<ChaosSchedule>(new ChaosSchedule(std::make_shared<Impl>(std::move(ex))));
}

ChaosSchedule::~ChaosSchedule() {
    std::lock_guard lock(impl_->mu);
    for (auto& [name, e] : impl_->entries)
        if (e.timer) e.timer->cancel();
}

std::variant<ChaosSchedule::Started, std::string> ChaosSchedule::start(const std::shared_ptr<SimCarrier>& carrier,
                                                                       std::chrono::milliseconds duration,
                                                                       std::span<const std::string_view> words) {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->entries.find(carrier->name());
    // A chaos replacing another reverts to the plan from before the first.
    const FaultPlan base = it != impl_->entries.end() ? it->second.base : carrier->faults();
    FaultPlan during = base;
    if (auto e = apply_faults(during, words); !e.empty()) return e;
    if (it == impl_->entries.end()) it = impl_->entries.emplace(carrier->name(), Impl::Entry{}).first;
    auto& entry = it->second;
    if (entry.timer) entry.timer->cancel();
    entry.carrier = carrier;
    entry.base = base;
    entry.plan = describe(during);
    entry.until = std::chrono::system_clock::now() + duration;
    entry.generation = ++impl_->generations;
    entry.timer = std::make_unique<asio::steady_timer>(impl_->ex, duration);
    entry.timer->async_wait([weak = std::weak_ptr<Impl>(impl_), name = carrier->name(),
                             generation = entry.generation](boost::system::error_code ec) {
        if (ec) return;
        auto impl = weak.lock();
        if (!impl) return;
        std::lock_guard inner(impl->mu);
        auto found = impl->entries.find(name);
        if (found == impl->entries.end() || found->second.generation != generation) return;
        impl->revert(found, "is over");
    });
    carrier->set_faults(during);
    spdlog::warn("chaos on {} for {} ms: {} (then back to {})", carrier->name(), duration.count(), entry.plan,
                 describe(base));
    return Started{entry.plan, describe(base), duration, entry.until};
}

std::optional<std::string> ChaosSchedule::stop(const std::string& carrier) {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->entries.find(carrier);
    if (it == impl_->entries.end()) return std::nullopt;
    return impl_->revert(it, "ended early");
}

std::vector<std::string> ChaosSchedule::active() const {
    std::lock_guard lock(impl_->mu);
    std::vector<std::string> out;
    for (const auto& [name, e] : impl_->entries) out.push_back(name + " " + e.plan + " until " + utc_text(e.until));
    return out;
}

void ChaosSchedule::stop_all() {
    std::lock_guard lock(impl_->mu);
    while (!impl_->entries.empty()) impl_->revert(impl_->entries.begin(), "ended (stopping)");
}

}  // namespace smpp::sim
