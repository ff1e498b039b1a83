// CWRU experiment streams for TinyOL: windows → runtime/dsp features (toolchain preprocessing) →
// a frozen 0 HP model run through the real Interpreter → the stream every learner replays.
#ifndef TINYFORGE_BENCH_TINYOL_CWRU_STREAMS_H_
#define TINYFORGE_BENCH_TINYOL_CWRU_STREAMS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "bench/tinyol/stream.h"
#include "toolchain/ir/result.h"

namespace tinyforge::bench {

enum class CwruExperiment { kNewClass, kNewBearing };

struct CwruStreams {
  Stream hidden;    // learner input = the frozen MLP's last hidden layer (Interpreter, float)
  Stream features;  // learner input = the 24 dsp features themselves
  std::vector<uint8_t> hidden_blob;  // frozen model up to the last hidden layer (.tfm, float)
  std::vector<uint8_t> full_blob;    // the whole frozen classifier (.tfm, float)
  // The same hidden-layer model quantized to int8 (float interface: Quantize in, Dequantize
  // out; calibrated on the warm-up windows) and the learner inputs it gives for every row, in
  // stream order (rows x hidden.cols). Only for the footprint comparison (docs/tinyol.md, "Flash").
  std::vector<uint8_t> hidden_int8_blob;
  std::vector<float> hidden_int8;
};

// New class: classes = normal + {IR,B,OR} x {007,021}; trained at 0 HP without OR021; the stream
// is 1, 2, 3 HP in that order (each segment shuffled), OR021 from 2 HP on. New bearing: classes =
// normal, inner_race, ball, outer_race_at6; trained on the 0.007" faults at 0 HP, streamed the
// 0.021" faults at 1-3 HP. Normal exists at 0 HP only: its first 70% trains, the rest is spread
// over the stream segments.
toolchain::Result<CwruStreams> BuildCwruStreams(const std::string& dataset_dir,
                                                CwruExperiment experiment, uint32_t seed);

// Anomaly: an autoencoder trained on the first half of the normal windows; the stream alternates
// 20 normal windows (second half, reused cyclically) with 20 windows of one fault recording, for
// each of the 18 fault recordings at 1-3 HP. Features = standardized input − reconstruction.
// normal_only: the same warm-up, then the held-out normal half streamed once at each of the four
// window phases 0, 128, 256, 384 samples (hop 512 within a phase; segment = phase index), no
// faults: every normal window the data has, each seen once per phase (false-alarm test).
struct CwruAnomalyStreams {
  Stream transitions;
  Stream normal_only;
};
toolchain::Result<CwruAnomalyStreams> BuildCwruAnomalyStreams(const std::string& dataset_dir,
                                                              uint32_t seed);

}  // namespace tinyforge::bench

#endif  // TINYFORGE_BENCH_TINYOL_CWRU_STREAMS_H_
