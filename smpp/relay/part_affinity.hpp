#pragma once
// Which carrier the parts of one concatenated message go through (issue 4:
// all parts of one concatenated message go through the same carrier). A
// handset joins parts by their reference and the sender as it sees them;
// carriers rewrite senders and headers each their own way, so parts that
// took different carriers often never join.
//
// A message is known by its account, source, destination, reference and
// part count (ConcatKey). The first part routed pins its route's choice.
// Until a carrier has taken a part, each `sending` moves the pin along (a
// carrier that refused the first part before taking anything loses the
// rest to the one that part went on to). Once a carrier took a part
// (ESME_ROK), the message's other parts go only there, and wait for it
// through retry rounds rather than split. A part in doubt there (submitted,
// never answered) pins it the same way: the carrier may have it. Before
// anything is taken, a part refused by a carrier that still has one of its
// siblings on the way does not leave it either (the sibling's answer
// decides where the message goes): the carriers parts were submitted to
// and have not answered are kept (`depart` / `answered`). A pin lapses
// `window` after a part was last routed or taken, so a carrier gone for
// good holds the remaining parts that long at most; it is dropped once
// every part is taken.
//
// Thread-safe, one mutex: only concatenated parts come here, a
// single-part message never does.
#include <bitset>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace smpp::relay {

struct ConcatKey {
    std::string account;
    std::string source;
    std::string destination;  // as routed: E.164 digits
    std::uint16_t ref = 0;    // the UDH or sar_msg_ref_num reference
    std::uint8_t total = 0;   // parts in the message
};

class PartAffinity {
public:
    using clock = std::chrono::steady_clock;

    // window 0: nothing is pinned (every part routes on its own).
    // `max_messages`: pins kept at once; beyond it new messages go unpinned
    // (logged) rather than growing memory without bound.
    explicit PartAffinity(std::chrono::milliseconds window, std::size_t max_messages = 1'000'000)
        : window_(window), max_messages_(max_messages) {}

    bool enabled() const noexcept { return window_.count() > 0; }

    struct Pin {
        std::string carrier;
        bool taken = false;  // that carrier took one of the parts
        // Carriers a part was submitted to that have not answered it yet.
        std::vector<std::string> awaited{};
        bool fresh = false;  // claim() pinned it just now
    };
    // The message's carrier, if one of its parts was routed or taken within
    // the window.
    std::optional<Pin> pin(const ConcatKey& key, clock::time_point now);
    // A part is sent to `carrier` (or routed there, for the first part): the
    // pin follows it unless a carrier already took a part. The pin after.
    Pin route(const ConcatKey& key, std::string_view carrier, clock::time_point now);
    // The pin if there is one, else `carrier` pinned (fresh): looked up and
    // set under one lock, so two parts accepted at the same moment on two
    // threads agree on one carrier.
    Pin claim(const ConcatKey& key, std::string_view carrier, clock::time_point now);
    // A part leaves for `carrier` (its `sending` write comes next): refused
    // (why, for the log) when another carrier of `candidates` took a part
    // or has one on its way; else it is on its way to `carrier` from now
    // and the pin follows it unless a carrier took a part. Checked and
    // counted under one lock: two parts leaving at the same moment on two
    // threads for two carriers cannot both go, and a part whose `sending`
    // write is still pending counts as on its way (a sibling refused
    // meanwhile waits for it instead of failing over). Pairs with answered().
    const char* depart(const ConcatKey& key, std::string_view carrier, const std::vector<std::string>& candidates,
                       clock::time_point now);
    // `carrier` answered a part that departed for it (any outcome, in
    // doubt included; or it never went: its `sending` was not stored).
    // Pairs: each depart() that let a part go is answered once.
    void answered(const ConcatKey& key, std::string_view carrier);
    // answered() and taken() under one lock, for a carrier that took the
    // part (or may have it: seqnum 0): in between, the pin would show the
    // part neither on its way nor taken, and a sibling could leave for
    // another carrier. taken()'s answer.
    bool answered_taken(const ConcatKey& key, std::uint8_t seqnum, std::string_view carrier, clock::time_point now);
    // `carrier` took part `seqnum` (0: may have it, in doubt, not counted
    // toward every part taken). False when another carrier had taken a
    // part before: the message is split (the caller says so in the log).
    bool taken(const ConcatKey& key, std::uint8_t seqnum, std::string_view carrier, clock::time_point now);

    std::size_t size() const;

private:
    struct Entry {
        std::string carrier;
        bool taken = false;
        std::bitset<256> parts;  // taken so far, by seqnum
        clock::time_point touched{};
        // Parts submitted and not answered yet, by carrier (one or two).
        std::vector<std::pair<std::string, std::uint32_t>> on_the_way;
    };
    static std::string flat(const ConcatKey& key);
    // Under the lock: the entry of `key` if it has not lapsed (a lapsed one
    // is erased).
    Entry* live(const std::string& k, clock::time_point now);
    // Under the lock: drops lapsed pins, at most every quarter window.
    void evict(clock::time_point now);
    // Under the lock: a new entry for `k`, or null when max_messages are kept.
    Entry* add(const std::string& k, clock::time_point now);
    static Pin pin_of(const Entry& e);
    // Under the lock: answered() / taken() of the entry keyed `k`.
    void answered_locked(const std::string& k, std::string_view carrier);
    bool taken_locked(const std::string& k, std::uint8_t total, std::uint8_t seqnum, std::string_view carrier,
                      clock::time_point now);

    const std::chrono::milliseconds window_;
    const std::size_t max_messages_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_;
    clock::time_point next_eviction_{};
    bool warned_full_ = false;
};

}  // namespace smpp::relay
