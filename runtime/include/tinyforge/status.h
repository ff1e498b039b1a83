// Every way a runtime call can fail, as one X-macro so the enum and its names never drift apart.
#ifndef TINYFORGE_STATUS_H_
#define TINYFORGE_STATUS_H_

#include <stdint.h>

namespace tinyforge {

#define TINYFORGE_STATUSES(X)                                                    \
  X(Ok)                                                                          \
  /* blob structure (Load) */                                                    \
  X(NullArgument)                                                                \
  X(BlobTooSmall)                                                                \
  X(BlobMisaligned)                                                              \
  X(BadMagic)                                                                    \
  X(UnsupportedVersion)                                                          \
  X(BadHeader)                                                                   \
  X(BlobLengthMismatch)                                                          \
  X(CrcMismatch)                                                                 \
  X(BadSectionTable)                                                             \
  X(SectionOutOfBounds)                                                          \
  X(SectionMisaligned)                                                           \
  X(SectionsOverlap)                                                             \
  X(MissingSection)                                                              \
  X(DuplicateSection)                                                            \
  X(UnknownSection)                                                              \
  X(MetadataMalformed)                                                           \
  X(TensorTableMalformed)                                                        \
  X(UnknownDType)                                                                \
  X(BadRank)                                                                     \
  X(BadDimension)                                                                \
  X(TensorBytesMismatch)                                                         \
  X(ConstantOutOfBounds)                                                         \
  X(QuantizationMalformed)                                                       \
  X(BadScale)                                                                    \
  X(OperatorTableMalformed)                                                      \
  X(UnknownOp)                                                                   \
  X(TensorIndexOutOfRange)                                                       \
  X(BadOpArity)                                                                  \
  X(BadParams)                                                                   \
  X(GraphIoMalformed)                                                            \
  X(PlanMalformed)                                                               \
  X(PlanOutOfArena)                                                              \
  X(PlanOverlap)                                                                 \
  X(PlanTooComplex)                                                              \
  X(WriteToConstant)                                                             \
  X(TensorUsedBeforeWritten)                                                     \
  X(TensorWrittenTwice)                                                          \
  /* Prepare */                                                                  \
  X(NotLoaded)                                                                   \
  X(OpNotRegistered)                                                             \
  X(ArenaTooSmall)                                                               \
  X(ArenaMisaligned)                                                             \
  X(ShapeMismatch)                                                               \
  X(DTypeMismatch)                                                               \
  X(QuantizationMismatch)                                                        \
  X(ScratchTooSmall)                                                             \
  /* Invoke and accessors */                                                     \
  X(NotPrepared)                                                                 \
  X(IndexOutOfRange)                                                             \
  X(KeyNotFound)                                                                 \
  X(BufferTooSmall)                                                              \
  X(StorageMisaligned)                                                           \
  X(NumericalError)                                                              \
  /* TreeEnsemble structure (Load and Prepare; appended so earlier codes keep their values) */ \
  X(TreeShapeMismatch)                                                           \
  X(TreeRootOutOfRange)                                                          \
  X(TreeFeatureOutOfRange)                                                       \
  X(TreeChildOutOfRange)                                                         \
  X(TreeLeafOutOfRange)

enum class [[nodiscard]] Status : uint8_t {
#define TINYFORGE_STATUS_ENUM(name) k##name,
  TINYFORGE_STATUSES(TINYFORGE_STATUS_ENUM)
#undef TINYFORGE_STATUS_ENUM
};

// The enumerator's name without the leading 'k', e.g. "CrcMismatch"; "Unknown" out of range.
const char* StatusName(Status status);

}  // namespace tinyforge

#define TINYFORGE_RETURN_IF_ERROR(expr)                                  \
  do {                                                                   \
    const ::tinyforge::Status tinyforge_status_ = (expr);                \
    if (tinyforge_status_ != ::tinyforge::Status::kOk) return tinyforge_status_; \
  } while (0)

#endif  // TINYFORGE_STATUS_H_
