// Group planning (see rollout_plan.h).
#include "server/fleet/rollout_plan.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace tinyforge::server::fleet {

std::string GroupSpec::ToString() const {
  std::ostringstream out;
  out << value;
  return out.str() + (percent ? "%" : "");
}

std::vector<GroupSpec> DefaultGroups() { return {{true, 1}, {true, 10}, {true, 100}}; }

Result<GroupSpec> ParseGroupSpec(const std::string& text) {
  if (text.empty()) return MakeError("group \"\": expected a percentage like \"10%\" or a device count");
  bool percent = text.back() == '%';
  std::string number = percent ? text.substr(0, text.size() - 1) : text;
  char* end = nullptr;
  double value = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(value)) {
    return MakeError("group \"" + text + "\": expected a percentage like \"10%\" or a device count");
  }
  if (percent && (value <= 0 || value > 100)) {
    return MakeError("group \"" + text + "\": a percentage must be in (0, 100]");
  }
  if (!percent && (value < 1 || value != std::floor(value) || value > 1e12)) {
    return MakeError("group \"" + text + "\": a device count must be a whole number >= 1");
  }
  return GroupSpec{percent, value};
}

Result<std::vector<int64_t>> PlanGroupSizes(int64_t device_count, const std::vector<GroupSpec>& groups) {
  if (groups.empty()) return MakeError("groups: at least one group is needed");
  if (device_count <= 0) return MakeError("the target holds no device");
  double last_percent = 0, last_count = 0;
  for (size_t i = 0; i < groups.size(); ++i) {
    const GroupSpec& group = groups[i];
    std::string where = "group " + std::to_string(i + 1) + " (\"" + group.ToString() + "\")";
    if (group.percent ? (group.value <= 0 || group.value > 100) : group.value < 1) {
      return MakeError(where + ": out of range");
    }
    // Groups are cumulative: each must go further than the one before it of the same kind.
    if (group.percent && group.value <= last_percent) return MakeError(where + ": must be larger than the previous percentage");
    if (!group.percent && group.value <= last_count) return MakeError(where + ": must be larger than the previous count");
    (group.percent ? last_percent : last_count) = group.value;
  }
  const GroupSpec& last = groups.back();
  if (last.percent ? last.value < 100 : last.value < static_cast<double>(device_count)) {
    return MakeError("groups: the last group (\"" + last.ToString() + "\") must reach every device (\"100%\" or >= " +
                     std::to_string(device_count) + ")");
  }
  std::vector<int64_t> sizes;
  int64_t covered = 0;
  for (const GroupSpec& group : groups) {
    if (covered == device_count) break;  // more groups than devices: the rest would be empty
    int64_t cumulative = 0;
    if (group.percent) {
      // Rounded up so a small canary still gets a device; the epsilon keeps 10% of 100 at 10.
      cumulative = static_cast<int64_t>(std::ceil(group.value * static_cast<double>(device_count) / 100.0 - 1e-9));
    } else {
      cumulative = static_cast<int64_t>(group.value);
    }
    cumulative = std::min(device_count, std::max(cumulative, covered + 1));
    sizes.push_back(cumulative - covered);
    covered = cumulative;
  }
  return sizes;
}

}  // namespace tinyforge::server::fleet
