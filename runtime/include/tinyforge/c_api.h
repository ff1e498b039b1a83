/* The C ABI of the runtime: an opaque interpreter living in caller-provided storage, so C
 * firmware (and other languages' FFIs) can load, prepare and run a .tfm model without a heap.
 *
 *   static uint8_t storage[TFORGE_INTERPRETER_STORAGE_BYTES] __attribute__((aligned(8)));
 *   static uint8_t arena[ARENA_BYTES] __attribute__((aligned(16)));
 *   tforge_interpreter* interpreter;
 *   int status = tforge_interpreter_init(storage, sizeof storage, tforge_all_ops_resolver(),
 *                                        blob, blob_bytes, arena, sizeof arena, &interpreter);
 *   if (status != TFORGE_OK) puts(tforge_status_name(status));
 *
 * Every function returns a status code (0 = TFORGE_OK; other values are tinyforge::Status, named
 * by tforge_status_name). The blob, the arena and the storage must outlive the interpreter. */
#ifndef TINYFORGE_C_API_H_
#define TINYFORGE_C_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of storage one interpreter needs (checked against sizeof at compile time): 256 on a
 * 32-bit MCU, 512 on a 64-bit host. Align the storage to TFORGE_INTERPRETER_STORAGE_ALIGNMENT. */
#define TFORGE_INTERPRETER_STORAGE_BYTES (64 * sizeof(void*))
#define TFORGE_INTERPRETER_STORAGE_ALIGNMENT 8
#define TFORGE_OK 0

typedef struct tforge_interpreter tforge_interpreter;
/* A tinyforge::OpResolver seen from C. */
typedef struct tforge_op_resolver tforge_op_resolver;

/* Every op with the default kernels (AllOpsResolver()); links all kernels into the image. */
const tforge_op_resolver* tforge_all_ops_resolver(void);

/* Constructs an interpreter in storage, loads and validates the blob and prepares it in the
 * arena. On success *out points into storage; on failure *out is NULL and nothing needs freeing.
 * Errors: kNullArgument, kBufferTooSmall (storage), kStorageMisaligned, any Load/Prepare status. */
int tforge_interpreter_init(void* storage, size_t storage_bytes,
                            const tforge_op_resolver* resolver, const void* blob,
                            size_t blob_bytes, void* arena, size_t arena_bytes,
                            tforge_interpreter** out);
/* Destroys the interpreter (the storage may then be reused). NULL is ignored. */
void tforge_interpreter_free(tforge_interpreter* interpreter);
/* Runs the model once on the current input bytes. */
int tforge_interpreter_invoke(tforge_interpreter* interpreter);

uint32_t tforge_interpreter_input_count(const tforge_interpreter* interpreter);
uint32_t tforge_interpreter_output_count(const tforge_interpreter* interpreter);
/* Arena bytes the model's plan needs (exact); 0 when the blob does not validate. */
uint32_t tforge_model_arena_bytes(const void* blob, size_t blob_bytes);
/* Pointer to graph input `index` inside the arena and its size in bytes (writable). */
int tforge_interpreter_input(tforge_interpreter* interpreter, uint32_t index, void** data,
                             size_t* bytes);
/* Pointer to graph output `index` and its size in bytes (valid until the next invoke). */
int tforge_interpreter_output(const tforge_interpreter* interpreter, uint32_t index,
                              const void** data, size_t* bytes);
/* "Ok", "CrcMismatch", ...; "Unknown" for values that are not a status. Never NULL. */
const char* tforge_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORGE_C_API_H_ */
