#pragma once
// What the ledger remembers of every MO it parked, after the MO itself went
// upstream and was removed: its dedupe key (smpp/relay/mo_dedupe.hpp) and
// when it arrived. A carrier's copy offered after a restart is then still
// recognised within the duplicate window.
#include <string>

#include "store/message_id.hpp"
#include "store/mobile_originated.hpp"

namespace smpp::store {

// 16 bytes: a 128-bit FNV-1a of carrier, source, destination, data_coding,
// payload, sar and carrier_message_id (length-prefixed, so no field runs
// into the next). Compact enough to keep one per MO for the window.
std::string mo_seen_key(const MobileOriginated& m);

struct MoSighting {
    std::string key;  // mo_seen_key
    Timestamp at{};   // the MO's received_at
    friend bool operator==(const MoSighting&, const MoSighting&) = default;
};

}  // namespace smpp::store
