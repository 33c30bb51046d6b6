#pragma once
// Drives binds to an SMSC (our smpp-connector, or anything SMPP 3.4) with
// submit_sm: each io thread owns its binds, its pacing timer and its own
// counters, so the hot path takes no lock; the threads share only the
// message counter and the stop flags. run() blocks until the count or the
// duration is reached and every answer is in, or until the timeout.
#include "tools/smpp-bench/bench_report.hpp"
#include "tools/smpp-bench/bench_settings.hpp"

namespace smpp::bench {

BenchReport run_load(const BenchSettings& settings);

}  // namespace smpp::bench
