#include "smpp/relay/held_messages.hpp"

#include <algorithm>

namespace smpp::relay {

void HeldMessages::hold(std::string_view account, store::MessageId id, HeldMessage m) {
    std::lock_guard lock(mutex_);
    auto it = accounts_.find(account);
    if (it == accounts_.end()) it = accounts_.emplace(std::string(account), Account{}).first;
    it->second.insert_or_assign(id.value(), Entry{std::move(m), {}});
}

bool HeldMessages::release(std::string_view account, store::MessageId id) {
    std::lock_guard lock(mutex_);
    auto it = accounts_.find(account);
    return it != accounts_.end() && it->second.erase(id.value()) == 1;
}

void HeldMessages::set_waker(std::string_view account, store::MessageId id, Waker wake) {
    std::lock_guard lock(mutex_);
    auto it = accounts_.find(account);
    if (it == accounts_.end()) return;
    if (auto e = it->second.find(id.value()); e != it->second.end()) e->second.wake = std::move(wake);
}

void HeldMessages::wake(std::string_view account, store::MessageId id) {
    Waker w;
    {
        std::lock_guard lock(mutex_);
        auto it = accounts_.find(account);
        if (it == accounts_.end()) return;
        auto e = it->second.find(id.value());
        if (e == it->second.end()) return;
        w = std::move(e->second.wake);
        e->second.wake = {};
    }
    // Outside the lock: the waker posts to the timer's strand.
    if (w) w();
}

std::vector<store::MessageId> HeldMessages::named(std::string_view account, store::MessageId id,
                                                  std::string_view source) const {
    std::vector<store::MessageId> out;
    std::lock_guard lock(mutex_);
    auto it = accounts_.find(account);
    if (it == accounts_.end()) return out;
    auto fits = [&](const HeldMessage& m) { return source.empty() || m.source == source; };
    if (auto e = it->second.find(id.value()); e != it->second.end() && !e->second.message.upstream_id.valid()) {
        if (fits(e->second.message)) out.push_back(id);
        return out;
    }
    // A submit_multi's id names all its destinations: a scan, but only of
    // this account's held messages, and cancel/replace are rare.
    for (const auto& [key, e] : it->second)
        if (e.message.upstream_id == id && fits(e.message)) out.push_back(store::MessageId(key));
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<store::MessageId> HeldMessages::matching(std::string_view account, std::string_view service_type,
                                                     std::string_view source, std::string_view destination) const {
    std::vector<store::MessageId> out;
    std::lock_guard lock(mutex_);
    auto it = accounts_.find(account);
    if (it == accounts_.end()) return out;
    for (const auto& [key, e] : it->second) {
        const auto& m = e.message;
        if (m.source == source && m.destination == destination &&
            (service_type.empty() || m.service_type == service_type))
            out.push_back(store::MessageId(key));
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::size_t HeldMessages::size(std::string_view account) const {
    std::lock_guard lock(mutex_);
    auto it = accounts_.find(account);
    return it == accounts_.end() ? 0 : it->second.size();
}

}  // namespace smpp::relay
