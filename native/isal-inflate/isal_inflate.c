/*
 * A streaming gzip inflater for layer blobs on Intel's ISA-L (igzip), which inflates about twice
 * as fast as zlib. Each call inflates one input slice into one output slice on libuv's thread pool,
 * as node:zlib does, so the main thread hashes and parses the previous chunk meanwhile. The
 * JavaScript side (src/image/isal-gunzip.ts) drives it as a Transform and handles gzip members.
 *
 * Memory safety: offsets and lengths are checked against the buffers before any work; the buffers,
 * the callback and the inflater are held by references while a call runs; an inflater runs one
 * call at a time.
 */
#include <node_api.h>
#include <isa-l/igzip_lib.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
  struct inflate_state state;
  int busy;
} Inflater;

typedef struct {
  napi_async_work work;
  napi_ref handle_ref;
  napi_ref input_ref;
  napi_ref output_ref;
  napi_ref callback_ref;
  Inflater *inflater;
  uint8_t *in;
  uint32_t in_len;
  uint8_t *out;
  uint32_t out_len;
  int status;
  uint32_t consumed;
  uint32_t produced;
  int ended;
} Job;

#define CHECK(env, call)                                  \
  do {                                                    \
    if ((call) != napi_ok) {                              \
      napi_throw_error((env), NULL, "isal_inflate: " #call); \
      return NULL;                                        \
    }                                                     \
  } while (0)

static void start_member(Inflater *inflater) {
  isal_inflate_init(&inflater->state);
  /* The header is read in JavaScript (src/image/gzip-header.ts): ISA-L 2.30 skips the header CRC
   * check when a header is split across calls. It verifies the trailer (CRC-32 and size). */
  inflater->state.crc_flag = ISAL_GZIP_NO_HDR_VER;
}

static void finalize_inflater(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static napi_value create(napi_env env, napi_callback_info info) {
  (void)info;
  Inflater *inflater = calloc(1, sizeof(Inflater));
  if (inflater == NULL) {
    napi_throw_error(env, NULL, "isal_inflate: out of memory");
    return NULL;
  }
  start_member(inflater);
  napi_value handle;
  if (napi_create_external(env, inflater, finalize_inflater, NULL, &handle) != napi_ok) {
    free(inflater);
    napi_throw_error(env, NULL, "isal_inflate: cannot create the handle");
    return NULL;
  }
  return handle;
}

static Inflater *inflater_of(napi_env env, napi_value value) {
  napi_valuetype type;
  void *data = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "isal_inflate: not an inflater");
    return NULL;
  }
  return (Inflater *)data;
}

/* reset(handle): ready for the deflate data of the next gzip member of a multi-member stream. */
static napi_value reset(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "isal_inflate: reset(handle)");
    return NULL;
  }
  Inflater *inflater = inflater_of(env, argv[0]);
  if (inflater == NULL) return NULL;
  if (inflater->busy) {
    napi_throw_error(env, NULL, "isal_inflate: reset while a call runs");
    return NULL;
  }
  start_member(inflater);
  return NULL;
}

/* A byte range of a Buffer (or any Uint8Array), checked. */
static int slice_of(napi_env env, napi_value array, napi_value offset_value, napi_value length_value,
                    uint8_t **data, uint32_t *length) {
  napi_typedarray_type type;
  size_t size;
  void *base;
  uint32_t offset;
  if (napi_get_typedarray_info(env, array, &type, &size, &base, NULL, NULL) != napi_ok ||
      type != napi_uint8_array || napi_get_value_uint32(env, offset_value, &offset) != napi_ok ||
      napi_get_value_uint32(env, length_value, length) != napi_ok) {
    napi_throw_type_error(env, NULL, "isal_inflate: expected (Uint8Array, offset, length)");
    return 0;
  }
  if ((size_t)offset > size || (size_t)*length > size - (size_t)offset) {
    napi_throw_range_error(env, NULL, "isal_inflate: range outside the buffer");
    return 0;
  }
  *data = (uint8_t *)base + offset;
  return 1;
}

static void execute(napi_env env, void *data) {
  (void)env;
  Job *job = data;
  struct inflate_state *state = &job->inflater->state;
  state->next_in = job->in;
  state->avail_in = job->in_len;
  state->next_out = job->out;
  state->avail_out = job->out_len;
  job->status = isal_inflate(state);
  job->consumed = job->in_len - state->avail_in;
  job->produced = job->out_len - state->avail_out;
  job->ended = state->block_state == ISAL_BLOCK_FINISH;
  /* No pointer into this call's buffers may outlive it. */
  state->next_in = NULL;
  state->avail_in = 0;
  state->next_out = NULL;
  state->avail_out = 0;
}

static void complete(napi_env env, napi_status status, void *data) {
  Job *job = data;
  napi_value callback, global, argv[4], ignored;
  job->inflater->busy = 0;
  if (status == napi_cancelled) job->status = -100;
  napi_get_reference_value(env, job->callback_ref, &callback);
  napi_get_global(env, &global);
  napi_create_int32(env, job->status, &argv[0]);
  napi_create_uint32(env, job->consumed, &argv[1]);
  napi_create_uint32(env, job->produced, &argv[2]);
  napi_get_boolean(env, job->ended, &argv[3]);
  napi_delete_reference(env, job->handle_ref);
  napi_delete_reference(env, job->input_ref);
  napi_delete_reference(env, job->output_ref);
  napi_delete_reference(env, job->callback_ref);
  napi_delete_async_work(env, job->work);
  free(job);
  /* A throwing callback becomes an uncaught exception, as with any native callback. */
  napi_make_callback(env, NULL, global, callback, 4, argv, &ignored);
}

/*
 * inflate(handle, input, inOffset, inLength, output, outOffset, outLength, callback):
 * callback(status, consumed, produced, memberEnded); status is ISA-L's (0 ok, negative: corrupt).
 */
static napi_value inflate(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 8) {
    napi_throw_type_error(env, NULL, "isal_inflate: inflate(handle, in, inOff, inLen, out, outOff, outLen, cb)");
    return NULL;
  }
  Inflater *inflater = inflater_of(env, argv[0]);
  if (inflater == NULL) return NULL;
  if (inflater->busy) {
    napi_throw_error(env, NULL, "isal_inflate: an inflater runs one call at a time");
    return NULL;
  }
  napi_valuetype cb_type;
  CHECK(env, napi_typeof(env, argv[7], &cb_type));
  if (cb_type != napi_function) {
    napi_throw_type_error(env, NULL, "isal_inflate: callback must be a function");
    return NULL;
  }
  uint8_t *in, *out;
  uint32_t in_len, out_len;
  if (!slice_of(env, argv[1], argv[2], argv[3], &in, &in_len)) return NULL;
  if (!slice_of(env, argv[4], argv[5], argv[6], &out, &out_len)) return NULL;

  Job *job = calloc(1, sizeof(Job));
  if (job == NULL) {
    napi_throw_error(env, NULL, "isal_inflate: out of memory");
    return NULL;
  }
  job->inflater = inflater;
  job->in = in;
  job->in_len = in_len;
  job->out = out;
  job->out_len = out_len;
  napi_value name;
  if (napi_create_reference(env, argv[0], 1, &job->handle_ref) != napi_ok ||
      napi_create_reference(env, argv[1], 1, &job->input_ref) != napi_ok ||
      napi_create_reference(env, argv[4], 1, &job->output_ref) != napi_ok ||
      napi_create_reference(env, argv[7], 1, &job->callback_ref) != napi_ok ||
      napi_create_string_utf8(env, "isal-inflate", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    /* References leak only on this path, which N-API reaches only when the VM is failing. */
    free(job);
    napi_throw_error(env, NULL, "isal_inflate: cannot queue the work");
    return NULL;
  }
  inflater->busy = 1;
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
      {"reset", NULL, reset, NULL, NULL, NULL, napi_default, NULL},
      {"inflate", NULL, inflate, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, 3, properties));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
