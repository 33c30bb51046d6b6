#include "smpp/protocol/command_status.hpp"

#include <fmt/format.h>

namespace smpp::protocol {
namespace {

struct Entry {
    command_status status;
    std::string_view name;
    std::string_view meaning;
};

constexpr Entry kStatuses[] = {
    {command_status::ESME_ROK, "ESME_ROK", "No error"},
    {command_status::ESME_RINVMSGLEN, "ESME_RINVMSGLEN", "Message length is invalid"},
    {command_status::ESME_RINVCMDLEN, "ESME_RINVCMDLEN", "Command length is invalid"},
    {command_status::ESME_RINVCMDID, "ESME_RINVCMDID", "Invalid command ID"},
    {command_status::ESME_RINVBNDSTS, "ESME_RINVBNDSTS", "Incorrect bind status for given command"},
    {command_status::ESME_RALYBND, "ESME_RALYBND", "ESME already in bound state"},
    {command_status::ESME_RINVPRTFLG, "ESME_RINVPRTFLG", "Invalid priority flag"},
    {command_status::ESME_RINVREGDLVFLG, "ESME_RINVREGDLVFLG", "Invalid registered delivery flag"},
    {command_status::ESME_RSYSERR, "ESME_RSYSERR", "System error"},
    {command_status::ESME_RINVSRCADR, "ESME_RINVSRCADR", "Invalid source address"},
    {command_status::ESME_RINVDSTADR, "ESME_RINVDSTADR", "Invalid destination address"},
    {command_status::ESME_RINVMSGID, "ESME_RINVMSGID", "Message ID is invalid"},
    {command_status::ESME_RBINDFAIL, "ESME_RBINDFAIL", "Bind failed"},
    {command_status::ESME_RINVPASWD, "ESME_RINVPASWD", "Invalid password"},
    {command_status::ESME_RINVSYSID, "ESME_RINVSYSID", "Invalid system ID"},
    {command_status::ESME_RCANCELFAIL, "ESME_RCANCELFAIL", "cancel_sm failed"},
    {command_status::ESME_RREPLACEFAIL, "ESME_RREPLACEFAIL", "replace_sm failed"},
    {command_status::ESME_RMSGQFUL, "ESME_RMSGQFUL", "Message queue full"},
    {command_status::ESME_RINVSERTYP, "ESME_RINVSERTYP", "Invalid service type"},
    {command_status::ESME_RINVNUMDESTS, "ESME_RINVNUMDESTS", "Invalid number of destinations"},
    {command_status::ESME_RINVDLNAME, "ESME_RINVDLNAME", "Invalid distribution list name"},
    {command_status::ESME_RINVDESTFLAG, "ESME_RINVDESTFLAG", "Destination flag is invalid"},
    {command_status::ESME_RINVSUBREP, "ESME_RINVSUBREP", "Invalid submit with replace request"},
    {command_status::ESME_RINVESMCLASS, "ESME_RINVESMCLASS", "Invalid esm_class field data"},
    {command_status::ESME_RCNTSUBDL, "ESME_RCNTSUBDL", "Cannot submit to distribution list"},
    {command_status::ESME_RSUBMITFAIL, "ESME_RSUBMITFAIL", "submit_sm or submit_multi failed"},
    {command_status::ESME_RINVSRCTON, "ESME_RINVSRCTON", "Invalid source address TON"},
    {command_status::ESME_RINVSRCNPI, "ESME_RINVSRCNPI", "Invalid source address NPI"},
    {command_status::ESME_RINVDSTTON, "ESME_RINVDSTTON", "Invalid destination address TON"},
    {command_status::ESME_RINVDSTNPI, "ESME_RINVDSTNPI", "Invalid destination address NPI"},
    {command_status::ESME_RINVSYSTYP, "ESME_RINVSYSTYP", "Invalid system_type field"},
    {command_status::ESME_RINVREPFLAG, "ESME_RINVREPFLAG", "Invalid replace_if_present flag"},
    {command_status::ESME_RINVNUMMSGS, "ESME_RINVNUMMSGS", "Invalid number of messages"},
    {command_status::ESME_RTHROTTLED, "ESME_RTHROTTLED", "Throttling error"},
    {command_status::ESME_RINVSCHED, "ESME_RINVSCHED", "Invalid scheduled delivery time"},
    {command_status::ESME_RINVEXPIRY, "ESME_RINVEXPIRY", "Invalid message validity period"},
    {command_status::ESME_RINVDFTMSGID, "ESME_RINVDFTMSGID", "Predefined message invalid or not found"},
    {command_status::ESME_RX_T_APPN, "ESME_RX_T_APPN", "ESME receiver temporary app error"},
    {command_status::ESME_RX_P_APPN, "ESME_RX_P_APPN", "ESME receiver permanent app error"},
    {command_status::ESME_RX_R_APPN, "ESME_RX_R_APPN", "ESME receiver reject message error"},
    {command_status::ESME_RQUERYFAIL, "ESME_RQUERYFAIL", "query_sm failed"},
    {command_status::ESME_RINVOPTPARSTREAM, "ESME_RINVOPTPARSTREAM", "Error in the optional part of the PDU body"},
    {command_status::ESME_ROPTPARNOTALLWD, "ESME_ROPTPARNOTALLWD", "Optional parameter not allowed"},
    {command_status::ESME_RINVPARLEN, "ESME_RINVPARLEN", "Invalid parameter length"},
    {command_status::ESME_RMISSINGOPTPARAM, "ESME_RMISSINGOPTPARAM", "Expected optional parameter missing"},
    {command_status::ESME_RINVOPTPARAMVAL, "ESME_RINVOPTPARAMVAL", "Invalid optional parameter value"},
    {command_status::ESME_RDELIVERYFAILURE, "ESME_RDELIVERYFAILURE", "Delivery failure"},
    {command_status::ESME_RUNKNOWNERR, "ESME_RUNKNOWNERR", "Unknown error"},
};

const Entry* find(command_status s) noexcept {
    for (const auto& e : kStatuses)
        if (e.status == s) return &e;
    return nullptr;
}

class CommandStatusCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "smpp.command_status"; }
    std::string message(int value) const override {
        auto s = static_cast<command_status>(static_cast<std::uint32_t>(value));
        if (const Entry* e = find(s)) return fmt::format("{} ({})", e->name, e->meaning);
        return fmt::format("command_status 0x{:08X}", static_cast<std::uint32_t>(value));
    }
};

}  // namespace

const std::error_category& command_status_category() noexcept {
    static const CommandStatusCategory category;
    return category;
}

std::string name(command_status s) {
    if (const Entry* e = find(s)) return std::string(e->name);
    return fmt::format("0x{:08X}", static_cast<std::uint32_t>(s));
}

}  // namespace smpp::protocol
