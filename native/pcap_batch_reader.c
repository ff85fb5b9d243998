/*
 * Capture files read through libpcap many packets per call from JavaScript.
 *
 * A call from C into JavaScript for every packet (what the pcap package's binding does) costs
 * more than all of footfall's own work on a frame. Here libpcap fills buffers with as many
 * packets as fit, as records JavaScript walks without leaving the buffer:
 *
 *   u32 seconds, u32 microseconds, u32 bytes stored, u32 length on the air (host byte order),
 *   then the stored bytes, padded to a multiple of 4 so that the next record is aligned.
 *
 * The bytes stored are the captured bytes, cut at the snap length given to open().
 *
 * A reader has two buffers, filled in turn by a thread of its own: while JavaScript walks one,
 * libpcap reads the file and runs the BPF filter into the other.
 *
 *   open(path, filter, snapLength, bufferA, bufferB) -> reader   (throws libpcap's message)
 *   linkType(reader) -> LINKTYPE_ value
 *   read(reader) -> packets in the next buffer (A, B, A, ...); 0 at the end of the file. The
 *                   buffer read before is refilled from then on. Throws libpcap's message where
 *                   the file breaks off, after the packets before the break.
 *   close(reader)                                (also done when the reader is collected)
 *   version() -> libpcap's version text
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <pcap/pcap.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_HEADER_BYTES 16
#define FILE_BUFFER_BYTES (1 << 20)
#define BATCHES 2

typedef struct {
  uint8_t *data;
  size_t capacity;
  /* Keeps the JavaScript buffer, and so `data`, alive while the thread may write to it. */
  napi_ref ref;
  uint32_t count;
} Batch;

typedef struct {
  pcap_t *pcap;
  /* stdio's buffer for libpcap's file, freed after pcap_close. */
  char *file_buffer;
  uint32_t snap_length;
  Batch batches[BATCHES];
  pthread_t thread;
  int thread_started;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  /* Under the lock. Batch n % BATCHES holds fill n. */
  uint64_t filled;   /* fills the thread has finished */
  uint64_t handed;   /* fills read() has handed to JavaScript */
  uint64_t released; /* fills JavaScript is done with: all but the last one handed */
  int finished;      /* the thread has stopped: end of file, a break in it, or close() */
  int stopping;      /* close() asks the thread to stop */
  char *error;       /* libpcap's message where the file breaks off, until read() throws it */
  /* The thread's own. A packet that did not fit in the last buffer; libpcap keeps it valid until the next pcap_next_ex. */
  struct pcap_pkthdr *held_header;
  const u_char *held_data;
} Reader;

static size_t record_bytes(uint32_t stored) {
  return RECORD_HEADER_BYTES + (((size_t)stored + 3) & ~(size_t)3);
}

/* What ended a fill. */
enum { FILL_FULL, FILL_END, FILL_BROKEN };

/* Stores packets into `batch` until the next one does not fit or the file ends. */
static int fill(Reader *reader, Batch *batch) {
  size_t used = 0;
  batch->count = 0;
  for (;;) {
    struct pcap_pkthdr *header;
    const u_char *packet;
    if (reader->held_header != NULL) {
      header = reader->held_header;
      packet = reader->held_data;
      reader->held_header = NULL;
    } else {
      int status = pcap_next_ex(reader->pcap, &header, &packet);
      if (status == PCAP_ERROR) return FILL_BROKEN;
      /* PCAP_ERROR_BREAK: the end of the file. */
      if (status != 1) return FILL_END;
    }
    uint32_t stored = header->caplen < reader->snap_length ? header->caplen : reader->snap_length;
    size_t size = record_bytes(stored);
    if (used + size > batch->capacity) {
      reader->held_header = header;
      reader->held_data = packet;
      return FILL_FULL;
    }
    uint32_t fields[4] = {(uint32_t)header->ts.tv_sec, (uint32_t)header->ts.tv_usec, stored, header->len};
    memcpy(batch->data + used, fields, RECORD_HEADER_BYTES);
    memcpy(batch->data + used + RECORD_HEADER_BYTES, packet, stored);
    used += size;
    batch->count++;
  }
}

static void *read_ahead(void *arg) {
  Reader *reader = arg;
  pthread_mutex_lock(&reader->lock);
  for (;;) {
    /* Fill n may go into its buffer once JavaScript is done with fill n - BATCHES there. */
    while (!reader->stopping && reader->filled - reader->released >= BATCHES) pthread_cond_wait(&reader->changed, &reader->lock);
    if (reader->stopping) break;
    Batch *batch = &reader->batches[reader->filled % BATCHES];
    pthread_mutex_unlock(&reader->lock);
    int end = fill(reader, batch);
    pthread_mutex_lock(&reader->lock);
    if (batch->count > 0) reader->filled++;
    if (end == FILL_BROKEN) reader->error = strdup(pcap_geterr(reader->pcap));
    pthread_cond_broadcast(&reader->changed);
    if (end != FILL_FULL) break;
  }
  reader->finished = 1;
  pthread_cond_broadcast(&reader->changed);
  pthread_mutex_unlock(&reader->lock);
  return NULL;
}

/* Stops the thread and frees libpcap's handle and the buffers. Safe to call again. */
static void close_reader(napi_env env, Reader *reader) {
  if (reader->thread_started) {
    pthread_mutex_lock(&reader->lock);
    reader->stopping = 1;
    pthread_cond_broadcast(&reader->changed);
    pthread_mutex_unlock(&reader->lock);
    pthread_join(reader->thread, NULL);
    reader->thread_started = 0;
  }
  if (reader->pcap != NULL) pcap_close(reader->pcap);
  reader->pcap = NULL;
  free(reader->file_buffer);
  reader->file_buffer = NULL;
  for (int i = 0; i < BATCHES; i++) {
    if (reader->batches[i].ref != NULL) napi_delete_reference(env, reader->batches[i].ref);
    reader->batches[i].ref = NULL;
  }
  free(reader->error);
  reader->error = NULL;
}

static void finalize_reader(napi_env env, void *data, void *hint) {
  (void)hint;
  Reader *reader = data;
  close_reader(env, reader);
  pthread_mutex_destroy(&reader->lock);
  pthread_cond_destroy(&reader->changed);
  free(reader);
}

/* Throws a JavaScript Error and returns NULL, for `return fail(env, ...)`. */
static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

static char *string_argument(napi_env env, napi_value value) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *text = malloc(length + 1);
  if (text != NULL) napi_get_value_string_utf8(env, value, text, length + 1, &length);
  return text;
}

/* The reader given as the call's one argument; NULL if it is not one. */
static Reader *reader_argument(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 1 || napi_get_value_external(env, argv[0], &data) != napi_ok) return NULL;
  return (Reader *)data;
}

/* A 4-byte aligned Uint8Array that holds a record of `snap_length` bytes. */
static int batch_argument(napi_env env, napi_value value, uint32_t snap_length, Batch *batch) {
  bool is_typed_array = false;
  napi_typedarray_type type;
  void *data;
  if (napi_is_typedarray(env, value, &is_typed_array) != napi_ok || !is_typed_array ||
      napi_get_typedarray_info(env, value, &type, &batch->capacity, &data, NULL, NULL) != napi_ok || type != napi_uint8_array ||
      ((uintptr_t)data & 3) != 0 || batch->capacity < record_bytes(snap_length)) {
    return 0;
  }
  batch->data = data;
  return 1;
}

/*
 * pcap_open_offline, with a larger stdio buffer (`*buffer`, to be freed after pcap_close): libpcap
 * reads a record's header and its bytes with two freads, and stdio's default buffer (a block,
 * 4 KiB) made that a read() system call every few records.
 */
static pcap_t *open_offline(const char *path, char *errbuf, char **buffer) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) {
    snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s: %s", path, strerror(errno));
    return NULL;
  }
  *buffer = malloc(FILE_BUFFER_BYTES);
  if (*buffer != NULL) setvbuf(file, *buffer, _IOFBF, FILE_BUFFER_BYTES);
  pcap_t *pcap = pcap_fopen_offline(file, errbuf);
  /* On success pcap_close() closes the file; on failure it is left to the caller. */
  if (pcap == NULL) {
    fclose(file);
    free(*buffer);
    *buffer = NULL;
  }
  return pcap;
}

static pcap_t *open_pcap(napi_env env, napi_value path_value, napi_value filter_value, char **buffer) {
  char *path = string_argument(env, path_value);
  char *filter = string_argument(env, filter_value);
  pcap_t *pcap = NULL;
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  if (path == NULL || filter == NULL) {
    fail(env, "open() takes the path and the filter as strings");
  } else if ((pcap = open_offline(path, errbuf, buffer)) == NULL) {
    fail(env, errbuf);
  } else if (filter[0] != '\0') {
    struct bpf_program program;
    int ok = pcap_compile(pcap, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
    if (ok) {
      ok = pcap_setfilter(pcap, &program) == 0;
      pcap_freecode(&program);
    }
    if (!ok) {
      fail(env, pcap_geterr(pcap));
      pcap_close(pcap);
      pcap = NULL;
      free(*buffer);
      *buffer = NULL;
    }
  }
  free(path);
  free(filter);
  return pcap;
}

static napi_value open_file(napi_env env, napi_callback_info info) {
  size_t argc = 3 + BATCHES;
  napi_value argv[3 + BATCHES];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Batch batches[BATCHES];
  uint32_t snap_length = 0;
  int ok = argc == 3 + BATCHES && napi_get_value_uint32(env, argv[2], &snap_length) == napi_ok && snap_length > 0;
  for (int i = 0; ok && i < BATCHES; i++) ok = batch_argument(env, argv[3 + i], snap_length, &batches[i]);
  if (!ok) return fail(env, "open(path, filter, snapLength, bufferA, bufferB) needs 4-byte aligned Uint8Arrays that hold a packet of the snap length");

  char *file_buffer = NULL;
  pcap_t *pcap = open_pcap(env, argv[0], argv[1], &file_buffer);
  if (pcap == NULL) return NULL;
  Reader *reader = calloc(1, sizeof(Reader));
  if (reader == NULL) {
    pcap_close(pcap);
    free(file_buffer);
    return fail(env, "out of memory");
  }
  reader->pcap = pcap;
  reader->file_buffer = file_buffer;
  reader->snap_length = snap_length;
  pthread_mutex_init(&reader->lock, NULL);
  pthread_cond_init(&reader->changed, NULL);
  napi_value external;
  if (napi_create_external(env, reader, finalize_reader, NULL, &external) != napi_ok) {
    finalize_reader(env, reader, NULL);
    return fail(env, "cannot create the reader");
  }
  for (int i = 0; i < BATCHES; i++) {
    reader->batches[i] = batches[i];
    napi_create_reference(env, argv[3 + i], 1, &reader->batches[i].ref);
  }
  if (pthread_create(&reader->thread, NULL, read_ahead, reader) != 0) {
    close_reader(env, reader);
    return fail(env, "cannot start the reading thread");
  }
  reader->thread_started = 1;
  return external;
}

static napi_value link_type(napi_env env, napi_callback_info info) {
  Reader *reader = reader_argument(env, info);
  if (reader == NULL || reader->pcap == NULL) return fail(env, "linkType() needs an open reader");
  napi_value result;
  napi_create_int32(env, pcap_datalink(reader->pcap), &result);
  return result;
}

static napi_value read_packets(napi_env env, napi_callback_info info) {
  Reader *reader = reader_argument(env, info);
  if (reader == NULL || reader->pcap == NULL) return fail(env, "read() needs an open reader");

  pthread_mutex_lock(&reader->lock);
  reader->released = reader->handed;
  pthread_cond_broadcast(&reader->changed);
  while (!reader->finished && reader->filled == reader->handed) pthread_cond_wait(&reader->changed, &reader->lock);
  uint32_t count = 0;
  char *error = NULL;
  if (reader->filled > reader->handed) {
    count = reader->batches[reader->handed % BATCHES].count;
    reader->handed++;
  } else {
    error = reader->error;
    reader->error = NULL;
  }
  pthread_mutex_unlock(&reader->lock);

  if (error != NULL) {
    napi_throw_error(env, NULL, error);
    free(error);
    return NULL;
  }
  napi_value result;
  napi_create_uint32(env, count, &result);
  return result;
}

static napi_value close_file(napi_env env, napi_callback_info info) {
  Reader *reader = reader_argument(env, info);
  if (reader == NULL) return fail(env, "close() needs a reader");
  close_reader(env, reader);
  return NULL;
}

static napi_value library_version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_create_string_utf8(env, pcap_lib_version(), NAPI_AUTO_LENGTH, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor functions[] = {
      {"open", NULL, open_file, NULL, NULL, NULL, napi_enumerable, NULL},
      {"linkType", NULL, link_type, NULL, NULL, NULL, napi_enumerable, NULL},
      {"read", NULL, read_packets, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, close_file, NULL, NULL, NULL, napi_enumerable, NULL},
      {"version", NULL, library_version, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}
