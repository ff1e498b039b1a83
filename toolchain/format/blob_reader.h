// Reading .tfm blobs on the host: load a file, validate it with the device loader (Model::Load,
// so host and device accept exactly the same bytes), and describe it for `tinyforge inspect`.
#ifndef TINYFORGE_TOOLCHAIN_FORMAT_BLOB_READER_H_
#define TINYFORGE_TOOLCHAIN_FORMAT_BLOB_READER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tinyforge/model.h"
#include "toolchain/ir/result.h"

namespace tinyforge::toolchain {

// A blob copied into 16-aligned storage and validated. The Model borrows `bytes`, so a
// LoadedBlob is move-only and keeps its storage on the heap (moves do not invalidate the Model).
class LoadedBlob {
 public:
  const Model& model() const { return *model_; }
  std::span<const uint8_t> bytes() const { return {storage_.get(), size_}; }

 private:
  friend Result<LoadedBlob> LoadBlob(std::span<const uint8_t> blob);
  struct AlignedDelete {
    void operator()(uint8_t* p) const { ::operator delete[](p, std::align_val_t{16}); }
  };
  std::unique_ptr<uint8_t[], AlignedDelete> storage_;
  size_t size_ = 0;
  std::unique_ptr<Model> model_;
};

// Copies and validates; the error names the failing loader status, e.g. "CrcMismatch".
Result<LoadedBlob> LoadBlob(std::span<const uint8_t> blob);

// Reads a whole file; the error names the path.
Result<std::vector<uint8_t>> ReadFileBytes(const std::string& path);
Result<void> WriteFileBytes(const std::string& path, std::span<const uint8_t> bytes);

// A human-readable summary: header, sections, metadata, tensors (dtype, shape, kind, bytes,
// arena offset, quantization), ops (inputs -> output, scratch) and the arena size.
std::string DescribeModel(const Model& model);

}  // namespace tinyforge::toolchain

#endif  // TINYFORGE_TOOLCHAIN_FORMAT_BLOB_READER_H_
