// tforge_all_ops_resolver in its own object file, so images that pass their own resolver do
// not pull AllOpsResolver() (and with it every kernel) out of the static library.
#include "tinyforge/c_api.h"
#include "tinyforge/op_registry.h"

extern "C" const tforge_op_resolver* tforge_all_ops_resolver(void) {
  return reinterpret_cast<const tforge_op_resolver*>(&tinyforge::AllOpsResolver());
}
