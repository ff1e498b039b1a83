// One real Virtuoso per test binary: started before the first test, stopped (and its data folder
// removed) after the last one, also when tests fail; PR_SET_PDEATHSIG takes it down on a crash.
#pragma once

#include <memory>

#include "server/kg/knowledge_graph.h"
#include "server/kg/sparql_client.h"
#include "server/kg/virtuoso_process.h"

namespace tinyforge::server::kg::testing {

// The running store; nullptr (and every test skips) when Virtuoso could not start.
VirtuosoProcess* Store();
// A client with the store's endpoints and update credentials.
const SparqlClient& Client();

}  // namespace tinyforge::server::kg::testing
