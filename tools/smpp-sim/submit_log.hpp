#pragma once
// What a simulated carrier received, for tests to assert on: a bounded ring
// of submit_sm summaries. Slots are reused once the ring is full, so their
// strings keep their capacity and recording allocates nothing in steady state.
#include <cstdint>
#include <string>
#include <vector>

#include "smpp/protocol/pdu.hpp"

namespace smpp::sim {

struct SubmitRecord {
    std::uint32_t sequence_number = 0;
    protocol::Address source;
    protocol::Address dest;
    std::uint8_t esm_class = 0;
    std::uint8_t registered_delivery = 0;
    std::uint8_t data_coding = 0;
    std::string short_message;          // raw octets
    std::vector<std::uint16_t> tlv_tags;  // in wire order
    std::string message_id;             // ours, as sent in submit_sm_resp
    protocol::command_status status = protocol::command_status::ESME_ROK;  // what we answered
    bool answered = true;               // false: the no_response fault ate it
};

// One JSON object on one line; short_message in hex.
std::string to_json(const SubmitRecord& r);

class SubmitLog {
public:
    explicit SubmitLog(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

    // The slot for the next record, overwriting the oldest when full.
    SubmitRecord& next_slot();
    // The last n records, oldest first.
    std::vector<SubmitRecord> last(std::size_t n) const;
    std::size_t size() const noexcept { return ring_.size(); }
    std::uint64_t total() const noexcept { return total_; }
    void clear() noexcept {
        ring_.clear();
        next_ = 0;
        total_ = 0;
    }

private:
    std::size_t capacity_;
    std::vector<SubmitRecord> ring_;  // grows to capacity_, then wraps
    std::size_t next_ = 0;            // the slot to overwrite once full
    std::uint64_t total_ = 0;
};

}  // namespace smpp::sim
