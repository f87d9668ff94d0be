/*
 * A streaming gzip inflater for layer blobs on Intel's ISA-L (igzip), which inflates about twice as
 * fast as zlib, on a thread of its own that runs ahead of JavaScript.
 *
 * Why a thread that runs ahead: node:zlib (and a plain async call per chunk) inflate one chunk and
 * then wait until the main thread has taken it before inflating the next. Whenever the main thread
 * is busy with a chunk (hashing, tar parsing, the catalog's analyzers), inflating stops. Here the
 * inflater fills the output buffers JavaScript has lent it, as many as it was given (a few chunks),
 * while the main thread works; memory stays bounded by those buffers and a short input queue.
 *
 * The JavaScript side (src/image/isal-gunzip.ts) reads the gzip header of each member (ISA-L 2.30
 * skips the header CRC check when a header is split across calls) and gives this file the deflate
 * data; ISA-L checks the trailer (CRC-32 and size). At a member's end the thread stops, and
 * JavaScript takes the unread input back to read what follows (padding or the next member's header).
 *
 * Memory safety: input and output buffers are JavaScript Buffers that JavaScript keeps referenced
 * until the thread reports them consumed or filled, or the inflater is closed (which joins the
 * thread); all shared state is under one mutex; offsets and lengths are checked.
 */
#include <node_api.h>
#include <isa-l/igzip_lib.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Append `item` to a singly linked queue (head, tail); the caller holds the lock. */
#define QUEUE_PUSH(head, tail, item) \
  do {                               \
    (item)->next = NULL;             \
    if (tail) (tail)->next = (item); \
    else (head) = (item);            \
    (tail) = (item);                 \
  } while (0)

/* Events for JavaScript, in order. */
enum { EV_OUTPUT = 0, EV_INPUT_TAKEN = 1, EV_MEMBER_END = 2, EV_ERROR = 3 };
/* A status of our own: the input ended inside a member. */
#define STATUS_TRUNCATED (-101)

/* Input bytes stay in JavaScript's Buffer, which JavaScript keeps referenced until the thread
 * reports them consumed (EV_INPUT_TAKEN), takeRest() hands them back, or close() returns. */
typedef struct Input {
  struct Input *next;
  uint32_t length;
  uint32_t offset;
  const uint8_t *bytes;
  /* Bytes of our own (malloc'd), when two inputs were merged; NULL for JavaScript's. */
  uint8_t *owned;
  /* This input is one of JavaScript's writes: its consumption is reported (EV_INPUT_TAKEN). */
  int counted;
} Input;

static void free_input(Input *input) {
  free(input->owned);
  free(input);
}

typedef struct Output {
  struct Output *next;
  int32_t slot;
  uint8_t *data;
  uint32_t length;
  uint32_t filled;
} Output;

typedef struct Event {
  struct Event *next;
  int kind;
  int32_t value;     /* slot, count of inputs taken, or status */
  uint32_t length;   /* output bytes */
} Event;

typedef struct {
  struct inflate_state state;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  pthread_t thread;
  int thread_started;
  napi_threadsafe_function notify;
  /* Shared state (under lock). */
  Input *in_head, *in_tail;
  Output *out_head, *out_tail;
  Event *ev_head, *ev_tail;
  int input_ended;
  int paused; /* a member ended: waiting for resume() or close() */
  int stopping;
  int failed;
  int notify_pending;
  int output_was_full; /* the last call filled its buffer: ISA-L may hold more output */
  int stalled;         /* ISA-L took nothing from the last input: it needs the next one too */
  /* The last bytes ISA-L consumed, oldest first: at a member's end it may give back bytes it had
   * buffered from earlier inputs (its bit buffer holds up to 8), which are gone from the queue. */
  uint8_t recent[16];
  uint32_t recent_length;
  int32_t inputs_taken;
  int closed;
  /* The handle's finalizer and the notifier's both hold the struct; the last one frees it. */
  int holders;
  /* Reported when an event cannot be allocated, so that JavaScript hears of the failure. */
  Event out_of_memory;
  int out_of_memory_sent;
} Inflater;

static void start_member(Inflater *inflater) {
  isal_inflate_init(&inflater->state);
  inflater->state.crc_flag = ISAL_GZIP_NO_HDR_VER;
}

/* Under lock. */
static void push_event(Inflater *inflater, Event *event) {
  QUEUE_PUSH(inflater->ev_head, inflater->ev_tail, event);
  if (!inflater->notify_pending) {
    inflater->notify_pending = 1;
    napi_call_threadsafe_function(inflater->notify, NULL, napi_tsfn_nonblocking);
  }
}

static void push_simple(Inflater *inflater, int kind, int32_t value, uint32_t length) {
  Event *event = calloc(1, sizeof(Event));
  if (event == NULL) {
    inflater->failed = 1;
    if (!inflater->out_of_memory_sent) {
      inflater->out_of_memory_sent = 1;
      inflater->out_of_memory.kind = EV_ERROR;
      inflater->out_of_memory.value = -102;
      push_event(inflater, &inflater->out_of_memory);
    }
    return;
  }
  event->kind = kind;
  event->value = value;
  event->length = length;
  push_event(inflater, event);
}

/* Under lock: report inputs fully consumed since the last report. */
static void flush_inputs_taken(Inflater *inflater) {
  if (inflater->inputs_taken > 0) {
    push_simple(inflater, EV_INPUT_TAKEN, inflater->inputs_taken, 0);
    inflater->inputs_taken = 0;
  }
}

/* Under lock: the head output buffer goes to JavaScript. */
static void emit_output(Inflater *inflater) {
  Output *out = inflater->out_head;
  inflater->out_head = out->next;
  if (inflater->out_head == NULL) inflater->out_tail = NULL;
  flush_inputs_taken(inflater);
  push_simple(inflater, EV_OUTPUT, out->slot, out->filled);
  free(out);
}

static void fail(Inflater *inflater, int status) {
  inflater->failed = 1;
  if (inflater->out_head && inflater->out_head->filled > 0) emit_output(inflater);
  flush_inputs_taken(inflater);
  push_simple(inflater, EV_ERROR, status, 0);
}

/* Under lock: keep the last 16 bytes ISA-L consumed (see Inflater.recent). */
static void remember_consumed(Inflater *inflater, const uint8_t *bytes, uint32_t length) {
  const uint32_t size = sizeof inflater->recent;
  if (length >= size) {
    memcpy(inflater->recent, bytes + length - size, size);
    inflater->recent_length = size;
    return;
  }
  uint32_t keep = inflater->recent_length + length > size ? size - length : inflater->recent_length;
  memmove(inflater->recent, inflater->recent + inflater->recent_length - keep, keep);
  memcpy(inflater->recent + keep, bytes, length);
  inflater->recent_length = keep + length;
}

/* Under lock: whether the thread has something to do. */
static int can_run(Inflater *inflater) {
  if (inflater->paused || inflater->out_head == NULL) return 0;
  if (inflater->in_head == NULL) return inflater->input_ended || inflater->output_was_full;
  if (inflater->stalled) return inflater->in_head->next != NULL || inflater->input_ended;
  return 1;
}

/*
 * Under lock: the head input's unread bytes and the next input, as one input of our own. ISA-L
 * takes nothing from an input too short for what it needs next (the 8-byte trailer, say, split
 * across two reads), so it must see them together.
 */
static int merge_head(Inflater *inflater) {
  Input *head = inflater->in_head;
  Input *next = head->next;
  uint32_t a = head->length - head->offset;
  uint32_t b = next->length - next->offset;
  Input *merged = malloc(sizeof(Input));
  uint8_t *bytes = malloc((size_t)a + b);
  if (merged == NULL || bytes == NULL || (uint64_t)a + b > UINT32_MAX) {
    free(merged);
    free(bytes);
    return 0;
  }
  memcpy(bytes, head->bytes + head->offset, a);
  memcpy(bytes + a, next->bytes + next->offset, b);
  merged->bytes = bytes;
  merged->owned = bytes;
  merged->length = a + b;
  merged->offset = 0;
  merged->counted = 0;
  merged->next = next->next;
  if (head->counted) inflater->inputs_taken++;
  if (next->counted) inflater->inputs_taken++;
  free_input(head);
  free_input(next);
  inflater->in_head = merged;
  if (merged->next == NULL) inflater->in_tail = merged;
  return 1;
}

static void *run(void *arg) {
  Inflater *inflater = arg;
  pthread_mutex_lock(&inflater->lock);
  for (;;) {
    while (!inflater->stopping && !inflater->failed && !can_run(inflater)) {
      pthread_cond_wait(&inflater->wake, &inflater->lock);
    }
    if (inflater->stopping || inflater->failed) break;
    Output *out = inflater->out_head;
    Input *in = inflater->in_head;
    struct inflate_state *state = &inflater->state;
    uint32_t in_avail = in ? in->length - in->offset : 0;
    uint32_t out_avail = out->length - out->filled;
    state->next_in = in ? (uint8_t *)(in->bytes + in->offset) : NULL; /* ISA-L only reads it */
    state->avail_in = in_avail;
    state->next_out = out->data + out->filled;
    state->avail_out = out_avail;
    /* The buffers stay put while unlocked: only this thread frees inputs and consumes outputs,
     * and close() joins this thread before JavaScript may drop an output buffer. */
    pthread_mutex_unlock(&inflater->lock);
    int status = isal_inflate(state);
    pthread_mutex_lock(&inflater->lock);
    /* ISA-L may end a member having given back more than this call's input: the rest comes from
     * bytes it buffered in earlier calls (`recent`). */
    uint32_t given_back = state->avail_in > in_avail ? state->avail_in - in_avail : 0;
    uint32_t consumed = given_back > 0 ? 0 : in_avail - state->avail_in;
    uint32_t produced = out_avail - state->avail_out;
    if (in && consumed > 0) remember_consumed(inflater, in->bytes + in->offset, consumed);
    if (given_back > 0) {
      Input *back = given_back <= inflater->recent_length ? malloc(sizeof(Input)) : NULL;
      uint8_t *bytes = back ? malloc(given_back) : NULL;
      if (bytes == NULL) {
        free(back);
        fail(inflater, -104);
        break;
      }
      memcpy(bytes, inflater->recent + inflater->recent_length - given_back, given_back);
      inflater->recent_length -= given_back;
      back->bytes = bytes;
      back->owned = bytes;
      back->length = given_back;
      back->offset = 0;
      back->counted = 0;
      back->next = inflater->in_head;
      inflater->in_head = back;
      if (inflater->in_tail == NULL) inflater->in_tail = back;
      in = NULL; /* the current input is untouched: nothing of it was consumed */
    }
    int member_ended = state->block_state == ISAL_BLOCK_FINISH;
    state->next_in = NULL;
    state->next_out = NULL;
    state->avail_in = 0;
    state->avail_out = 0;
    out->filled += produced;
    inflater->output_was_full = out->filled == out->length && !member_ended;
    if (in) {
      in->offset += consumed;
      if (in->offset == in->length) {
        inflater->in_head = in->next;
        if (inflater->in_head == NULL) inflater->in_tail = NULL;
        if (in->counted) inflater->inputs_taken++;
        free_input(in);
      }
    }
    if (status < 0) {
      fail(inflater, status);
      break;
    }
    if (out->filled == out->length) emit_output(inflater);
    if (member_ended) {
      if (inflater->out_head && inflater->out_head->filled > 0) emit_output(inflater);
      flush_inputs_taken(inflater);
      /* JavaScript takes the unread input (take_rest) and reads what follows the member. */
      push_simple(inflater, EV_MEMBER_END, 0, 0);
      inflater->paused = 1;
      continue;
    }
    if (consumed == 0 && produced == 0) {
      if (inflater->in_head == NULL) {
        if (inflater->input_ended) {
          fail(inflater, STATUS_TRUNCATED);
          break;
        }
        /* Needs more input: give back what was filled so far, so nothing waits on it. */
        flush_inputs_taken(inflater);
        continue;
      }
      /* Input left but not taken: ISA-L needs more of it at once than this input has. */
      if (inflater->in_head->next != NULL) {
        if (!merge_head(inflater)) {
          fail(inflater, -102);
          break;
        }
        inflater->stalled = 0;
        continue;
      }
      if (inflater->input_ended) {
        fail(inflater, STATUS_TRUNCATED);
        break;
      }
      inflater->stalled = 1; /* until the next write */
      flush_inputs_taken(inflater);
      continue;
    }
    inflater->stalled = 0;
    if (inflater->in_head == NULL) flush_inputs_taken(inflater);
  }
  pthread_mutex_unlock(&inflater->lock);
  return NULL;
}

/* On the main thread: deliver events to JavaScript's callback(kind, value, length). */
static void call_js(napi_env env, napi_value callback, void *context, void *data) {
  (void)data;
  Inflater *inflater = context;
  if (env == NULL || callback == NULL || inflater->closed) return;
  pthread_mutex_lock(&inflater->lock);
  Event *event = inflater->ev_head;
  inflater->ev_head = inflater->ev_tail = NULL;
  inflater->notify_pending = 0;
  pthread_mutex_unlock(&inflater->lock);
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  while (event) {
    Event *next = event->next;
    napi_value argv[3], ignored;
    napi_create_int32(env, event->kind, &argv[0]);
    napi_create_int32(env, event->value, &argv[1]);
    napi_create_uint32(env, event->length, &argv[2]);
    if (event != &inflater->out_of_memory) free(event);
    /* Stop delivering once JavaScript closed the inflater from inside a callback. */
    if (inflater->closed) {
      while (next) {
        Event *after = next->next;
        if (next != &inflater->out_of_memory) free(next);
        next = after;
      }
      return;
    }
    if (napi_call_function(env, undefined, callback, 3, argv, &ignored) != napi_ok) {
      /* The callback threw (isal-gunzip.ts catches its own errors, so this is a bug there): report
       * it as Node reports an exception from any native callback, and deliver nothing more. */
      napi_value exception;
      if (napi_get_and_clear_last_exception(env, &exception) == napi_ok) napi_fatal_exception(env, exception);
      while (next) {
        Event *after = next->next;
        if (next != &inflater->out_of_memory) free(next);
        next = after;
      }
      return;
    }
    event = next;
  }
}

static void stop_thread(Inflater *inflater) {
  if (!inflater->thread_started) return;
  pthread_mutex_lock(&inflater->lock);
  inflater->stopping = 1;
  pthread_cond_signal(&inflater->wake);
  pthread_mutex_unlock(&inflater->lock);
  pthread_join(inflater->thread, NULL);
  inflater->thread_started = 0;
}

static void free_queues(Inflater *inflater) {
  while (inflater->in_head) {
    Input *i = inflater->in_head;
    inflater->in_head = i->next;
    free_input(i);
  }
  inflater->in_tail = NULL;
  while (inflater->out_head) {
    Output *o = inflater->out_head;
    inflater->out_head = o->next;
    free(o);
  }
  inflater->out_tail = NULL;
  while (inflater->ev_head) {
    Event *e = inflater->ev_head;
    inflater->ev_head = e->next;
    if (e != &inflater->out_of_memory) free(e);
  }
  inflater->ev_tail = NULL;
}

static void release_holder(Inflater *inflater) {
  if (--inflater->holders > 0) return;
  stop_thread(inflater);
  free_queues(inflater);
  pthread_mutex_destroy(&inflater->lock);
  pthread_cond_destroy(&inflater->wake);
  free(inflater);
}

/* Both finalizers run on the main thread. */
static void finalize_handle(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  release_holder(data);
}

static void finalize_notifier(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  /* At an environment's teardown this may come before the handle's finalizer, with the thread
   * still running: it must not call the notifier once the notifier is gone. */
  stop_thread(data);
  release_holder(data);
}

/* Stop the thread and the notifier; JavaScript may drop its output buffers after this. */
static void close_now(Inflater *inflater) {
  if (inflater->closed) return;
  inflater->closed = 1;
  stop_thread(inflater);
  free_queues(inflater);
  napi_release_threadsafe_function(inflater->notify, napi_tsfn_abort);
}

static Inflater *inflater_of(napi_env env, napi_value value) {
  napi_valuetype type;
  void *data = NULL;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_external ||
      napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "isal_inflate: not an inflater");
    return NULL;
  }
  return data;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, Inflater **inflater) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "isal_inflate: missing arguments");
    return 0;
  }
  *inflater = inflater_of(env, argv[0]);
  return *inflater != NULL;
}

/* create(callback): an inflater whose thread reports to callback(kind, value, length). */
static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_valuetype type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_typeof(env, argv[0], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, NULL, "isal_inflate: create(callback)");
    return NULL;
  }
  Inflater *inflater = calloc(1, sizeof(Inflater));
  if (inflater == NULL) {
    napi_throw_error(env, NULL, "isal_inflate: out of memory");
    return NULL;
  }
  pthread_mutex_init(&inflater->lock, NULL);
  pthread_cond_init(&inflater->wake, NULL);
  start_member(inflater);
  napi_value name, handle;
  if (napi_create_string_utf8(env, "isal-inflate", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, inflater, finalize_notifier, inflater,
                                      call_js, &inflater->notify) != napi_ok) {
    pthread_mutex_destroy(&inflater->lock);
    pthread_cond_destroy(&inflater->wake);
    free(inflater);
    napi_throw_error(env, NULL, "isal_inflate: cannot create the notifier");
    return NULL;
  }
  if (pthread_create(&inflater->thread, NULL, run, inflater) != 0) {
    inflater->holders = 1; /* the notifier's finalizer frees it */
    inflater->closed = 1;
    napi_release_threadsafe_function(inflater->notify, napi_tsfn_abort);
    napi_throw_error(env, NULL, "isal_inflate: cannot start the thread");
    return NULL;
  }
  inflater->thread_started = 1;
  inflater->holders = 2;
  if (napi_create_external(env, inflater, finalize_handle, NULL, &handle) != napi_ok) {
    inflater->holders = 1; /* the notifier's finalizer frees it */
    close_now(inflater);
    napi_throw_error(env, NULL, "isal_inflate: cannot create the handle");
    return NULL;
  }
  return handle;
}

/* A byte range of a Uint8Array, checked. */
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

/* write(handle, bytes, offset, length): deflate data to inflate; the caller keeps `bytes` referenced
 * until the thread reports it taken (or takeRest() or close() returns). A write of 0 bytes is ignored. */
static napi_value write_input(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  Inflater *inflater;
  uint8_t *bytes;
  uint32_t length;
  if (!get_args(env, info, 4, argv, &inflater) || !slice_of(env, argv[1], argv[2], argv[3], &bytes, &length))
    return NULL;
  if (length == 0 || inflater->closed) return NULL;
  Input *input = malloc(sizeof(Input));
  if (input == NULL) {
    napi_throw_error(env, NULL, "isal_inflate: out of memory");
    return NULL;
  }
  input->bytes = bytes;
  input->owned = NULL;
  input->counted = 1;
  input->length = length;
  input->offset = 0;
  pthread_mutex_lock(&inflater->lock);
  QUEUE_PUSH(inflater->in_head, inflater->in_tail, input);
  pthread_cond_signal(&inflater->wake);
  pthread_mutex_unlock(&inflater->lock);
  return NULL;
}

/* provide(handle, buffer, slot): an output buffer to fill, reported back by slot. */
static napi_value provide(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  Inflater *inflater;
  napi_typedarray_type type;
  size_t size;
  void *base;
  int32_t slot;
  if (!get_args(env, info, 3, argv, &inflater) || inflater->closed) return NULL;
  if (napi_get_typedarray_info(env, argv[1], &type, &size, &base, NULL, NULL) != napi_ok ||
      type != napi_uint8_array || size == 0 || size > UINT32_MAX ||
      napi_get_value_int32(env, argv[2], &slot) != napi_ok) {
    napi_throw_type_error(env, NULL, "isal_inflate: provide(handle, non-empty Uint8Array, slot)");
    return NULL;
  }
  Output *out = calloc(1, sizeof(Output));
  if (out == NULL) {
    napi_throw_error(env, NULL, "isal_inflate: out of memory");
    return NULL;
  }
  out->slot = slot;
  out->data = base;
  out->length = (uint32_t)size;
  pthread_mutex_lock(&inflater->lock);
  QUEUE_PUSH(inflater->out_head, inflater->out_tail, out);
  pthread_cond_signal(&inflater->wake);
  pthread_mutex_unlock(&inflater->lock);
  return NULL;
}

/* end(handle): no more input; a member still open then is truncated. */
static napi_value end_input(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Inflater *inflater;
  if (!get_args(env, info, 1, argv, &inflater) || inflater->closed) return NULL;
  pthread_mutex_lock(&inflater->lock);
  inflater->input_ended = 1;
  pthread_cond_signal(&inflater->wake);
  pthread_mutex_unlock(&inflater->lock);
  return NULL;
}

/* resume(handle): after a member's end, inflate the next member's deflate data. */
static napi_value resume(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Inflater *inflater;
  if (!get_args(env, info, 1, argv, &inflater) || inflater->closed) return NULL;
  pthread_mutex_lock(&inflater->lock);
  if (!inflater->paused) {
    pthread_mutex_unlock(&inflater->lock);
    napi_throw_error(env, NULL, "isal_inflate: resume() without a member's end");
    return NULL;
  }
  start_member(inflater);
  inflater->paused = 0;
  inflater->output_was_full = 0;
  inflater->stalled = 0;
  inflater->recent_length = 0;
  pthread_cond_signal(&inflater->wake);
  pthread_mutex_unlock(&inflater->lock);
  return NULL;
}

/*
 * takeRest(handle): after a member's end (the thread is paused), the unread input, all of it,
 * including what was written after the end, as a Buffer; the queue is then empty.
 */
static napi_value take_rest(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  Inflater *inflater;
  if (!get_args(env, info, 1, argv, &inflater)) return NULL;
  pthread_mutex_lock(&inflater->lock);
  if (!inflater->paused) {
    pthread_mutex_unlock(&inflater->lock);
    napi_throw_error(env, NULL, "isal_inflate: takeRest() without a member's end");
    return NULL;
  }
  size_t left = 0;
  for (Input *i = inflater->in_head; i; i = i->next) left += i->length - i->offset;
  void *bytes;
  if (napi_create_buffer(env, left, &bytes, &result) != napi_ok) {
    pthread_mutex_unlock(&inflater->lock);
    napi_throw_error(env, NULL, "isal_inflate: out of memory");
    return NULL;
  }
  size_t at = 0;
  while (inflater->in_head) {
    Input *i = inflater->in_head;
    memcpy((uint8_t *)bytes + at, i->bytes + i->offset, i->length - i->offset);
    at += i->length - i->offset;
    inflater->in_head = i->next;
    free_input(i);
  }
  inflater->in_tail = NULL;
  pthread_mutex_unlock(&inflater->lock);
  return result;
}

/* close(handle): stop the thread and drop everything; after it JavaScript may drop its buffers. */
static napi_value close_inflater(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Inflater *inflater;
  if (!get_args(env, info, 1, argv, &inflater)) return NULL;
  close_now(inflater);
  return NULL;
}

/*
 * ref(handle) / unref(handle): whether the notifier keeps Node's event loop alive. JavaScript refs
 * it while it waits for the thread (input queued, or the end of the stream), and unrefs it when
 * idle, so that an inflater nobody closes does not keep the process from exiting.
 */
static napi_value set_ref(napi_env env, napi_callback_info info, int on) {
  napi_value argv[1];
  Inflater *inflater;
  if (!get_args(env, info, 1, argv, &inflater) || inflater->closed) return NULL;
  if (on) napi_ref_threadsafe_function(env, inflater->notify);
  else napi_unref_threadsafe_function(env, inflater->notify);
  return NULL;
}

static napi_value ref_notifier(napi_env env, napi_callback_info info) {
  return set_ref(env, info, 1);
}

static napi_value unref_notifier(napi_env env, napi_callback_info info) {
  return set_ref(env, info, 0);
}

/*
 * detach(arrayBuffer): frees an ArrayBuffer's memory now instead of at the next garbage collection
 * (V8 drops the backing store when its only ArrayBuffer is detached; views of it read as empty).
 * For a buffer the caller owns whole and no longer needs. Returns whether it was detached.
 */
static napi_value detach(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  bool is_buffer = false, detached = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_is_arraybuffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer) {
    napi_throw_type_error(env, NULL, "isal_inflate: detach(ArrayBuffer)");
    return NULL;
  }
  if (napi_is_detached_arraybuffer(env, argv[0], &detached) == napi_ok && !detached) {
    detached = napi_detach_arraybuffer(env, argv[0]) == napi_ok;
  } else {
    detached = false;
  }
  napi_get_boolean(env, detached, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
      {"write", NULL, write_input, NULL, NULL, NULL, napi_default, NULL},
      {"provide", NULL, provide, NULL, NULL, NULL, napi_default, NULL},
      {"end", NULL, end_input, NULL, NULL, NULL, napi_default, NULL},
      {"resume", NULL, resume, NULL, NULL, NULL, napi_default, NULL},
      {"takeRest", NULL, take_rest, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_inflater, NULL, NULL, NULL, napi_default, NULL},
      {"detach", NULL, detach, NULL, NULL, NULL, napi_default, NULL},
      {"ref", NULL, ref_notifier, NULL, NULL, NULL, napi_default, NULL},
      {"unref", NULL, unref_notifier, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, 10, properties) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
