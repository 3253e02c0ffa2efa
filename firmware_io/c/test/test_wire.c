/*
 * Host tests of the reference C implementation against the shared vectors
 * (../vectors/frames.json and streams.json, the same files the Python decoder passes).
 *
 * The vector files hold one JSON object per line with a fixed key order (the generator
 * guarantees it and a Python test checks it), so a few lines of string scanning read them.
 *
 *   test_wire FRAMES_JSON STREAMS_JSON   run every test, exit 1 on the first failure list
 *   test_wire --encode                   stdin lines "type seq time payload_hex" -> wire hex
 *   test_wire --decode                   stdin lines of stream hex -> decoded frames/counters
 * (the last two let the Python property tests cross-check this code against detsig.wire).
 */
#include "../detsig_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                                                         \
    do {                                                                                         \
        checks++;                                                                                \
        if (!(cond)) {                                                                           \
            failures++;                                                                          \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                 \
            fprintf(stderr, __VA_ARGS__);                                                        \
            fputc('\n', stderr);                                                                 \
        }                                                                                        \
    } while (0)

/* ------------------------------------------------------------ small helpers */

static char *read_line(FILE *f)
{
    size_t cap = 1024, len = 0;
    char *line = malloc(cap);
    int c;
    if (line == NULL) {
        return NULL;
    }
    while ((c = fgetc(f)) != EOF && c != '\n') {
        if (len + 1 >= cap) {
            char *bigger = realloc(line, cap * 2);
            if (bigger == NULL) {
                free(line);
                return NULL;
            }
            line = bigger;
            cap *= 2;
        }
        line[len++] = (char)c;
    }
    if (c == EOF && len == 0) {
        free(line);
        return NULL;
    }
    line[len] = '\0';
    return line;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Decode hex up to the first non-hex character; returns a malloc'd buffer and its length. */
static uint8_t *unhex(const char *hex, size_t *len)
{
    size_t n = 0, i;
    uint8_t *out;
    while (hexval(hex[n]) >= 0) {
        n++;
    }
    out = malloc(n / 2 + 1);
    if (out == NULL) {
        abort();
    }
    for (i = 0; i + 1 < n; i += 2) {
        out[i / 2] = (uint8_t)(hexval(hex[i]) * 16 + hexval(hex[i + 1]));
    }
    *len = n / 2;
    return out;
}

/* Pointer just after `"key": ` in the line (searching from `from`), or NULL. */
static const char *field(const char *from, const char *key)
{
    char pattern[64];
    const char *at;
    snprintf(pattern, sizeof pattern, "\"%s\": ", key);
    at = strstr(from, pattern);
    return at ? at + strlen(pattern) : NULL;
}

static unsigned long long field_ull(const char *line, const char *key)
{
    const char *at = field(line, key);
    return at ? strtoull(at, NULL, 10) : 0ull;
}

static uint8_t *field_hex(const char *line, const char *key, size_t *len)
{
    const char *at = field(line, key);
    if (at == NULL || *at != '"') {
        *len = 0;
        return NULL;
    }
    return unhex(at + 1, len);
}

static void field_string(const char *line, const char *key, char *out, size_t cap)
{
    const char *at = field(line, key);
    size_t n = 0;
    if (at != NULL && *at == '"') {
        for (at++; *at && *at != '"' && n + 1 < cap; at++) {
            out[n++] = *at;
        }
    }
    out[n] = '\0';
}

typedef struct {
    uint8_t *data;
    size_t cap;
    size_t len;
} buffer;

static void buffer_put(void *ctx, uint8_t byte)
{
    buffer *b = (buffer *)ctx;
    if (b->len == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->data = realloc(b->data, b->cap);
        if (b->data == NULL) {
            abort();
        }
    }
    b->data[b->len++] = byte;
}

static uint8_t body_buf[DSW_MAX_BODY_LEN];

/* ------------------------------------------------------------ frame vectors */

static void frame_vector(const char *line)
{
    char name[128], error[32];
    size_t wire_len, payload_len, i;
    uint8_t *wire = field_hex(line, "hex", &wire_len);
    int valid = strstr(line, "\"valid\": true") != NULL;
    dsw_decoder dec;
    int result = DSW_NONE, n_results = 0;

    field_string(line, "name", name, sizeof name);
    dsw_decoder_init(&dec, body_buf, sizeof body_buf);
    for (i = 0; i < wire_len; ++i) {
        int r = dsw_decoder_push(&dec, wire[i]);
        if (r != DSW_NONE) {
            result = r;
            n_results++;
        }
    }
    CHECK(n_results == 1, "%s: %d results from one frame", name, n_results);

    if (valid) {
        uint8_t *payload = field_hex(line, "payload_hex", &payload_len);
        unsigned type = (unsigned)field_ull(line, "type");
        uint32_t seq = (uint32_t)field_ull(line, "seq");
        uint64_t time_us = (uint64_t)field_ull(line, "device_time_us");
        size_t out_len;
        uint8_t *out = malloc(DSW_FRAME_LEN(payload_len));
        buffer streamed = {NULL, 0, 0};
        dsw_writer w;

        CHECK(result == DSW_FRAME, "%s: decoder rejected a valid frame (%s)", name,
              result == DSW_BAD ? dsw_bad_reason_name(dec.bad_reason) : "nothing");
        if (result == DSW_FRAME) {
            CHECK(dec.frame.type == type, "%s: type %u != %u", name, dec.frame.type, type);
            CHECK(dec.frame.seq == seq, "%s: seq", name);
            CHECK(dec.frame.device_time_us == time_us, "%s: device_time_us", name);
            CHECK(dec.frame.payload_len == payload_len &&
                      (payload_len == 0 || memcmp(dec.frame.payload, payload, payload_len) == 0),
                  "%s: payload differs", name);
        }
        /* whole-buffer encoder */
        out_len = dsw_encode_frame(out, DSW_FRAME_LEN(payload_len), (uint8_t)type, payload,
                                   (uint16_t)payload_len, seq, time_us);
        CHECK(out_len == wire_len && memcmp(out, wire, wire_len) == 0,
              "%s: encoder output differs from the vector (%zu vs %zu bytes)", name, out_len,
              wire_len);
        CHECK(dsw_encode_frame(out, wire_len - 1, (uint8_t)type, payload, (uint16_t)payload_len,
                               seq, time_us) == 0,
              "%s: encoder wrote past a too-small buffer", name);
        /* streaming writer, payload in pieces of 1, 2, 3 ... bytes */
        dsw_writer_init(&w, buffer_put, &streamed);
        CHECK(dsw_writer_begin(&w, (uint8_t)type, (uint16_t)payload_len, seq, time_us) == DSW_OK,
              "%s: begin", name);
        for (i = 0; i < payload_len;) {
            size_t piece = (i % 7) + 1;
            if (piece > payload_len - i) {
                piece = payload_len - i;
            }
            dsw_writer_write(&w, payload + i, (uint16_t)piece);
            i += piece;
        }
        CHECK(dsw_writer_end(&w) == DSW_OK, "%s: end", name);
        CHECK(streamed.len == wire_len && memcmp(streamed.data, wire, wire_len) == 0,
              "%s: streaming writer output differs", name);
        free(streamed.data);
        free(out);
        free(payload);
    } else {
        field_string(line, "error", error, sizeof error);
        CHECK(result == DSW_BAD, "%s: corrupt frame accepted", name);
        if (result == DSW_BAD) {
            CHECK(strcmp(dsw_bad_reason_name(dec.bad_reason), error) == 0,
                  "%s: rejected as %s, expected %s", name, dsw_bad_reason_name(dec.bad_reason),
                  error);
        }
        CHECK(dec.bad_frames == 1, "%s: bad_frames %lu", name, (unsigned long)dec.bad_frames);
    }
    free(wire);
}

/* ------------------------------------------------------------ stream vectors */

static void stream_vector(const char *line)
{
    char name[128];
    size_t data_len, i;
    uint8_t *data = field_hex(line, "hex", &data_len);
    const char *expect = field(line, "frames");
    dsw_decoder dec;
    unsigned long want_bad = (unsigned long)field_ull(line, "bad_frames");
    unsigned long want_gaps = (unsigned long)field_ull(line, "gaps");
    unsigned long want_resets = (unsigned long)field_ull(line, "seq_resets");
    unsigned n_frames = 0;

    field_string(line, "name", name, sizeof name);
    dsw_decoder_init(&dec, body_buf, sizeof body_buf);
    for (i = 0; i <= data_len; ++i) {
        int r = i < data_len ? dsw_decoder_push(&dec, data[i]) : dsw_decoder_finish(&dec);
        if (r == DSW_FRAME) {
            /* the next expected frame object: {"type": T, "seq": S, "payload_hex": "..."} */
            const char *obj = expect ? strstr(expect, "{\"type\": ") : NULL;
            size_t payload_len = 0;
            uint8_t *payload;
            if (obj == NULL) {
                CHECK(0, "%s: unexpected extra frame seq %lu", name,
                      (unsigned long)dec.frame.seq);
                continue;
            }
            payload = field_hex(obj, "payload_hex", &payload_len);
            CHECK(dec.frame.type == field_ull(obj, "type"), "%s: frame %u type", name, n_frames);
            CHECK(dec.frame.seq == field_ull(obj, "seq"), "%s: frame %u seq", name, n_frames);
            CHECK(dec.frame.payload_len == payload_len &&
                      (payload_len == 0 || memcmp(dec.frame.payload, payload, payload_len) == 0),
                  "%s: frame %u payload", name, n_frames);
            free(payload);
            expect = obj + 1;
            n_frames++;
        }
    }
    CHECK(expect == NULL || strstr(expect, "{\"type\": ") == NULL, "%s: frames missing after %u",
          name, n_frames);
    CHECK(dec.frames == n_frames, "%s: frames counter", name);
    CHECK(dec.bad_frames == want_bad, "%s: bad_frames %lu, expected %lu", name,
          (unsigned long)dec.bad_frames, want_bad);
    CHECK(dec.gaps == want_gaps, "%s: gaps %lu, expected %lu", name, (unsigned long)dec.gaps,
          want_gaps);
    CHECK(dec.seq_resets == want_resets, "%s: seq_resets", name);
    free(data);
}

static int run_vector_file(const char *path, void (*each)(const char *))
{
    FILE *f = fopen(path, "r");
    char *line;
    int n = 0;
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        failures++;
        return 0;
    }
    while ((line = read_line(f)) != NULL) {
        if (strncmp(line, "{\"name\": ", 9) == 0) {
            each(line);
            n++;
        }
        free(line);
    }
    fclose(f);
    return n;
}

/* ------------------------------------------------------------ unit tests */

static void test_crc32(void)
{
    const uint8_t check[] = "123456789";
    uint32_t crc = dsw_crc32_update(0, check, 9);
    CHECK(crc == 0xCBF43926ul, "CRC-32 check value %08lx", (unsigned long)crc);
    crc = dsw_crc32_update(dsw_crc32_update(0, check, 4), check + 4, 5);
    CHECK(crc == 0xCBF43926ul, "CRC-32 in two pieces");
    CHECK(dsw_crc32_update(0, check, 0) == 0, "CRC-32 of nothing");
}

static void test_writer_misuse(void)
{
    buffer sink = {NULL, 0, 0};
    dsw_writer w;
    uint8_t two[2] = {1, 2};
    dsw_writer_init(&w, buffer_put, &sink);
    CHECK(dsw_writer_write(&w, two, 2) == DSW_E_STATE, "write before begin");
    CHECK(dsw_writer_end(&w) == DSW_E_STATE, "end before begin");
    CHECK(dsw_writer_begin(&w, DSW_MARK, 3, 0, 0) == DSW_OK, "begin");
    CHECK(dsw_writer_begin(&w, DSW_MARK, 3, 0, 0) == DSW_E_STATE, "begin twice");
    CHECK(dsw_writer_write(&w, two, 2) == DSW_OK, "write 2 of 3");
    CHECK(dsw_writer_write(&w, two, 2) == DSW_E_TOO_MUCH, "write past payload_len");
    CHECK(dsw_writer_end(&w) == DSW_E_TOO_LITTLE, "end with a byte missing");
    CHECK(dsw_writer_u8(&w, 0) == DSW_OK, "last byte");
    CHECK(dsw_writer_end(&w) == DSW_OK, "end");
    free(sink.data);
}

static void test_small_receiver_buffer(void)
{
    /* a device with a 64-byte body buffer rejects a bigger frame as "length", then recovers */
    uint8_t small[64], wire[300], payload[100];
    dsw_decoder dec;
    size_t n, i;
    int r = DSW_NONE, got_frame = 0;
    memset(payload, 'x', sizeof payload);
    dsw_decoder_init(&dec, small, sizeof small);
    n = dsw_encode_frame(wire, sizeof wire, DSW_COMMAND, payload, sizeof payload, 1, 0);
    for (i = 0; i < n; ++i) {
        r = dsw_decoder_push(&dec, wire[i]);
    }
    CHECK(r == DSW_BAD && dec.bad_reason == DSW_BAD_LENGTH, "oversize frame for a small buffer");
    n = dsw_encode_frame(wire, sizeof wire, DSW_COMMAND, (const uint8_t *)"{\"cmd\":\"stop\"}", 14,
                         2, 0);
    for (i = 0; i < n; ++i) {
        got_frame |= dsw_decoder_push(&dec, wire[i]) == DSW_FRAME;
    }
    CHECK(got_frame && dec.frame.payload_len == 14, "small buffer recovers");
    CHECK(dec.gaps == 0 && dec.frames == 1, "first accepted frame sets the seq reference");
}

static void test_cobs_round_trips(void)
{
    /* bodies with zeros at every position around the COBS block boundaries */
    static uint8_t payload[1100], wire[DSW_FRAME_LEN(1100)];
    size_t len, pos, n, i;
    dsw_decoder dec;
    for (len = 0; len <= 1100; len += (len < 600 ? 1 : 97)) {
        for (pos = 0; pos < len + 1; pos += (len > 40 ? 37 : 1)) {
            int ok = 0;
            for (i = 0; i < len; ++i) {
                payload[i] = (uint8_t)(i % 250 + 1);
            }
            if (pos < len) {
                payload[pos] = 0;
            }
            n = dsw_encode_frame(wire, sizeof wire, 0x33, payload, (uint16_t)len, (uint32_t)len,
                                 pos);
            CHECK(n > 0 && n <= DSW_FRAME_LEN(len), "encoded size bound at %zu", len);
            CHECK(memchr(wire, 0, n - 1) == NULL && wire[n - 1] == 0, "only one 0x00");
            dsw_decoder_init(&dec, body_buf, sizeof body_buf);
            for (i = 0; i < n; ++i) {
                ok |= dsw_decoder_push(&dec, wire[i]) == DSW_FRAME;
            }
            CHECK(ok && dec.frame.payload_len == len && dec.frame.device_time_us == pos &&
                      memcmp(dec.frame.payload, payload, len) == 0,
                  "round trip of %zu bytes, zero at %zu", len, pos);
        }
    }
}

static void test_json(void)
{
    const char *cmd = " { \"cmd\" : \"config\", \"nested\": {\"a\": [1, \"}\"]}, "
                      "\"sample_rate_hz\": 250 , \"name\": \"a\\\"b\", \"neg\": -12 } ";
    const uint8_t *j = (const uint8_t *)cmd;
    size_t n = strlen(cmd);
    char out[16];
    long v = 0;
    CHECK(dsw_json_get_string(j, n, "cmd", out, sizeof out) && strcmp(out, "config") == 0,
          "cmd string");
    CHECK(dsw_json_get_long(j, n, "sample_rate_hz", &v) && v == 250, "integer after nesting");
    CHECK(dsw_json_get_long(j, n, "neg", &v) && v == -12, "negative integer");
    CHECK(dsw_json_get_string(j, n, "name", out, sizeof out) && strcmp(out, "a\\\"b") == 0,
          "string with an escaped quote (raw)");
    CHECK(!dsw_json_get_string(j, n, "sample_rate_hz", out, sizeof out), "number is no string");
    CHECK(!dsw_json_get_long(j, n, "cmd", &v), "string is no integer");
    CHECK(!dsw_json_get_string(j, n, "missing", out, sizeof out), "absent key");
    CHECK(!dsw_json_get_string(j, n, "cmd", out, 3), "too long for out");
    CHECK(!dsw_json_get_string((const uint8_t *)"{\"cmd\": \"sta", 12, "cmd", out, sizeof out),
          "unterminated");
    CHECK(!dsw_json_get_string((const uint8_t *)"[1]", 3, "cmd", out, sizeof out), "not object");
    CHECK(!dsw_json_get_long((const uint8_t *)"{\"n\": 1.5}", 10, "n", &v), "not an integer");
}

/* ------------------------------------------------------------ tool modes */

static int encode_tool(void)
{
    char *line;
    while ((line = read_line(stdin)) != NULL) {
        unsigned type;
        unsigned long seq;
        unsigned long long time_us;
        int used = 0;
        size_t payload_len, n, i;
        uint8_t *payload, *out;
        if (sscanf(line, "%u %lu %llu %n", &type, &seq, &time_us, &used) < 3) {
            free(line);
            return 2;
        }
        payload = unhex(line + used, &payload_len);
        out = malloc(DSW_FRAME_LEN(payload_len));
        n = dsw_encode_frame(out, DSW_FRAME_LEN(payload_len), (uint8_t)type, payload,
                             (uint16_t)payload_len, (uint32_t)seq, (uint64_t)time_us);
        for (i = 0; i < n; ++i) {
            printf("%02x", out[i]);
        }
        putchar('\n');
        free(out);
        free(payload);
        free(line);
    }
    return 0;
}

static int decode_tool(void)
{
    char *line;
    while ((line = read_line(stdin)) != NULL) {
        size_t len, i, k;
        uint8_t *data = unhex(line, &len);
        dsw_decoder dec;
        dsw_decoder_init(&dec, body_buf, sizeof body_buf);
        for (i = 0; i <= len; ++i) {
            int r = i < len ? dsw_decoder_push(&dec, data[i]) : dsw_decoder_finish(&dec);
            if (r == DSW_FRAME) {
                printf("frame %u %lu %llu ", dec.frame.type, (unsigned long)dec.frame.seq,
                       (unsigned long long)dec.frame.device_time_us);
                for (k = 0; k < dec.frame.payload_len; ++k) {
                    printf("%02x", dec.frame.payload[k]);
                }
                putchar('\n');
            } else if (r == DSW_BAD) {
                printf("bad %s\n", dsw_bad_reason_name(dec.bad_reason));
            }
        }
        printf("end %lu %lu %lu %lu\n", (unsigned long)dec.frames, (unsigned long)dec.bad_frames,
               (unsigned long)dec.gaps, (unsigned long)dec.seq_resets);
        fflush(stdout);
        free(data);
        free(line);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int n_frames, n_streams;
    if (argc == 2 && strcmp(argv[1], "--encode") == 0) {
        return encode_tool();
    }
    if (argc == 2 && strcmp(argv[1], "--decode") == 0) {
        return decode_tool();
    }
    if (argc != 3) {
        fprintf(stderr, "usage: %s FRAMES_JSON STREAMS_JSON | --encode | --decode\n", argv[0]);
        return 2;
    }
    test_crc32();
    test_writer_misuse();
    test_small_receiver_buffer();
    test_cobs_round_trips();
    test_json();
    n_frames = run_vector_file(argv[1], frame_vector);
    n_streams = run_vector_file(argv[2], stream_vector);
    CHECK(n_frames >= 30, "only %d frame vectors read", n_frames);
    CHECK(n_streams >= 5, "only %d stream vectors read", n_streams);
    printf("C reference: %d frame vectors, %d stream vectors, %d checks, %d failures\n",
           n_frames, n_streams, checks, failures);
    return failures ? 1 : 0;
}
