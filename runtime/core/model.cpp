// Model::Load, part 1: header, CRC, section table, metadata, quantization and tensor records.
// The graph-level checks (operators, graph IO, arena plan) are in model_graph.cpp.
//
// Order of checks: cheap structural checks first (so a truncated or foreign file fails with a
// precise status before anything is hashed), then the CRC over the whole blob, then every record.
// Nothing is dereferenced before its bounds are proven; every size derived from the blob goes
// through core::CheckedAdd/CheckedMul.
#include <string.h>

#include "core/checked_math.h"
#include "core/crc32.h"
#include "tinyforge/model.h"

namespace tinyforge {

using core::CheckedAdd;
using core::CheckedMul;
using core::RangeInside;
using core::RangesOverlap;

namespace {

constexpr uint32_t kSectionEntryBytes = sizeof(format::SectionEntry);
constexpr uint32_t kTableHeaderBytes = 8;  // uint32 count + uint32 reserved
constexpr uint32_t kEntryHeaderBytes = sizeof(format::MetadataEntryHeader);

template <typename T>
const T* At(const uint8_t* base, uint32_t offset) {
  return reinterpret_cast<const T*>(base + offset);
}

uint32_t ReadU32(const uint8_t* base, uint32_t offset) {
  uint32_t value;
  memcpy(&value, base + offset, sizeof(value));
  return value;
}

bool IsFiniteFloat(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof(bits));
  return ((bits >> 23) & 0xFFu) != 0xFFu;
}

}  // namespace

void Model::Reset() { *this = Model(); }

Status Model::Load(const void* blob, size_t blob_bytes) {
  Reset();
  if (blob == nullptr) return Status::kNullArgument;
  const uint8_t* bytes = static_cast<const uint8_t*>(blob);
  if ((reinterpret_cast<uintptr_t>(bytes) & 3u) != 0) return Status::kBlobMisaligned;
  Status status = LoadHeaderAndSections(bytes, blob_bytes);
  if (status == Status::kOk) status = LoadMetadata();
  if (status == Status::kOk) status = LoadQuantization();
  if (status == Status::kOk) status = LoadTensors();
  if (status == Status::kOk) status = LoadOperators();
  if (status == Status::kOk) status = LoadGraphIo();
  if (status == Status::kOk) status = LoadPlan();
  if (status == Status::kOk) status = CheckPlanLifetimes();
  if (status != Status::kOk) {
    Reset();
    return status;
  }
  loaded_ = true;
  return Status::kOk;
}

Status Model::LoadHeaderAndSections(const uint8_t* bytes, size_t available_bytes) {
  if (available_bytes < format::kHeaderBytes) return Status::kBlobTooSmall;
  const auto* header = At<format::FileHeader>(bytes, 0);
  if (header->magic != format::kMagic) return Status::kBadMagic;
  if (header->version_major != format::kVersionMajor) return Status::kUnsupportedVersion;
  if (header->header_bytes != format::kHeaderBytes || header->flags != 0 ||
      header->blob_bytes < format::kHeaderBytes) {
    return Status::kBadHeader;
  }
  if (header->blob_bytes > available_bytes) return Status::kBlobLengthMismatch;
  const uint32_t total = header->blob_bytes;

  // Section table: 4-aligned, after the header, inside the blob.
  const uint32_t table_offset = header->section_table_offset;
  const uint32_t section_count = header->section_count;
  if (section_count == 0 || section_count > format::kMaxSections || (table_offset & 3u) != 0 ||
      table_offset < format::kHeaderBytes ||
      !RangeInside(table_offset, section_count * kSectionEntryBytes, total)) {
    return Status::kBadSectionTable;
  }
  if (BlobCrc32(bytes, total) != header->crc32) return Status::kCrcMismatch;

  blob_ = bytes;
  blob_bytes_ = total;
  const uint32_t table_end = table_offset + section_count * kSectionEntryBytes;
  const auto* entries = At<format::SectionEntry>(bytes, table_offset);
  for (uint32_t i = 0; i < section_count; ++i) {
    const format::SectionEntry& entry = entries[i];
    if (entry.kind == 0 || entry.kind > format::kSectionKindCount) return Status::kUnknownSection;
    if (sections_[entry.kind].present) return Status::kDuplicateSection;
    const uint32_t required_alignment =
        entry.kind == static_cast<uint32_t>(format::SectionKind::kConstants)
            ? format::kConstantsAlignment
            : 4u;
    if (!core::IsPowerOfTwo(entry.alignment) || entry.alignment < required_alignment ||
        (entry.offset & (entry.alignment - 1)) != 0) {
      return Status::kSectionMisaligned;
    }
    if (!RangeInside(entry.offset, entry.length, total)) return Status::kSectionOutOfBounds;
    // Sections may not cover the header or the section table, nor each other.
    if (entry.length != 0 && entry.offset < table_end) return Status::kSectionsOverlap;
    for (uint32_t j = 0; j < i; ++j) {
      if (RangesOverlap(entry.offset, entry.length, entries[j].offset, entries[j].length)) {
        return Status::kSectionsOverlap;
      }
    }
    sections_[entry.kind] = SectionView{bytes + entry.offset, entry.length, true};
  }
  for (uint32_t kind = 1; kind <= format::kSectionKindCount; ++kind) {
    if (!sections_[kind].present) return Status::kMissingSection;
  }
  const SectionView& constants = sections_[static_cast<uint32_t>(format::SectionKind::kConstants)];
  constants_ = constants.data;
  constants_bytes_ = constants.bytes;
  return Status::kOk;
}

// kMetadata: uint32 entry_count, then entries (8-byte header, key, value, pad to 4). The entries
// must fill the section exactly; keys are printable ASCII and unique.
Status Model::LoadMetadata() {
  const SectionView& section = sections_[static_cast<uint32_t>(format::SectionKind::kMetadata)];
  if (section.bytes < 4) return Status::kMetadataMalformed;
  const uint32_t count = ReadU32(section.data, 0);
  uint32_t cursor = 4;
  for (uint32_t i = 0; i < count; ++i) {
    if (!RangeInside(cursor, kEntryHeaderBytes, section.bytes)) {
      return Status::kMetadataMalformed;
    }
    const auto* entry = At<format::MetadataEntryHeader>(section.data, cursor);
    if (entry->key_bytes == 0 || entry->key_bytes > 255) return Status::kMetadataMalformed;
    const uint16_t type = entry->value_type;
    if (type < static_cast<uint16_t>(format::MetadataType::kString) ||
        type > static_cast<uint16_t>(format::MetadataType::kJson)) {
      return Status::kMetadataMalformed;
    }
    if ((type == static_cast<uint16_t>(format::MetadataType::kInt64) ||
         type == static_cast<uint16_t>(format::MetadataType::kFloat64)) &&
        entry->value_bytes != 8) {
      return Status::kMetadataMalformed;
    }
    uint32_t entry_bytes = 0;
    if (!CheckedAdd(kEntryHeaderBytes + entry->key_bytes, entry->value_bytes,
                    &entry_bytes) ||
        !CheckedAdd(entry_bytes, 3u, &entry_bytes)) {
      return Status::kMetadataMalformed;
    }
    entry_bytes &= ~3u;
    if (!RangeInside(cursor, entry_bytes, section.bytes)) return Status::kMetadataMalformed;
    const uint8_t* key = section.data + cursor + kEntryHeaderBytes;
    for (uint32_t k = 0; k < entry->key_bytes; ++k) {
      if (key[k] < 0x20 || key[k] > 0x7E) return Status::kMetadataMalformed;
    }
    const uint32_t used = kEntryHeaderBytes + entry->key_bytes + entry->value_bytes;
    for (uint32_t p = used; p < entry_bytes; ++p) {
      if (section.data[cursor + p] != 0) return Status::kMetadataMalformed;
    }
    // Unique keys: compare with every earlier entry (metadata is small).
    uint32_t other = 4;
    for (uint32_t j = 0; j < i; ++j) {
      const auto* previous = At<format::MetadataEntryHeader>(section.data, other);
      if (previous->key_bytes == entry->key_bytes &&
          memcmp(section.data + other + kEntryHeaderBytes, key,
                 entry->key_bytes) == 0) {
        return Status::kMetadataMalformed;
      }
      other += (kEntryHeaderBytes + previous->key_bytes +
                previous->value_bytes + 3u) & ~3u;
    }
    cursor += entry_bytes;
  }
  if (cursor != section.bytes) return Status::kMetadataMalformed;
  metadata_ = section.data;
  metadata_bytes_ = section.bytes;
  metadata_count_ = count;
  return Status::kOk;
}

// kQuantization: record shapes and arrays; the per-tensor link (axis, channel count) is checked
// in LoadTensors, where the tensor's dims are known.
Status Model::LoadQuantization() {
  const SectionView& section =
      sections_[static_cast<uint32_t>(format::SectionKind::kQuantization)];
  if (section.bytes < kTableHeaderBytes) return Status::kQuantizationMalformed;
  const uint32_t count = ReadU32(section.data, 0);
  uint32_t records_bytes = 0;
  if (ReadU32(section.data, 4) != 0 ||
      !CheckedMul(count, sizeof(format::QuantRecord), &records_bytes) ||
      records_bytes != section.bytes - kTableHeaderBytes) {
    return Status::kQuantizationMalformed;
  }
  quants_ = At<format::QuantRecord>(section.data, kTableHeaderBytes);
  quant_count_ = count;
  for (uint32_t i = 0; i < count; ++i) {
    const format::QuantRecord& record = quants_[i];
    uint32_t array_bytes = 0;
    if (record.channel_count == 0 || record.axis >= format::kMaxRank ||
        !CheckedMul(record.channel_count, 4u, &array_bytes) || (record.scales_offset & 3u) != 0 ||
        (record.zero_points_offset & 3u) != 0 ||
        !RangeInside(record.scales_offset, array_bytes, constants_bytes_) ||
        !RangeInside(record.zero_points_offset, array_bytes, constants_bytes_)) {
      return Status::kQuantizationMalformed;
    }
    const float* scales = quant_scales(record);
    for (uint32_t c = 0; c < record.channel_count; ++c) {
      if (!IsFiniteFloat(scales[c]) || !(scales[c] > 0.0f)) return Status::kBadScale;
    }
  }
  return Status::kOk;
}

Status Model::LoadTensors() {
  const SectionView& section = sections_[static_cast<uint32_t>(format::SectionKind::kTensors)];
  if (section.bytes < kTableHeaderBytes) return Status::kTensorTableMalformed;
  const uint32_t count = ReadU32(section.data, 0);
  uint32_t records_bytes = 0;
  // Tensor indices are uint16 in op lists, with 0xFFFF reserved for kNoTensor.
  if (count == 0 || count >= format::kNoTensor || ReadU32(section.data, 4) != 0 ||
      !CheckedMul(count, sizeof(format::TensorRecord), &records_bytes) ||
      records_bytes != section.bytes - kTableHeaderBytes) {
    return Status::kTensorTableMalformed;
  }
  tensors_ = At<format::TensorRecord>(section.data, kTableHeaderBytes);
  tensor_count_ = count;
  for (uint32_t i = 0; i < count; ++i) {
    const format::TensorRecord& tensor = tensors_[i];
    const uint32_t element_bytes = format::DTypeBytes(tensor.dtype);
    if (element_bytes == 0) return Status::kUnknownDType;
    if (tensor.rank > format::kMaxRank) return Status::kBadRank;
    if (tensor.reserved != 0 ||
        tensor.kind > static_cast<uint8_t>(format::TensorKind::kConstant)) {
      return Status::kTensorTableMalformed;
    }
    uint32_t elements = 1;
    for (uint32_t d = 0; d < format::kMaxRank; ++d) {
      if (d < tensor.rank) {
        if (tensor.dims[d] == 0 || !CheckedMul(elements, tensor.dims[d], &elements)) {
          return Status::kBadDimension;
        }
      } else if (tensor.dims[d] != 0) {
        return Status::kBadDimension;
      }
    }
    uint32_t data_bytes = 0;
    if (!CheckedMul(elements, element_bytes, &data_bytes)) return Status::kBadDimension;
    if (data_bytes != tensor.data_bytes) return Status::kTensorBytesMismatch;
    if (tensor.kind == static_cast<uint8_t>(format::TensorKind::kConstant)) {
      if ((tensor.data_offset & (format::kConstantsAlignment - 1)) != 0 ||
          !RangeInside(tensor.data_offset, tensor.data_bytes, constants_bytes_)) {
        return Status::kConstantOutOfBounds;
      }
    } else if (tensor.data_offset != format::kNone32) {
      return Status::kTensorTableMalformed;
    }
    if (tensor.name_key != format::kNone32 && tensor.name_key >= metadata_count_) {
      return Status::kTensorTableMalformed;
    }
    if (tensor.quantization != format::kNone32) {
      if (tensor.quantization >= quant_count_) return Status::kQuantizationMalformed;
      if (tensor.dtype == static_cast<uint8_t>(format::DType::kFloat32)) {
        return Status::kQuantizationMalformed;
      }
      const format::QuantRecord& record = quants_[tensor.quantization];
      if (record.channel_count != 1 &&
          (record.axis >= tensor.rank || tensor.dims[record.axis] != record.channel_count)) {
        return Status::kQuantizationMalformed;
      }
      if (tensor.dtype == static_cast<uint8_t>(format::DType::kInt8)) {
        const int32_t* zero_points = quant_zero_points(record);
        for (uint32_t c = 0; c < record.channel_count; ++c) {
          if (zero_points[c] < -128 || zero_points[c] > 127) return Status::kQuantizationMalformed;
        }
      }
    }
  }
  return Status::kOk;
}

uint32_t Model::arena_bytes() const { return plan_ != nullptr ? plan_->arena_bytes : 0; }

const uint8_t* Model::constant_data(uint32_t tensor_index) const {
  const format::TensorRecord& record = tensors_[tensor_index];
  if (record.kind != static_cast<uint8_t>(format::TensorKind::kConstant)) return nullptr;
  return constants_ + record.data_offset;
}

const format::QuantRecord* Model::quant(uint32_t tensor_index) const {
  const uint32_t index = tensors_[tensor_index].quantization;
  return index == format::kNone32 ? nullptr : &quants_[index];
}

const float* Model::quant_scales(const format::QuantRecord& record) const {
  return reinterpret_cast<const float*>(constants_ + record.scales_offset);
}

const int32_t* Model::quant_zero_points(const format::QuantRecord& record) const {
  return reinterpret_cast<const int32_t*>(constants_ + record.zero_points_offset);
}

Status Model::MetadataAt(uint32_t index, const char** key, uint32_t* key_bytes,
                         MetadataValue* value) const {
  if (!loaded_) return Status::kNotLoaded;
  if (key == nullptr || key_bytes == nullptr || value == nullptr) return Status::kNullArgument;
  if (index >= metadata_count_) return Status::kIndexOutOfRange;
  uint32_t cursor = 4;
  for (uint32_t i = 0;; ++i) {
    const auto* entry = At<format::MetadataEntryHeader>(metadata_, cursor);
    if (i == index) {
      *key = reinterpret_cast<const char*>(metadata_ + cursor + kEntryHeaderBytes);
      *key_bytes = entry->key_bytes;
      value->type = static_cast<format::MetadataType>(entry->value_type);
      value->bytes = metadata_ + cursor + kEntryHeaderBytes + entry->key_bytes;
      value->byte_count = entry->value_bytes;
      return Status::kOk;
    }
    cursor += (kEntryHeaderBytes + entry->key_bytes + entry->value_bytes + 3u) & ~3u;
  }
}

Status Model::FindMetadata(const char* key, MetadataValue* value) const {
  if (!loaded_) return Status::kNotLoaded;
  if (key == nullptr || value == nullptr) return Status::kNullArgument;
  const size_t wanted_bytes = strlen(key);
  for (uint32_t i = 0; i < metadata_count_; ++i) {
    const char* entry_key = nullptr;
    uint32_t entry_key_bytes = 0;
    MetadataValue entry_value{};
    if (MetadataAt(i, &entry_key, &entry_key_bytes, &entry_value) != Status::kOk) break;
    if (entry_key_bytes == wanted_bytes && memcmp(entry_key, key, wanted_bytes) == 0) {
      *value = entry_value;
      return Status::kOk;
    }
  }
  return Status::kKeyNotFound;
}

}  // namespace tinyforge
