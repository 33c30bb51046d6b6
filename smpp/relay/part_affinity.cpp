#include "smpp/relay/part_affinity.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace smpp::relay {

std::string PartAffinity::flat(const ConcatKey& key) {
    // NUL cannot occur in an SMPP C-Octet String: the fields cannot run
    // into each other.
    std::string k;
    k.reserve(key.account.size() + key.source.size() + key.destination.size() + 6);
    k.append(key.account).push_back('\0');
    k.append(key.source).push_back('\0');
    k.append(key.destination).push_back('\0');
    k.push_back(static_cast<char>(key.ref >> 8));
    k.push_back(static_cast<char>(key.ref & 0xff));
    k.push_back(static_cast<char>(key.total));
    return k;
}

PartAffinity::Entry* PartAffinity::live(const std::string& k, clock::time_point now) {
    auto it = entries_.find(k);
    if (it == entries_.end()) return nullptr;
    if (now - it->second.touched >= window_) {
        entries_.erase(it);
        return nullptr;
    }
    return &it->second;
}

void PartAffinity::evict(clock::time_point now) {
    if (now < next_eviction_) return;
    next_eviction_ = now + window_ / 4;
    std::erase_if(entries_, [&](const auto& e) { return now - e.second.touched >= window_; });
}

PartAffinity::Pin PartAffinity::pin_of(const Entry& e) {
    Pin p{e.carrier, e.taken};
    for (const auto& [carrier, n] : e.on_the_way)
        if (n > 0) p.awaited.push_back(carrier);
    return p;
}

PartAffinity::Entry* PartAffinity::add(const std::string& k, clock::time_point now) {
    evict(now);
    if (entries_.size() >= max_messages_) {
        if (!std::exchange(warned_full_, true))
            spdlog::warn("{} concatenated messages pinned to carriers at once, the most kept: further ones route "
                         "part by part until pins lapse",
                         entries_.size());
        return nullptr;
    }
    warned_full_ = false;
    return &entries_[k];
}

std::optional<PartAffinity::Pin> PartAffinity::pin(const ConcatKey& key, clock::time_point now) {
    if (!enabled()) return std::nullopt;
    std::lock_guard lock(mutex_);
    const auto* e = live(flat(key), now);
    if (!e) return std::nullopt;
    return pin_of(*e);
}

PartAffinity::Pin PartAffinity::route(const ConcatKey& key, std::string_view carrier, clock::time_point now) {
    if (!enabled()) return Pin{std::string(carrier), false};
    std::lock_guard lock(mutex_);
    const auto k = flat(key);
    if (auto* e = live(k, now)) {
        if (!e->taken) e->carrier = carrier;
        e->touched = now;
        return pin_of(*e);
    }
    auto* e = add(k, now);
    if (!e) return Pin{std::string(carrier), false};
    e->carrier = carrier;
    e->touched = now;
    return Pin{e->carrier, false};
}

PartAffinity::Pin PartAffinity::claim(const ConcatKey& key, std::string_view carrier, clock::time_point now) {
    if (!enabled()) return Pin{std::string(carrier), false, {}, true};
    std::lock_guard lock(mutex_);
    const auto k = flat(key);
    if (auto* e = live(k, now)) {
        e->touched = now;
        return pin_of(*e);
    }
    auto* e = add(k, now);
    if (!e) return Pin{std::string(carrier), false, {}, true};
    e->carrier = carrier;
    e->touched = now;
    return Pin{e->carrier, false, {}, true};
}

const char* PartAffinity::depart(const ConcatKey& key, std::string_view carrier,
                                 const std::vector<std::string>& candidates, clock::time_point now) {
    if (!enabled()) return nullptr;
    std::lock_guard lock(mutex_);
    const auto k = flat(key);
    auto* e = live(k, now);
    if (!e) {
        e = add(k, now);
        if (!e) return nullptr;  // over max_messages: unpinned
        e->carrier = carrier;
    }
    // A carrier the route no longer offers cannot hold the part back.
    auto listed = [&](const std::string& c) {
        return std::find(candidates.begin(), candidates.end(), c) != candidates.end();
    };
    if (e->taken) {
        if (e->carrier != carrier && listed(e->carrier)) return "the other parts went another way";
    } else {
        for (const auto& [c, n] : e->on_the_way)
            if (n > 0 && c != carrier && listed(c)) return "another part is on its way to another carrier";
        e->carrier = carrier;
    }
    e->touched = std::max(e->touched, now);
    for (auto& [c, n] : e->on_the_way)
        if (c == carrier) {
            ++n;
            return nullptr;
        }
    e->on_the_way.emplace_back(std::string(carrier), 1);
    return nullptr;
}

void PartAffinity::answered(const ConcatKey& key, std::string_view carrier) {
    if (!enabled()) return;
    std::lock_guard lock(mutex_);
    answered_locked(flat(key), carrier);
}

void PartAffinity::answered_locked(const std::string& k, std::string_view carrier) {
    // A lapsed pin is not erased here: live() does that, with the time.
    auto it = entries_.find(k);
    if (it == entries_.end()) return;
    auto& way = it->second.on_the_way;
    for (auto i = way.begin(); i != way.end(); ++i)
        if (i->first == carrier) {
            if (--i->second == 0) way.erase(i);
            return;
        }
}

bool PartAffinity::taken(const ConcatKey& key, std::uint8_t seqnum, std::string_view carrier, clock::time_point now) {
    if (!enabled()) return true;
    std::lock_guard lock(mutex_);
    return taken_locked(flat(key), key.total, seqnum, carrier, now);
}

bool PartAffinity::answered_taken(const ConcatKey& key, std::uint8_t seqnum, std::string_view carrier,
                                  clock::time_point now) {
    if (!enabled()) return true;
    std::lock_guard lock(mutex_);
    const auto k = flat(key);
    answered_locked(k, carrier);
    return taken_locked(k, key.total, seqnum, carrier, now);
}

bool PartAffinity::taken_locked(const std::string& k, std::uint8_t total, std::uint8_t seqnum,
                                std::string_view carrier, clock::time_point now) {
    auto* e = live(k, now);
    if (!e) {
        // Lapsed, or never pinned (over max_messages): it pins from here.
        e = add(k, now);
        if (!e) return true;
    }
    const bool joined = !e->taken || e->carrier == carrier;
    if (!e->taken || !joined) {
        // After a split the latest carrier leads: later parts join the most
        // recent ones.
        e->carrier = carrier;
        e->taken = true;
    }
    e->touched = std::max(e->touched, now);  // seeds after a restart come in any order
    if (seqnum > 0) e->parts.set(seqnum);
    if (e->parts.count() >= total) entries_.erase(k);  // every part taken: nothing left to pin
    return joined;
}

std::size_t PartAffinity::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

}  // namespace smpp::relay
