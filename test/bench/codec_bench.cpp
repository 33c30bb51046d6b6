// ns/op to decode and encode the two PDUs that dominate a carrier
// connector's traffic: an A2P submit_sm and a delivery receipt
// (deliver_sm with the Appendix B text, receipted_message_id and
// message_state). Each is measured through the fast codec and through the
// libsmpp34 reference; run from a Release build.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <vector>

#include "smpp/protocol/fast_codec.hpp"
#include "smpp/protocol/libsmpp34_codec.hpp"
#include "test/smpp/protocol/frame_builder.hpp"

namespace {

using namespace smpp::protocol;

template <class Codec>
void decode_frame(benchmark::State& state, const std::vector<std::uint8_t>& frame) {
    if (!ok(Codec::decode(frame))) {
        state.SkipWithError("frame does not decode");
        return;
    }
    for (auto _ : state) {
        DecodeResult r = Codec::decode(frame);
        benchmark::DoNotOptimize(r);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
}

template <class Codec>
void encode_pdu(benchmark::State& state, const Pdu& pdu) {
    // One output buffer reused, as a session's write buffer is.
    std::vector<std::uint8_t> out;
    out.reserve(1024);
    for (auto _ : state) {
        out.clear();
        if (Codec::encode(pdu, out)) {
            state.SkipWithError("PDU does not encode");
            return;
        }
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}

struct Fast {
    static DecodeResult decode(std::span<const std::uint8_t> f) { return fast_codec::decode(f); }
    static std::error_code encode(const Pdu& p, std::vector<std::uint8_t>& o) { return fast_codec::encode(p, o); }
};
struct Libsmpp34 {
    static DecodeResult decode(std::span<const std::uint8_t> f) { return libsmpp34_codec::decode(f); }
    static std::error_code encode(const Pdu& p, std::vector<std::uint8_t>& o) {
        return libsmpp34_codec::encode(p, o);
    }
};

const std::vector<std::uint8_t> submit_frame = smpp::test::typical_submit_sm_frame();
const std::vector<std::uint8_t> receipt_frame = smpp::test::typical_deliver_sm_receipt_frame();
const Pdu submit_pdu = smpp::test::typical_submit_sm();
const Pdu receipt_pdu = smpp::test::typical_deliver_sm_receipt();

void decode_submit_sm_fast(benchmark::State& s) { decode_frame<Fast>(s, submit_frame); }
void decode_submit_sm_libsmpp34(benchmark::State& s) { decode_frame<Libsmpp34>(s, submit_frame); }
void encode_submit_sm_fast(benchmark::State& s) { encode_pdu<Fast>(s, submit_pdu); }
void encode_submit_sm_libsmpp34(benchmark::State& s) { encode_pdu<Libsmpp34>(s, submit_pdu); }
void decode_receipt_fast(benchmark::State& s) { decode_frame<Fast>(s, receipt_frame); }
void decode_receipt_libsmpp34(benchmark::State& s) { decode_frame<Libsmpp34>(s, receipt_frame); }
void encode_receipt_fast(benchmark::State& s) { encode_pdu<Fast>(s, receipt_pdu); }
void encode_receipt_libsmpp34(benchmark::State& s) { encode_pdu<Libsmpp34>(s, receipt_pdu); }

}  // namespace

BENCHMARK(decode_submit_sm_fast);
BENCHMARK(decode_submit_sm_libsmpp34);
BENCHMARK(encode_submit_sm_fast);
BENCHMARK(encode_submit_sm_libsmpp34);
BENCHMARK(decode_receipt_fast);
BENCHMARK(decode_receipt_libsmpp34);
BENCHMARK(encode_receipt_fast);
BENCHMARK(encode_receipt_libsmpp34);

BENCHMARK_MAIN();
