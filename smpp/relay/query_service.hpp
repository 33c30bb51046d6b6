#pragma once
// query_sm answered from the ledger (SMPP 3.4 section 4.8). The ledger's
// find() is a synchronous point lookup (RocksDB: one memtable/block-cache
// read), cheap enough for a session's strand at query_sm rates.
//
// A message is visible only to the account that submitted it: an id of
// another account answers ESME_RINVMSGID like an unknown one, so ids cannot
// be probed across accounts.
#include <string_view>

#include "smpp/protocol/pdu.hpp"
#include "smpp/protocol/tlv.hpp"
#include "store/ledger.hpp"

namespace smpp::relay {

// Our lifecycle as SMPP message_state (section 5.2.28): every state still in
// our hands or the carrier's is ENROUTE; in_doubt (we may or may not have
// handed it over) is UNKNOWN; failed (we gave up) is UNDELIVERABLE.
protocol::message_state message_state_of(store::MessageStatus s) noexcept;

// The query_sm_resp to `query_sm` (a query_sm PDU) from `account`:
//   ESME_ROK with message_id echoed, final_date (UTC, only once final),
//     message_state and error_code (the record's, when it fits one octet;
//     255 when it does not);
//   ESME_RINVMSGID for a malformed id, an unknown one, or another account's;
//   ESME_RQUERYFAIL when the ledger cannot be read (logged).
protocol::Pdu answer_query_sm(const store::Ledger& ledger, std::string_view account, const protocol::Pdu& query_sm);

}  // namespace smpp::relay
