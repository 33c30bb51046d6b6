#include "store/ledger_settings.hpp"

namespace smpp::store {

std::string LedgerSettings::validate() const {
    if (path.empty()) return "path must not be empty";
    if (retention_days < 1) return "retention_days must be >= 1";
    if (max_group_size < 1) return "max_group_size must be >= 1";
    if (max_queued_writes < max_group_size) return "max_queued_writes must be >= max_group_size";
    if (write_buffer_mb < 1 || write_buffer_mb > 4096) return "write_buffer_mb must be between 1 and 4096";
    if (journal_segment_mb < 1 || journal_segment_mb > 2048) return "journal_segment_mb must be between 1 and 2048";
    return {};
}

}  // namespace smpp::store
