#pragma once
// The messages each account has with us that no carrier has yet (accepted,
// scheduled, or waiting for a retry): what cancel_sm and replace_sm can
// still act on. An entry lives from ESME_ROK (or recovery) until a carrier
// takes the message or it becomes final.
//
// A held message may sleep on a timer (schedule_delivery_time, retry
// backoff); its waker ends the sleep early so a replace or cancel takes
// effect now, not at the old time. Thread-safe: sessions (cancel/replace)
// and the forward path's steps call it from any thread.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/message_id.hpp"

namespace smpp::relay {

struct HeldMessage {
    std::string source{};
    std::string destination{};
    std::string service_type{};
    // The id the upstream knows it by: a submit_multi's, or its own.
    store::MessageId upstream_id{};
};

class HeldMessages {
public:
    using Waker = std::function<void()>;

    void hold(std::string_view account, store::MessageId id, HeldMessage m);
    // False when it was not held (released already).
    bool release(std::string_view account, store::MessageId id);
    // What ends the message's current sleep; replaced by the next sleep.
    void set_waker(std::string_view account, store::MessageId id, Waker wake);
    // Ends its sleep now, if it sleeps.
    void wake(std::string_view account, store::MessageId id);

    // The account's held messages the upstream names by `id`: the message
    // itself, or every destination of the submit_multi it names. A
    // non-empty `source` must match too (SMPP 3.4 4.9.1, 4.10.1).
    std::vector<store::MessageId> named(std::string_view account, store::MessageId id,
                                        std::string_view source = {}) const;
    // cancel_sm without a message_id: every held message from `source` to
    // `destination`, of `service_type` when that is not empty.
    std::vector<store::MessageId> matching(std::string_view account, std::string_view service_type,
                                           std::string_view source, std::string_view destination) const;

    std::size_t size(std::string_view account) const;

private:
    struct Entry {
        HeldMessage message;
        Waker wake;
    };
    using Account = std::unordered_map<std::uint64_t, Entry>;
    mutable std::mutex mutex_;
    std::map<std::string, Account, std::less<>> accounts_;
};

}  // namespace smpp::relay
