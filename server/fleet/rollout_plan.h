// How a rollout's target devices are cut into groups. Groups are cumulative: "1%", "10%", "100%"
// means the first 1% of the devices, then up to 10%, then the rest; a plain number N means "up to
// N devices". Every group holds at least one device; groups that the rounding leaves empty (more
// groups than devices) are dropped. The last group must reach every device ("100%" or a count >=
// the number of devices), so a rollout never silently stops short of its target.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "server/fleet/fleet_result.h"

namespace tinyforge::server::fleet {

struct GroupSpec {
  bool percent = true;
  double value = 100;  // percent in (0, 100], or a device count >= 1
  std::string ToString() const;  // "10%" or "250"
};

// The default plan: 1% -> 10% -> 100%.
std::vector<GroupSpec> DefaultGroups();

// "12.5%" or "250". Errors name the text.
Result<GroupSpec> ParseGroupSpec(const std::string& text);

// Checks the list (non-empty, strictly increasing where comparable, last reaches everything) and
// returns the size of each group for `device_count` devices (sum == device_count). Errors name the
// offending group by its 1-based position.
Result<std::vector<int64_t>> PlanGroupSizes(int64_t device_count, const std::vector<GroupSpec>& groups);

}  // namespace tinyforge::server::fleet
