// Every way an agent call can fail, as one X-macro so the enum and its names never drift apart.
#ifndef TINYFORGE_AGENT_CORE_AGENT_STATUS_H_
#define TINYFORGE_AGENT_CORE_AGENT_STATUS_H_

#include <stdint.h>

namespace tinyforge::agent {

#define TINYFORGE_AGENT_STATUSES(X)                                            \
  X(Ok)                                                                        \
  X(NullArgument)                                                              \
  X(BadConfig)                                                                 \
  /* flash and boot records */                                                 \
  X(FlashError)                                                                \
  X(NotProvisioned)                                                            \
  X(ImageCorrupted)                                                            \
  X(NotInTrial)                                                                \
  X(UpdateInProgress)                                                          \
  /* wire messages */                                                          \
  X(BadMessage)                                                                \
  X(UnknownTopic)                                                              \
  X(BufferTooSmall)                                                            \
  /* OTA refusals */                                                           \
  X(BadSignature)                                                              \
  X(WrongDeviceType)                                                           \
  X(WrongArtifactKind)                                                         \
  X(RuntimeTooOld)                                                             \
  X(TooLarge)                                                                  \
  X(Downgrade)                                                                 \
  X(NoOffer)                                                                   \
  X(StaleChunk)                                                                \
  X(ChunkOutOfOrder)                                                           \
  X(ChunkCrcMismatch)                                                          \
  X(HashMismatch)                                                              \
  X(HealthCheckFailed)                                                         \
  /* transport */                                                              \
  X(NotConnected)                                                              \
  X(PublishFailed)                                                             \
  X(CryptoError)                                                               \
  /* OTA, appended so earlier codes keep their values on the wire */         \
  X(ChunkTooLarge)

enum class [[nodiscard]] AgentStatus : uint8_t {
#define TINYFORGE_AGENT_STATUS_ENUM(name) k##name,
  TINYFORGE_AGENT_STATUSES(TINYFORGE_AGENT_STATUS_ENUM)
#undef TINYFORGE_AGENT_STATUS_ENUM
};

// The enumerator's name without the leading 'k', e.g. "BadSignature"; "Unknown" out of range.
const char* AgentStatusName(AgentStatus status);

}  // namespace tinyforge::agent

#define TINYFORGE_AGENT_RETURN_IF_ERROR(expr)                                        \
  do {                                                                               \
    const ::tinyforge::agent::AgentStatus tinyforge_agent_status_ = (expr);          \
    if (tinyforge_agent_status_ != ::tinyforge::agent::AgentStatus::kOk)             \
      return tinyforge_agent_status_;                                                \
  } while (0)

#endif  // TINYFORGE_AGENT_CORE_AGENT_STATUS_H_
