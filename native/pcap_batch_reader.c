/*
 * Capture files read through libpcap many packets per call from JavaScript.
 *
 * A call from C into JavaScript for every packet (what the pcap package's binding does) costs
 * more than all of footfall's own work on a frame. Here one read() fills a caller's buffer with
 * as many packets as fit, as records JavaScript walks without leaving the buffer:
 *
 *   u32 seconds, u32 microseconds, u32 bytes stored, u32 length on the air (host byte order),
 *   then the stored bytes, padded to a multiple of 4 so that the next record is aligned.
 *
 * The bytes stored are the captured bytes, cut at the snap length given to open().
 *
 *   open(path, filter, snapLength) -> reader   (throws libpcap's message)
 *   linkType(reader) -> LINKTYPE_ value
 *   read(reader, buffer) -> packets stored; 0 at the end of the file (throws libpcap's message)
 *   close(reader)                               (also done when the reader is collected)
 *   version() -> libpcap's version text
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_HEADER_BYTES 16

typedef struct {
  pcap_t *pcap;
  uint32_t snap_length;
  /* A packet that did not fit in the last buffer. libpcap keeps it valid until the next pcap_next_ex. */
  struct pcap_pkthdr *held_header;
  const u_char *held_data;
  /* libpcap's message for a read that failed after packets were stored: the next read throws it. */
  char *deferred_error;
  int ended;
} Reader;

static size_t record_bytes(uint32_t stored) {
  return RECORD_HEADER_BYTES + (((size_t)stored + 3) & ~(size_t)3);
}

static void close_reader(Reader *reader) {
  if (reader->pcap != NULL) pcap_close(reader->pcap);
  reader->pcap = NULL;
  reader->held_header = NULL;
  free(reader->deferred_error);
  reader->deferred_error = NULL;
}

static void finalize_reader(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  close_reader((Reader *)data);
  free(data);
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

static Reader *reader_argument(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok) return NULL;
  return (Reader *)data;
}

static napi_value open_file(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint32_t snap_length = 0;
  if (argc != 3 || napi_get_value_uint32(env, argv[2], &snap_length) != napi_ok || snap_length == 0) {
    return fail(env, "open(path, filter, snapLength) takes two strings and a positive number");
  }
  char *path = string_argument(env, argv[0]);
  char *filter = string_argument(env, argv[1]);
  if (path == NULL || filter == NULL) {
    free(path);
    free(filter);
    return fail(env, "open(path, filter, snapLength) takes two strings and a positive number");
  }

  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *pcap = pcap_open_offline(path, errbuf);
  free(path);
  if (pcap == NULL) {
    free(filter);
    return fail(env, errbuf);
  }
  if (filter[0] != '\0') {
    struct bpf_program program;
    int ok = pcap_compile(pcap, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
    if (ok) {
      ok = pcap_setfilter(pcap, &program) == 0;
      pcap_freecode(&program);
    }
    if (!ok) {
      free(filter);
      napi_throw_error(env, NULL, pcap_geterr(pcap));
      pcap_close(pcap);
      return NULL;
    }
  }
  free(filter);

  Reader *reader = calloc(1, sizeof(Reader));
  if (reader == NULL) {
    pcap_close(pcap);
    return fail(env, "out of memory");
  }
  reader->pcap = pcap;
  reader->snap_length = snap_length;
  napi_value external;
  if (napi_create_external(env, reader, finalize_reader, NULL, &external) != napi_ok) {
    close_reader(reader);
    free(reader);
    return fail(env, "cannot create the reader");
  }
  return external;
}

static napi_value link_type(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Reader *reader = argc == 1 ? reader_argument(env, argv[0]) : NULL;
  if (reader == NULL || reader->pcap == NULL) return fail(env, "linkType() needs an open reader");
  napi_value result;
  napi_create_int32(env, pcap_datalink(reader->pcap), &result);
  return result;
}

static napi_value read_packets(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Reader *reader = argc == 2 ? reader_argument(env, argv[0]) : NULL;
  if (reader == NULL || reader->pcap == NULL) return fail(env, "read() needs an open reader");
  napi_typedarray_type type;
  size_t capacity;
  void *data;
  bool is_typed_array = false;
  napi_is_typedarray(env, argv[1], &is_typed_array);
  if (!is_typed_array || napi_get_typedarray_info(env, argv[1], &type, &capacity, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array || ((uintptr_t)data & 3) != 0 || capacity < record_bytes(reader->snap_length)) {
    return fail(env, "read() needs a 4-byte aligned Uint8Array that holds a packet of the snap length");
  }
  if (reader->deferred_error != NULL) {
    napi_throw_error(env, NULL, reader->deferred_error);
    free(reader->deferred_error);
    reader->deferred_error = NULL;
    reader->ended = 1;
    return NULL;
  }

  uint8_t *out = data;
  size_t used = 0;
  uint32_t count = 0;
  while (!reader->ended) {
    struct pcap_pkthdr *header;
    const u_char *packet;
    if (reader->held_header != NULL) {
      header = reader->held_header;
      packet = reader->held_data;
      reader->held_header = NULL;
    } else {
      int status = pcap_next_ex(reader->pcap, &header, &packet);
      if (status == PCAP_ERROR) {
        if (count == 0) {
          reader->ended = 1;
          return fail(env, pcap_geterr(reader->pcap));
        }
        reader->deferred_error = strdup(pcap_geterr(reader->pcap));
        break;
      }
      if (status != 1) {
        /* PCAP_ERROR_BREAK: the end of the file. */
        reader->ended = 1;
        break;
      }
    }
    uint32_t stored = header->caplen < reader->snap_length ? header->caplen : reader->snap_length;
    size_t size = record_bytes(stored);
    if (used + size > capacity) {
      reader->held_header = header;
      reader->held_data = packet;
      break;
    }
    uint32_t fields[4] = {(uint32_t)header->ts.tv_sec, (uint32_t)header->ts.tv_usec, stored, header->len};
    memcpy(out + used, fields, RECORD_HEADER_BYTES);
    memcpy(out + used + RECORD_HEADER_BYTES, packet, stored);
    used += size;
    count++;
  }
  napi_value result;
  napi_create_uint32(env, count, &result);
  return result;
}

static napi_value close_file(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Reader *reader = argc == 1 ? reader_argument(env, argv[0]) : NULL;
  if (reader == NULL) return fail(env, "close() needs a reader");
  close_reader(reader);
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
