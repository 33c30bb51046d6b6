#pragma once
// Mobile-originated duplicates (issue 5 item 6): a carrier offers the same
// deliver_sm again when our deliver_sm_resp was lost or late, or when its
// own retry fires; the upstream must get that MO once. A handset that
// really sends the same text twice (STOP, STOP) is two MOs: only copies
// within `window` of the first are absorbed.
//
// The key: carrier, source, destination, data_coding, the payload as
// received (a UDH and its concatenation reference and part number are in
// it), the sar_* reference/total/part, and the carrier's own id for the MO
// (receipted_message_id on an MO, which some SMSCs set) when present. With
// the carrier's id the payload still counts: an id alone can be reused.
//
// The key is a 16-byte hash (store::mo_seen_key). The window lives in
// memory, seeded at start from the sightings the ledger wrote with every
// park (store/mo_seen.hpp; they outlive the MO's removal once the upstream
// acknowledged it) and from the MOs still parked: a carrier's copy after a
// restart is absorbed whether or not the upstream already has the MO.
//
// Thread-safe: carriers' actors call it from their strands.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "smpp/protocol/pdu.hpp"
#include "store/ledger.hpp"
#include "store/mobile_originated.hpp"

namespace smpp::relay {

// The dedupe key of an MO (see above): carrier, addresses, data_coding,
// payload, sar and carrier_message_id, hashed (store::mo_seen_key).
std::string mo_dedupe_key(const store::MobileOriginated& m);
// `m`'s sar and carrier_message_id from the deliver_sm / data_sm it came in.
void take_mo_identity(const protocol::Pdu& pdu, store::MobileOriginated& m);
// The key of one MO deliver_sm / data_sm from `carrier`.
std::string mo_dedupe_key(std::string_view carrier, const protocol::Pdu& pdu);

class MoDedupe {
public:
    using clock = std::chrono::steady_clock;

    // 0: no dedupe (every MO is new). `max_keys` bounds memory: past it the
    // oldest keys are forgotten first.
    // `now`: the clock (tests inject one); empty: steady_clock.
    explicit MoDedupe(std::chrono::milliseconds window, std::size_t max_keys = 1'000'000,
                      std::function<clock::time_point()> now = {})
        : window_(window), max_keys_(max_keys), now_(std::move(now)) {}

    enum class sighting {
        fresh,      // new (or last seen longer than the window ago): recorded, in flight
        duplicate,  // a copy of one stored within the window: answer ESME_ROK, drop it
        in_flight,  // a copy of one not yet durable: the carrier should offer it again later
    };
    sighting see(const std::string& key) { return see(key, now()); }
    sighting see(const std::string& key, clock::time_point now);
    clock::time_point now() const { return now_ ? now_() : clock::now(); }
    // The fresh MO under `key` is durable: later copies are duplicates.
    void stored(const std::string& key);
    // At start: an MO stored (parked) at `at`, before the restart.
    void seed(const std::string& key, clock::time_point at);
    // The fresh MO under `key` was not stored after all (the carrier offers
    // it again): that next copy must count as fresh.
    void forget(const std::string& key);

    std::size_t size() const;
    std::chrono::milliseconds window() const noexcept { return window_; }

private:
    void prune(clock::time_point now);  // under mutex_

    const std::chrono::milliseconds window_;
    const std::size_t max_keys_;
    const std::function<clock::time_point()> now_;
    mutable std::mutex mutex_;
    struct Seen {
        clock::time_point at;
        bool stored = false;
    };
    std::map<std::string, Seen, std::less<>> seen_;
    std::multimap<clock::time_point, std::string> by_time_;
};

// At start: seeds `d` with the MOs still parked in `ledger` for `accounts`
// (at most `limit` each) that arrived within its window before `now`.
// Returns how many; a ledger read error is returned as is.
store::StatusOr<std::size_t> seed_parked_mos(MoDedupe& d, const store::Ledger& ledger,
                                             const std::vector<std::string>& accounts, store::Timestamp now,
                                             std::size_t limit = 100'000);
// At start: seeds `d` with the ledger's sightings (store::MoSighting) of MOs
// received within its window before `now`, at most `limit`. Returns how many.
store::StatusOr<std::size_t> seed_seen_mos(MoDedupe& d, const store::Ledger& ledger, store::Timestamp now,
                                           std::size_t limit = 1'000'000);

}  // namespace smpp::relay
