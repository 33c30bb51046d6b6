#pragma once
// Finding one message's ledger record for operators (`smppctl message`):
// by our id, or by the id a carrier gave it ("the carrier asks about their
// id X").
//
// A carrier's id is not looked up as typed only: the carrier-ID index holds
// index_key(submit_sm_resp id) (smpp/relay/carrier_id.hpp: case folded,
// leading zeros, UUID dashes and braces dropped, configured decorations
// stripped), and the carrier may quote the id the way its receipts write it
// (the other base). So the keys tried are the ones a receipt with that id
// would be matched under (receipt_lookup_keys, the carrier's settings), then
// the id as typed (the index holds it as written when it had no canonical
// form). The key that matched is reported: with id_translation automatic a
// decimal "1234" may find the message whose submit_sm_resp said hex "4d2".
//
// Point reads only (Ledger::find / find_by_carrier_id are thread-safe), so
// the admin socket calls this on the io thread.
#include <string>

#include "smpp/relay/receipt_matcher.hpp"
#include "store/ledger.hpp"

namespace smpp::admin {

// Our id (valid) or else a carrier and its message id.
struct MessageQuery {
    store::MessageId id{};
    std::string carrier{};
    std::string carrier_message_id{};
};

struct FoundMessage {
    store::MessageRecord record;
    // The carrier-ID index key the carrier's id matched; empty for our id.
    std::string index_key{};
};

// not_found carries what was looked for, ready for "no message <it>":
// "0ABC..." or "for carrier c1 id '0001A2B' (keys tried: 1a2b, 6699)".
store::StatusOr<FoundMessage> find_message(const store::Ledger& ledger, const relay::CarrierIdBook& carrier_ids,
                                           const MessageQuery& query);

}  // namespace smpp::admin
