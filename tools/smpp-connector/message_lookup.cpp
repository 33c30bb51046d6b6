#include "tools/smpp-connector/message_lookup.hpp"

#include <algorithm>

namespace smpp::admin {

store::StatusOr<FoundMessage> find_message(const store::Ledger& ledger, const relay::CarrierIdBook& carrier_ids,
                                           const MessageQuery& query) {
    using store::Status;
    using store::StatusCode;
    if (query.id.valid()) {
        auto record = ledger.find(query.id);
        if (!record.ok()) {
            if (record.status().code() == StatusCode::not_found)
                return Status(StatusCode::not_found, query.id.to_string());
            return record.status();
        }
        return FoundMessage{std::move(record).value(), {}};
    }

    // A carrier no longer configured may still have records: the forward
    // path indexed its ids with the default settings then, as here.
    const auto it = carrier_ids.find(query.carrier);
    auto keys = relay::receipt_lookup_keys(query.carrier_message_id,
                                           it == carrier_ids.end() ? relay::CarrierIdSettings{} : it->second);
    const auto& typed = query.carrier_message_id;
    if (!typed.empty() && std::find(keys.begin(), keys.end(), typed) == keys.end()) keys.push_back(typed);
    for (const auto& key : keys) {
        auto id = ledger.find_by_carrier_id(query.carrier, key);
        if (!id.ok()) {
            if (id.status().code() == StatusCode::not_found) continue;
            return id.status();
        }
        auto record = ledger.find(*id);
        // The index entry may outlive its record until the retention sweep drops both.
        if (!record.ok() && record.status().code() == StatusCode::not_found) continue;
        if (!record.ok()) return record.status();
        return FoundMessage{std::move(record).value(), key};
    }
    std::string tried;
    for (const auto& key : keys) tried += (tried.empty() ? "" : ", ") + key;
    return Status(StatusCode::not_found, "for carrier " + query.carrier + " id '" + query.carrier_message_id +
                                             "' (keys tried: " + (tried.empty() ? "none" : tried) + ")");
}

}  // namespace smpp::admin
