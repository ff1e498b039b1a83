// Snapshot arithmetic and JSON for fleet counters (see sim_stats.h).
#include "agent/sim/sim_stats.h"

#include <sstream>

namespace tinyforge::agent::sim {

void AddCounters(const FleetCounters& c, FleetSnapshot* s) {
  const auto r = std::memory_order_relaxed;
  s->connects += c.connects.load(r);
  s->connect_refused += c.connect_refused.load(r);
  s->connect_errors += c.connect_errors.load(r);
  s->disconnects += c.disconnects.load(r);
  s->published += c.published.load(r);
  s->delivered += c.delivered.load(r);
  s->telemetry_queued += c.telemetry_queued.load(r);
  s->alerts_queued += c.alerts_queued.load(r);
  s->inferences += c.inferences.load(r);
  s->inference_us += c.inference_us.load(r);
  s->inference_errors += c.inference_errors.load(r);
  s->offers += c.offers.load(r);
  s->chunks += c.chunks.load(r);
  s->acks_accepted += c.acks_accepted.load(r);
  s->acks_refused += c.acks_refused.load(r);
  s->acks_verified += c.acks_verified.load(r);
  s->acks_confirmed += c.acks_confirmed.load(r);
  s->acks_reverted += c.acks_reverted.load(r);
  s->reboots += c.reboots.load(r);
  s->power_losses += c.power_losses.load(r);
  s->network_drops += c.network_drops.load(r);
  s->chunks_corrupted += c.chunks_corrupted.load(r);
  s->health_failures += c.health_failures.load(r);
  s->telemetry_dropped += c.telemetry_dropped.load(r);
}

void AddGauges(const FleetGauges& from, FleetGauges* to) {
  to->devices += from.devices;
  to->connected += from.connected;
  to->pending_outbound += from.pending_outbound;
  to->awaiting_confirmation += from.awaiting_confirmation;
  to->receiving += from.receiving;
  to->unbootable += from.unbootable;
  for (const auto& [version, count] : from.confirmed_versions) to->confirmed_versions[version] += count;
  for (const auto& [version, count] : from.running_versions) to->running_versions[version] += count;
}

namespace {

void VersionMap(std::ostream& out, const std::map<uint32_t, uint64_t>& versions) {
  out << "{";
  bool first = true;
  for (const auto& [version, count] : versions) {
    out << (first ? "" : ", ") << "\"" << version << "\": " << count;
    first = false;
  }
  out << "}";
}

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out;
}

}  // namespace

std::string SnapshotJson(const FleetSnapshot& s, const FinalCheck* final_check) {
  std::ostringstream out;
  const FleetGauges& g = s.gauges;
  out << "{\"elapsed_s\": " << s.elapsed_s << ", \"devices\": " << g.devices
      << ", \"connected\": " << g.connected << ", \"connects\": " << s.connects
      << ", \"connect_refused\": " << s.connect_refused << ", \"connect_errors\": " << s.connect_errors
      << ", \"disconnects\": " << s.disconnects << ", \"messages_published\": " << s.published
      << ", \"messages_delivered\": " << s.delivered << ", \"telemetry_queued\": " << s.telemetry_queued
      << ", \"telemetry_dropped_offline\": " << s.telemetry_dropped
      << ", \"alerts_queued\": " << s.alerts_queued << ", \"pending_outbound\": " << g.pending_outbound
      << ", \"inferences\": " << s.inferences << ", \"inference_errors\": " << s.inference_errors
      << ", \"inference_mean_us\": " << (s.inferences == 0 ? 0.0 : static_cast<double>(s.inference_us) / static_cast<double>(s.inferences))
      << ", \"offers\": " << s.offers << ", \"chunks\": " << s.chunks
      << ", \"updates\": {\"accepted\": " << s.acks_accepted << ", \"refused\": " << s.acks_refused
      << ", \"verified\": " << s.acks_verified << ", \"confirmed\": " << s.acks_confirmed
      << ", \"reverted\": " << s.acks_reverted << ", \"receiving\": " << g.receiving
      << ", \"awaiting_confirmation\": " << g.awaiting_confirmation << "}"
      << ", \"faults\": {\"power_losses\": " << s.power_losses << ", \"network_drops\": " << s.network_drops
      << ", \"chunks_corrupted\": " << s.chunks_corrupted << ", \"health_failures\": " << s.health_failures
      << "}, \"reboots\": " << s.reboots << ", \"unbootable\": " << g.unbootable
      << ", \"confirmed_versions\": ";
  VersionMap(out, g.confirmed_versions);
  out << ", \"running_versions\": ";
  VersionMap(out, g.running_versions);
  if (final_check != nullptr) {
    out << ", \"power_cycle_check\": {\"bootable\": " << final_check->bootable
        << ", \"unbootable\": " << final_check->unbootable
        << ", \"on_confirmed\": " << final_check->on_confirmed << ", \"booted_versions\": ";
    VersionMap(out, final_check->booted_versions);
    out << ", \"unbootable_reasons\": {";
    bool first = true;
    for (const auto& [id, reason] : final_check->unbootable_reasons) {
      out << (first ? "" : ", ") << "\"" << Escape(id) << "\": \"" << Escape(reason) << "\"";
      first = false;
    }
    out << "}}";
  }
  out << "}";
  return out.str();
}

}  // namespace tinyforge::agent::sim
