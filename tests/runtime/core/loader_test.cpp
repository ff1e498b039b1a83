// Model::Load: the valid test model loads, and each kind of corruption is refused with its own
// Status. Most corruptions re-stamp the CRC so the loader reaches the edited field.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/runtime/core/test_models.h"
#include "tinyforge/model.h"

namespace tinyforge {
namespace {

using format::SectionKind;
using testing::AlignedBuffer;
using testing::OpRecordOffset;
using testing::PlanOffsetOf;
using testing::ReadAt;
using testing::RefreshCrc;
using testing::SectionEntryOffset;
using testing::SectionOffset;
using testing::TensorRecordOffset;
using testing::WriteAt;
using T = testing::TestModelTensors;

Status LoadBytes(const std::vector<uint8_t>& blob) {
  AlignedBuffer buffer(blob);
  Model model;
  return model.Load(buffer.data(), blob.size());
}

// Applies `edit` to a fresh valid blob, re-stamps the CRC and loads it.
template <typename Edit>
Status LoadEdited(Edit edit) {
  std::vector<uint8_t> blob = testing::BuildTestModel();
  edit(blob);
  RefreshCrc(blob);
  return LoadBytes(blob);
}

template <typename Field>
void EditTensorField(std::vector<uint8_t>& blob, uint32_t tensor, size_t field_offset,
                     Field value) {
  WriteAt(blob, TensorRecordOffset(blob, tensor) + field_offset, value);
}

TEST(LoaderTest, LoadsValidModelAndExposesItsRecords) {
  const std::vector<uint8_t> blob = testing::BuildTestModel();
  AlignedBuffer buffer(blob);
  Model model;
  ASSERT_EQ(model.Load(buffer.data(), blob.size()), Status::kOk);
  EXPECT_TRUE(model.loaded());
  EXPECT_EQ(model.tensor_count(), 9u);
  EXPECT_EQ(model.op_count(), 5u);
  EXPECT_EQ(model.input_count(), 1u);
  EXPECT_EQ(model.output_count(), 1u);
  EXPECT_EQ(model.input_tensor(0), T::kInput);
  EXPECT_EQ(model.output_tensor(0), T::kOutput);
  EXPECT_GT(model.arena_bytes(), 0u);
  EXPECT_EQ(model.tensor(T::kWeights).dims[1], 8u);
  const float* weights = reinterpret_cast<const float*>(model.constant_data(T::kWeights));
  EXPECT_EQ(weights[3], testing::TestWeights()[3]);
  ASSERT_NE(model.quant(T::kQuantConst), nullptr);
  EXPECT_EQ(model.quant(T::kQuantConst)->channel_count, 3u);
  EXPECT_EQ(model.quant_scales(*model.quant(T::kQuantConst))[2], 0.125f);
  EXPECT_EQ(model.quant(T::kInput), nullptr);
}

TEST(LoaderTest, FindsMetadataByExactKey) {
  const std::vector<uint8_t> blob = testing::BuildTestModel();
  AlignedBuffer buffer(blob);
  Model model;
  MetadataValue value{};
  EXPECT_EQ(model.FindMetadata("model.id", &value), Status::kNotLoaded);
  ASSERT_EQ(model.Load(buffer.data(), blob.size()), Status::kOk);
  ASSERT_EQ(model.FindMetadata(format::kKeyModelId, &value), Status::kOk);
  EXPECT_EQ(value.type, format::MetadataType::kString);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(value.bytes), value.byte_count),
            "test-model");
  ASSERT_EQ(model.FindMetadata("test.answer", &value), Status::kOk);
  int64_t answer = 0;
  std::memcpy(&answer, value.bytes, 8);
  EXPECT_EQ(answer, 42);
  EXPECT_EQ(model.FindMetadata("model.i", &value), Status::kKeyNotFound);
  EXPECT_EQ(model.FindMetadata("model.idx", &value), Status::kKeyNotFound);
}

TEST(LoaderTest, AcceptsBufferLongerThanBlob) {
  std::vector<uint8_t> blob = testing::BuildTestModel();
  blob.resize(blob.size() + 100, 0xAB);
  EXPECT_EQ(LoadBytes(blob), Status::kOk);
}

TEST(LoaderTest, RejectsNullAndMisalignedBlob) {
  Model model;
  EXPECT_EQ(model.Load(nullptr, 100), Status::kNullArgument);
  const std::vector<uint8_t> blob = testing::BuildTestModel();
  AlignedBuffer buffer(blob.size() + 4);
  std::memcpy(buffer.data() + 2, blob.data(), blob.size());
  EXPECT_EQ(model.Load(buffer.data() + 2, blob.size()), Status::kBlobMisaligned);
  EXPECT_FALSE(model.loaded());
}

TEST(LoaderTest, RejectsBlobTruncatedAtEveryLength) {
  const std::vector<uint8_t> blob = testing::BuildTestModel();
  AlignedBuffer buffer(blob);
  for (size_t length = 0; length < blob.size(); ++length) {
    Model model;
    const Status expected =
        length < format::kHeaderBytes ? Status::kBlobTooSmall : Status::kBlobLengthMismatch;
    ASSERT_EQ(model.Load(buffer.data(), length), expected) << "length " << length;
  }
}

TEST(LoaderTest, RejectsWrongMagic) {
  EXPECT_EQ(LoadEdited([](auto& b) { b[0] = 'X'; }), Status::kBadMagic);
}

TEST(LoaderTest, RejectsOtherMajorVersionButAcceptsNewerMinor) {
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint16_t>(b, 4, 2); }),
            Status::kUnsupportedVersion);
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint16_t>(b, 6, 7); }), Status::kOk);
}

TEST(LoaderTest, RejectsUnknownFlagsAndHeaderSize) {
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, 24, 1); }), Status::kBadHeader);
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, 8, 64); }), Status::kBadHeader);
}

TEST(LoaderTest, RejectsBlobBytesPastEndOfBuffer) {
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, 12, uint32_t(b.size() + 4)); }),
            Status::kBlobLengthMismatch);
}

TEST(LoaderTest, RejectsCorruptedPayloadByCrc) {
  std::vector<uint8_t> blob = testing::BuildTestModel();
  blob[SectionOffset(blob, SectionKind::kConstants) + 5] ^= 0x10;
  EXPECT_EQ(LoadBytes(blob), Status::kCrcMismatch);
}

TEST(LoaderTest, RejectsBadSectionTable) {
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, 20, 0); }), Status::kBadSectionTable);
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, 20, 17); }), Status::kBadSectionTable);
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, 16, uint32_t(b.size())); }),
            Status::kBadSectionTable);
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, 16, 34); }), Status::kBadSectionTable);
}

TEST(LoaderTest, RejectsSectionOffsetOrLengthPastEnd) {
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, SectionEntryOffset(b, SectionKind::kConstants) + 8,
                                uint32_t(b.size()));
            }),
            Status::kSectionOutOfBounds);
  // offset + length wraps around 2^32: must not pass as "in bounds".
  EXPECT_EQ(LoadEdited([](auto& b) {
              const size_t entry = SectionEntryOffset(b, SectionKind::kGraphIo);
              WriteAt<uint32_t>(b, entry + 4, 0xFFFFFFF0u);
              WriteAt<uint32_t>(b, entry + 8, 0x20u);
            }),
            Status::kSectionOutOfBounds);
}

TEST(LoaderTest, RejectsOverlappingSections) {
  EXPECT_EQ(LoadEdited([](auto& b) {
              const size_t tensors = SectionEntryOffset(b, SectionKind::kTensors);
              WriteAt<uint32_t>(b, tensors + 4,
                                uint32_t(SectionOffset(b, SectionKind::kMetadata)));
            }),
            Status::kSectionsOverlap);
  // A section covering the section table.
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, SectionEntryOffset(b, SectionKind::kMetadata) + 4, 32);
            }),
            Status::kSectionsOverlap);
}

TEST(LoaderTest, RejectsDuplicateMissingAndUnknownSections) {
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, SectionEntryOffset(b, SectionKind::kGraphIo), 1);
            }),
            Status::kDuplicateSection);
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, 20, 6); }), Status::kMissingSection);
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, SectionEntryOffset(b, SectionKind::kGraphIo), 9);
            }),
            Status::kUnknownSection);
}

TEST(LoaderTest, RejectsMisalignedSections) {
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, SectionEntryOffset(b, SectionKind::kConstants) + 12, 4);
            }),
            Status::kSectionMisaligned);
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, SectionEntryOffset(b, SectionKind::kTensors) + 12, 3);
            }),
            Status::kSectionMisaligned);
  EXPECT_EQ(LoadEdited([](auto& b) {
              const size_t entry = SectionEntryOffset(b, SectionKind::kGraphIo);
              WriteAt<uint32_t>(b, entry + 4, ReadAt<uint32_t>(b, entry + 4) + 2);
            }),
            Status::kSectionMisaligned);
}

TEST(LoaderTest, RejectsMalformedMetadata) {
  // Entry count larger than the entries present.
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, SectionOffset(b, SectionKind::kMetadata), 1000);
            }),
            Status::kMetadataMalformed);
  // First entry's key length 0.
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint16_t>(b, SectionOffset(b, SectionKind::kMetadata) + 4, 0);
            }),
            Status::kMetadataMalformed);
  // Unknown value type.
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint16_t>(b, SectionOffset(b, SectionKind::kMetadata) + 6, 9);
            }),
            Status::kMetadataMalformed);
  // Value length far past the section.
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, SectionOffset(b, SectionKind::kMetadata) + 8, 0xFFFFFFF0u);
            }),
            Status::kMetadataMalformed);
}

TEST(LoaderTest, RejectsUnknownDType) {
  EXPECT_EQ(LoadEdited([](auto& b) { EditTensorField<uint8_t>(b, T::kFc, 0, 9); }),
            Status::kUnknownDType);
}

TEST(LoaderTest, RejectsRankAboveFour) {
  EXPECT_EQ(LoadEdited([](auto& b) { EditTensorField<uint8_t>(b, T::kFc, 1, 5); }),
            Status::kBadRank);
}

TEST(LoaderTest, RejectsZeroUnusedOrOverflowingDimensions) {
  EXPECT_EQ(LoadEdited([](auto& b) { EditTensorField<uint32_t>(b, T::kFc, 4, 0); }),
            Status::kBadDimension);
  EXPECT_EQ(LoadEdited([](auto& b) { EditTensorField<uint32_t>(b, T::kFc, 4 + 3 * 4, 1); }),
            Status::kBadDimension);
  EXPECT_EQ(LoadEdited([](auto& b) {
              EditTensorField<uint32_t>(b, T::kFc, 4, 0x10000);
              EditTensorField<uint32_t>(b, T::kFc, 8, 0x10000);
            }),
            Status::kBadDimension);
  // Element count fits, byte count (x4) does not.
  EXPECT_EQ(LoadEdited([](auto& b) {
              EditTensorField<uint32_t>(b, T::kFc, 4, 0x8000);
              EditTensorField<uint32_t>(b, T::kFc, 8, 0x10000);
            }),
            Status::kBadDimension);
}

TEST(LoaderTest, RejectsDataBytesNotMatchingShape) {
  EXPECT_EQ(LoadEdited([](auto& b) { EditTensorField<uint32_t>(b, T::kFc, 24, 44); }),
            Status::kTensorBytesMismatch);
}

TEST(LoaderTest, RejectsConstantOutsideConstantsSection) {
  EXPECT_EQ(LoadEdited([](auto& b) {
              const uint32_t length =
                  ReadAt<uint32_t>(b, SectionEntryOffset(b, SectionKind::kConstants) + 8);
              EditTensorField<uint32_t>(b, T::kWeights, 20, (length + 15) & ~15u);
            }),
            Status::kConstantOutOfBounds);
  EXPECT_EQ(LoadEdited([](auto& b) { EditTensorField<uint32_t>(b, T::kWeights, 20, 4); }),
            Status::kConstantOutOfBounds);
  EXPECT_EQ(LoadEdited([](auto& b) { EditTensorField<uint32_t>(b, T::kWeights, 20, 0xFFFFFFF0u); }),
            Status::kConstantOutOfBounds);
}

TEST(LoaderTest, RejectsActivationWithDataOffsetOrBadKind) {
  EXPECT_EQ(LoadEdited([](auto& b) { EditTensorField<uint32_t>(b, T::kFc, 20, 0); }),
            Status::kTensorTableMalformed);
  EXPECT_EQ(LoadEdited([](auto& b) { EditTensorField<uint8_t>(b, T::kFc, 2, 7); }),
            Status::kTensorTableMalformed);
  EXPECT_EQ(LoadEdited([](auto& b) { EditTensorField<uint8_t>(b, T::kFc, 3, 1); }),
            Status::kTensorTableMalformed);
}

size_t QuantRecordOffset(const std::vector<uint8_t>& blob) {
  return SectionOffset(blob, SectionKind::kQuantization) + 8;
}

void SetScale(std::vector<uint8_t>& blob, uint32_t channel, float scale) {
  const auto record = ReadAt<format::QuantRecord>(blob, QuantRecordOffset(blob));
  WriteAt(blob, SectionOffset(blob, SectionKind::kConstants) + record.scales_offset + 4 * channel,
          scale);
}

TEST(LoaderTest, RejectsZeroNegativeNanAndInfiniteScales) {
  for (float scale : {0.0f, -0.5f, std::numeric_limits<float>::quiet_NaN(),
                      std::numeric_limits<float>::infinity(), -0.0f}) {
    EXPECT_EQ(LoadEdited([scale](auto& b) { SetScale(b, 1, scale); }), Status::kBadScale)
        << scale;
  }
}

TEST(LoaderTest, RejectsQuantizationNotMatchingTensor) {
  // Channel count 2 on axis 0 of a [3,2] tensor.
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, QuantRecordOffset(b), 2); }),
            Status::kQuantizationMalformed);
  // Scales array past the constants section.
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, QuantRecordOffset(b) + 8, 0x7FFFFFFCu); }),
            Status::kQuantizationMalformed);
  // Quant index past the records, and quantization on a float32 tensor.
  EXPECT_EQ(LoadEdited([](auto& b) { EditTensorField<uint32_t>(b, T::kQuantConst, 28, 5); }),
            Status::kQuantizationMalformed);
  EXPECT_EQ(LoadEdited([](auto& b) { EditTensorField<uint32_t>(b, T::kFc, 28, 0); }),
            Status::kQuantizationMalformed);
  // Zero point outside int8.
  EXPECT_EQ(LoadEdited([](auto& b) {
              const auto record = ReadAt<format::QuantRecord>(b, QuantRecordOffset(b));
              WriteAt<int32_t>(b, SectionOffset(b, SectionKind::kConstants) +
                                      record.zero_points_offset, 300);
            }),
            Status::kQuantizationMalformed);
}

TEST(LoaderTest, RejectsUnknownOp) {
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint16_t>(b, OpRecordOffset(b, 1), 99); }),
            Status::kUnknownOp);
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint16_t>(b, OpRecordOffset(b, 1), 0); }),
            Status::kUnknownOp);
}

TEST(LoaderTest, RejectsBadOpArity) {
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint8_t>(b, OpRecordOffset(b, 1) + 2, 0); }),
            Status::kBadOpArity);
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint8_t>(b, OpRecordOffset(b, 1) + 2, 9); }),
            Status::kBadOpArity);
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint8_t>(b, OpRecordOffset(b, 1) + 3, 2); }),
            Status::kBadOpArity);
}

size_t OpListOffset(const std::vector<uint8_t>& blob, uint32_t op) {
  const auto record = ReadAt<format::OpRecord>(blob, OpRecordOffset(blob, op));
  return SectionOffset(blob, SectionKind::kOperators) + record.tensor_list_offset;
}

TEST(LoaderTest, RejectsTensorIndexOutOfRange) {
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint16_t>(b, OpListOffset(b, 1), 999); }),
            Status::kTensorIndexOutOfRange);
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint16_t>(b, OpListOffset(b, 1) + 2, 9); }),
            Status::kTensorIndexOutOfRange);
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, SectionOffset(b, SectionKind::kGraphIo) + 8, 77);
            }),
            Status::kTensorIndexOutOfRange);
}

TEST(LoaderTest, RejectsTensorListOutsideOperatorsSection) {
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, OpRecordOffset(b, 1) + 4, 0xFFFFFFF0u); }),
            Status::kOperatorTableMalformed);
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, OpRecordOffset(b, 1) + 4, 8); }),
            Status::kOperatorTableMalformed);
}

TEST(LoaderTest, RejectsParamsOfWrongSizeOrOutOfBounds) {
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, OpRecordOffset(b, 0) + 12, 8); }),
            Status::kBadParams);
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, OpRecordOffset(b, 0) + 8, 0x7FFFFFF0u); }),
            Status::kBadParams);
  // Relu carries no params: a params offset other than kNone32 is refused.
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, OpRecordOffset(b, 1) + 8, 0); }),
            Status::kBadParams);
  // FullyConnected with an unknown fused activation.
  EXPECT_EQ(LoadEdited([](auto& b) {
              const auto record = ReadAt<format::OpRecord>(b, OpRecordOffset(b, 0));
              b[SectionOffset(b, SectionKind::kOperators) + record.params_offset] = 7;
            }),
            Status::kBadParams);
}

TEST(LoaderTest, RejectsOpWritingAConstant) {
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint16_t>(b, OpListOffset(b, 1) + 2, T::kBias); }),
            Status::kWriteToConstant);
}

TEST(LoaderTest, RejectsMalformedGraphIo) {
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, SectionOffset(b, SectionKind::kGraphIo), 0);
            }),
            Status::kGraphIoMalformed);
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, SectionOffset(b, SectionKind::kGraphIo) + 8, T::kWeights);
            }),
            Status::kGraphIoMalformed);
}

TEST(LoaderTest, RejectsActivationReadBeforeWritten) {
  // Swap ops 0 (FullyConnected, writes t3) and 1 (Relu, reads t3).
  EXPECT_EQ(LoadEdited([](auto& b) {
              const auto first = ReadAt<format::OpRecord>(b, OpRecordOffset(b, 0));
              const auto second = ReadAt<format::OpRecord>(b, OpRecordOffset(b, 1));
              WriteAt(b, OpRecordOffset(b, 0), second);
              WriteAt(b, OpRecordOffset(b, 1), first);
            }),
            Status::kTensorUsedBeforeWritten);
  // An op reading its own output.
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint16_t>(b, OpListOffset(b, 4), T::kOutput); }),
            Status::kTensorUsedBeforeWritten);
}

TEST(LoaderTest, RejectsTensorWrittenTwice) {
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint16_t>(b, OpListOffset(b, 1) + 2, T::kFc); }),
            Status::kTensorWrittenTwice);
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint16_t>(b, OpListOffset(b, 1) + 2, T::kInput); }),
            Status::kTensorWrittenTwice);
}

TEST(LoaderTest, RejectsPlanWithActivationOutsideArena) {
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, SectionOffset(b, SectionKind::kArenaPlan), 16);
            }),
            Status::kPlanOutOfArena);
}

TEST(LoaderTest, RejectsMalformedPlan) {
  // Misaligned offset, a constant with an arena offset, wrong tensor count, wrong alignment.
  EXPECT_EQ(LoadEdited([](auto& b) {
              const size_t at = PlanOffsetOf(b, T::kFc);
              WriteAt<uint32_t>(b, at, ReadAt<uint32_t>(b, at) + 4);
            }),
            Status::kPlanMalformed);
  EXPECT_EQ(LoadEdited([](auto& b) { WriteAt<uint32_t>(b, PlanOffsetOf(b, T::kWeights), 0); }),
            Status::kPlanMalformed);
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, SectionOffset(b, SectionKind::kArenaPlan) + 4, 8);
            }),
            Status::kPlanMalformed);
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, SectionOffset(b, SectionKind::kArenaPlan) + 12, 8);
            }),
            Status::kPlanMalformed);
}

TEST(LoaderTest, RejectsPlanWhereLiveActivationsShareBytes) {
  // t3 (FC output) is live over ops 0..3; t4 (Relu output) over ops 1..2: placing t4 on t3
  // must be refused (Relu is not an aliasing op).
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, PlanOffsetOf(b, T::kRelu),
                                ReadAt<uint32_t>(b, PlanOffsetOf(b, T::kFc)));
            }),
            Status::kPlanOverlap);
  // The input is live during op 0, so the FC output may not overlap it.
  EXPECT_EQ(LoadEdited([](auto& b) {
              WriteAt<uint32_t>(b, PlanOffsetOf(b, T::kFc),
                                ReadAt<uint32_t>(b, PlanOffsetOf(b, T::kInput)));
            }),
            Status::kPlanOverlap);
}

TEST(LoaderTest, AcceptsReshapeAliasingItsInputExactly) {
  std::vector<uint8_t> blob = testing::BuildTestModel();
  EXPECT_EQ(ReadAt<uint32_t>(blob, PlanOffsetOf(blob, T::kReshapeRelu)),
            ReadAt<uint32_t>(blob, PlanOffsetOf(blob, T::kRelu)));
  EXPECT_EQ(ReadAt<uint32_t>(blob, PlanOffsetOf(blob, T::kReshapeFc)),
            ReadAt<uint32_t>(blob, PlanOffsetOf(blob, T::kFc)));
  EXPECT_EQ(LoadBytes(blob), Status::kOk);
}

TEST(LoaderTest, RejectsScratchOverlappingLiveActivation) {
  EXPECT_EQ(LoadEdited([](auto& b) {
              const size_t scratch = SectionOffset(b, SectionKind::kArenaPlan) +
                                     sizeof(format::ArenaPlanHeader) + 4 * 9;  // op 0
              ASSERT_NE(ReadAt<uint32_t>(b, scratch + 4), 0u);
              WriteAt<uint32_t>(b, scratch, ReadAt<uint32_t>(b, PlanOffsetOf(b, T::kInput)));
            }),
            Status::kPlanOverlap);
}

}  // namespace
}  // namespace tinyforge
