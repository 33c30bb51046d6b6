#include "smpp/carrier/submit_outcome.hpp"

#include <catch2/catch.hpp>

using namespace smpp::carrier;
using smpp::protocol::command_status;

TEST_CASE("classify: the carrier's 'not now' statuses are transient") {
    for (auto s : {command_status::ESME_RTHROTTLED, command_status::ESME_RMSGQFUL, command_status::ESME_RSYSERR,
                   command_status::ESME_RX_T_APPN, command_status::ESME_RSUBMITFAIL,
                   command_status::ESME_RDELIVERYFAILURE, command_status::ESME_RUNKNOWNERR,
                   command_status::ESME_RINVBNDSTS}) {
        INFO(smpp::protocol::name(s));
        CHECK(classify(s) == status_class::transient);
    }
}

TEST_CASE("classify: statuses about the message itself are permanent") {
    for (auto s : {command_status::ESME_RINVDSTADR, command_status::ESME_RINVSRCADR, command_status::ESME_RINVMSGLEN,
                   command_status::ESME_RINVESMCLASS, command_status::ESME_RINVDSTTON, command_status::ESME_RINVDSTNPI,
                   command_status::ESME_RINVSRCTON, command_status::ESME_RINVSRCNPI, command_status::ESME_RX_P_APPN,
                   command_status::ESME_RX_R_APPN, command_status::ESME_RINVOPTPARAMVAL,
                   command_status::ESME_RINVSERTYP, command_status::ESME_RINVEXPIRY, command_status::ESME_RINVCMDID}) {
        INFO(smpp::protocol::name(s));
        CHECK(classify(s) == status_class::permanent);
    }
}

TEST_CASE("classify: vendor-specific statuses are permanent") {
    CHECK(classify(static_cast<command_status>(0x00000400)) == status_class::permanent);
}

TEST_CASE("throttling statuses are exactly RTHROTTLED and RMSGQFUL") {
    CHECK(is_throttling(command_status::ESME_RTHROTTLED));
    CHECK(is_throttling(command_status::ESME_RMSGQFUL));
    CHECK_FALSE(is_throttling(command_status::ESME_RSYSERR));
}

TEST_CASE("outcome_for and describe") {
    CHECK(describe(outcome_for(command_status::ESME_RSYSERR)) == "transient ESME_RSYSERR");
    CHECK(describe(outcome_for(command_status::ESME_RINVDSTADR)) == "permanent ESME_RINVDSTADR");
    CHECK(describe(Sent{"abc"}) == "sent abc");
    CHECK(describe(InDoubt{in_doubt_reason::response_timeout}) == "in_doubt response_timeout");
    CHECK(describe(Refused{refusal::queue_full}) == "refused queue_full");
}
