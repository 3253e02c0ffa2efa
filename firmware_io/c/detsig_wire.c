/*
 * detsig wire protocol v1: reference C99 implementation (see detsig_wire.h, ../PROTOCOL.md).
 *
 * References: S. Cheshire and M. Baker, "Consistent Overhead Byte Stuffing", IEEE/ACM
 * Transactions on Networking 7(2), 1999 (COBS); IEEE 802.3 CRC-32, reflected polynomial
 * 0xEDB88320, with a 16-entry table (64 bytes) or, with DSW_CRC_BITWISE, no table at all.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include "detsig_wire.h"

#ifndef DSW_CRC_BITWISE
/* CRC of each 4-bit value: two lookups per byte, 64 bytes of constants (define
 * DSW_CRC_BITWISE for the table-free loop, 8 shifts per byte). */
static const uint32_t crc_nibble[16] = {
    0x00000000ul, 0x1DB71064ul, 0x3B6E20C8ul, 0x26D930ACul, 0x76DC4190ul, 0x6B6B51F4ul,
    0x4DB26158ul, 0x5005713Cul, 0xEDB88320ul, 0xF00F9344ul, 0xD6D6A3E8ul, 0xCB61B38Cul,
    0x9B64C2B0ul, 0x86D3D2D4ul, 0xA00AE278ul, 0xBDBDF21Cul};
#endif

uint32_t dsw_crc32_update(uint32_t crc, const uint8_t *data, size_t len)
{
    uint32_t c = ~crc;
    size_t i;
    for (i = 0; i < len; ++i) {
#ifdef DSW_CRC_BITWISE
        uint8_t k;
        c ^= data[i];
        for (k = 0; k < 8; ++k) {
            c = (c >> 1) ^ (0xEDB88320ul & (0ul - (c & 1ul)));
        }
#else
        c ^= data[i];
        c = (c >> 4) ^ crc_nibble[c & 0x0Fu];
        c = (c >> 4) ^ crc_nibble[c & 0x0Fu];
#endif
    }
    return ~c;
}

void dsw_put_u16le(uint8_t *out, uint16_t value)
{
    out[0] = (uint8_t)value;
    out[1] = (uint8_t)(value >> 8);
}

void dsw_put_u32le(uint8_t *out, uint32_t value)
{
    uint8_t i;
    for (i = 0; i < 4; ++i) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

void dsw_put_u64le(uint8_t *out, uint64_t value)
{
    uint8_t i;
    for (i = 0; i < 8; ++i) {
        out[i] = (uint8_t)(value >> (8 * i));
    }
}

uint16_t dsw_get_u16le(const uint8_t *in)
{
    return (uint16_t)(in[0] | ((uint16_t)in[1] << 8));
}

uint32_t dsw_get_u32le(const uint8_t *in)
{
    return (uint32_t)in[0] | ((uint32_t)in[1] << 8) | ((uint32_t)in[2] << 16) |
           ((uint32_t)in[3] << 24);
}

uint64_t dsw_get_u64le(const uint8_t *in)
{
    return (uint64_t)dsw_get_u32le(in) | ((uint64_t)dsw_get_u32le(in + 4) << 32);
}

/* ---------------------------------------------------------------- encoder */

static void emit_block(dsw_writer *w, uint8_t code)
{
    uint8_t i;
    w->put(w->ctx, code);
    for (i = 0; i < w->n; ++i) {
        w->put(w->ctx, w->block[i]);
    }
    w->n = 0;
}

/* COBS-encode one body byte. */
static void cobs_byte(dsw_writer *w, uint8_t byte)
{
    w->after_full = 0;
    if (byte == 0) {
        emit_block(w, (uint8_t)(w->n + 1));
        return;
    }
    w->block[w->n++] = byte;
    if (w->n == 254) {
        emit_block(w, 0xFF);
        w->after_full = 1;
    }
}

static void body_bytes(dsw_writer *w, const uint8_t *data, size_t len)
{
    size_t i;
    w->crc = dsw_crc32_update(w->crc, data, len);
    for (i = 0; i < len; ++i) {
        cobs_byte(w, data[i]);
    }
}

void dsw_writer_init(dsw_writer *w, dsw_put_fn put, void *ctx)
{
    w->put = put;
    w->ctx = ctx;
    w->crc = 0;
    w->remaining = 0;
    w->n = 0;
    w->after_full = 0;
    w->open = 0;
}

int dsw_writer_begin(dsw_writer *w, uint8_t type, uint16_t payload_len, uint32_t seq,
                     uint64_t device_time_us)
{
    uint8_t head[DSW_HEADER_LEN];
    if (w->open) {
        return DSW_E_STATE;
    }
    head[0] = DSW_PROTOCOL_VERSION;
    head[1] = type;
    dsw_put_u16le(head + 2, payload_len);
    dsw_put_u32le(head + 4, seq);
    dsw_put_u64le(head + 8, device_time_us);
    w->crc = 0;
    w->n = 0;
    w->after_full = 0;
    w->open = 1;
    w->remaining = payload_len;
    body_bytes(w, head, sizeof head);
    return DSW_OK;
}

int dsw_writer_write(dsw_writer *w, const void *data, uint16_t len)
{
    if (!w->open) {
        return DSW_E_STATE;
    }
    if (len > w->remaining) {
        return DSW_E_TOO_MUCH;
    }
    w->remaining = (uint16_t)(w->remaining - len);
    body_bytes(w, (const uint8_t *)data, len);
    return DSW_OK;
}

int dsw_writer_u8(dsw_writer *w, uint8_t value)
{
    return dsw_writer_write(w, &value, 1);
}

int dsw_writer_u16(dsw_writer *w, uint16_t value)
{
    uint8_t le[2];
    dsw_put_u16le(le, value);
    return dsw_writer_write(w, le, 2);
}

int dsw_writer_end(dsw_writer *w)
{
    uint8_t crc[DSW_CRC_LEN];
    uint8_t i;
    if (!w->open) {
        return DSW_E_STATE;
    }
    if (w->remaining != 0) {
        return DSW_E_TOO_LITTLE;
    }
    dsw_put_u32le(crc, w->crc);
    for (i = 0; i < DSW_CRC_LEN; ++i) {
        cobs_byte(w, crc[i]);
    }
    /* The last block; none after a full block that ended the data (as the Python `cobs`). */
    if (!(w->after_full && w->n == 0)) {
        emit_block(w, (uint8_t)(w->n + 1));
    }
    w->put(w->ctx, 0x00);
    w->open = 0;
    return DSW_OK;
}

typedef struct {
    uint8_t *out;
    size_t cap;
    size_t len;
} mem_sink;

static void mem_put(void *ctx, uint8_t byte)
{
    mem_sink *s = (mem_sink *)ctx;
    if (s->len < s->cap) {
        s->out[s->len] = byte;
    }
    s->len++;
}

size_t dsw_encode_frame(uint8_t *out, size_t cap, uint8_t type, const uint8_t *payload,
                        uint16_t payload_len, uint32_t seq, uint64_t device_time_us)
{
    dsw_writer w;
    mem_sink sink;
    sink.out = out;
    sink.cap = cap;
    sink.len = 0;
    dsw_writer_init(&w, mem_put, &sink);
    dsw_writer_begin(&w, type, payload_len, seq, device_time_us);
    dsw_writer_write(&w, payload, payload_len);
    dsw_writer_end(&w);
    return sink.len <= cap ? sink.len : 0;
}

/* ---------------------------------------------------------------- decoder */

static void reset_run(dsw_decoder *d)
{
    d->len = 0;
    d->run = 0;
    d->left = 0;
    d->zero_pending = 0;
    d->overflow = 0;
}

void dsw_decoder_init(dsw_decoder *d, uint8_t *buf, size_t cap)
{
    uint8_t i;
    d->buf = buf;
    d->cap = cap;
    reset_run(d);
    d->have_seq = 0;
    d->last_seq = 0;
    d->gap_missing = 0;
    d->seq_reset = 0;
    d->frames = 0;
    d->bad_frames = 0;
    for (i = 0; i < DSW_N_BAD_REASONS; ++i) {
        d->bad[i] = 0;
    }
    d->gaps = 0;
    d->gap_events = 0;
    d->seq_resets = 0;
}

static void store(dsw_decoder *d, uint8_t byte)
{
    if (d->len < d->cap) {
        d->buf[d->len++] = byte;
    } else {
        d->overflow = 1;
    }
}

static int bad(dsw_decoder *d, enum dsw_bad_reason reason)
{
    d->bad_reason = reason;
    d->bad_frames++;
    d->bad[reason]++;
    reset_run(d);
    return DSW_BAD;
}

static int end_of_run(dsw_decoder *d)
{
    size_t len = d->len;
    uint32_t jump;
    uint16_t payload_len;
    if (d->run > DSW_MAX_ENCODED_LEN) {
        return bad(d, DSW_BAD_LENGTH);
    }
    if (d->left != 0) {
        return bad(d, DSW_BAD_COBS);
    }
    if (d->overflow) {
        return bad(d, DSW_BAD_LENGTH);
    }
    if (len < DSW_MIN_BODY_LEN) {
        return bad(d, DSW_BAD_TRUNCATED);
    }
    if (dsw_crc32_update(0, d->buf, len - DSW_CRC_LEN) != dsw_get_u32le(d->buf + len - DSW_CRC_LEN)) {
        return bad(d, DSW_BAD_CRC);
    }
    if (d->buf[0] != DSW_PROTOCOL_VERSION) {
        return bad(d, DSW_BAD_VERSION);
    }
    payload_len = dsw_get_u16le(d->buf + 2);
    if ((size_t)payload_len != len - DSW_MIN_BODY_LEN) {
        return bad(d, DSW_BAD_LENGTH);
    }
    d->frame.type = d->buf[1];
    d->frame.seq = dsw_get_u32le(d->buf + 4);
    d->frame.device_time_us = dsw_get_u64le(d->buf + 8);
    d->frame.payload = d->buf + DSW_HEADER_LEN;
    d->frame.payload_len = payload_len;
    d->gap_missing = 0;
    d->seq_reset = 0;
    if (d->have_seq) {
        jump = d->frame.seq - d->last_seq - 1u;
        if (jump >= 0x80000000ul) {
            d->seq_reset = 1;
            d->seq_resets++;
        } else if (jump != 0) {
            d->gap_missing = jump;
            d->gaps += jump;
            d->gap_events++;
        }
    }
    d->have_seq = 1;
    d->last_seq = d->frame.seq;
    d->frames++;
    reset_run(d);
    return DSW_FRAME;
}

int dsw_decoder_push(dsw_decoder *d, uint8_t byte)
{
    if (byte == 0x00) {
        if (d->run == 0) {
            return DSW_NONE; /* idle or resync zero */
        }
        return end_of_run(d);
    }
    if (d->run <= DSW_MAX_ENCODED_LEN) {
        d->run++;
    }
    if (d->run > DSW_MAX_ENCODED_LEN) {
        return DSW_NONE; /* too long to be a frame: skip to the next delimiter */
    }
    if (d->left == 0) { /* a COBS code byte */
        if (d->zero_pending) {
            store(d, 0);
        }
        d->left = (uint8_t)(byte - 1u);
        d->zero_pending = (uint8_t)(byte != 0xFF);
    } else {
        store(d, byte);
        d->left--;
    }
    return DSW_NONE;
}

int dsw_decoder_finish(dsw_decoder *d)
{
    if (d->run == 0) {
        return DSW_NONE;
    }
    return bad(d, d->run > DSW_MAX_ENCODED_LEN ? DSW_BAD_LENGTH : DSW_BAD_TRUNCATED);
}

const char *dsw_bad_reason_name(enum dsw_bad_reason reason)
{
    static const char *const names[DSW_N_BAD_REASONS] = {"cobs", "truncated", "crc", "version",
                                                         "length"};
    return (unsigned)reason < DSW_N_BAD_REASONS ? names[reason] : "?";
}

/* ---------------------------------------------------------------- JSON of COMMAND payloads */

static size_t skip_space(const uint8_t *s, size_t i, size_t len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) {
        ++i;
    }
    return i;
}

/* Index just past the string starting at s[i] == '"', or len when unterminated. */
static size_t skip_string(const uint8_t *s, size_t i, size_t len)
{
    for (++i; i < len; ++i) {
        if (s[i] == '\\') {
            ++i;
        } else if (s[i] == '"') {
            return i + 1;
        }
    }
    return len;
}

/* Index just past the value starting at s[i] (string, number, literal, or nested). */
static size_t skip_value(const uint8_t *s, size_t i, size_t len)
{
    unsigned depth = 0;
    if (i < len && s[i] == '"') {
        return skip_string(s, i, len);
    }
    while (i < len) {
        uint8_t c = s[i];
        if (c == '"') {
            i = skip_string(s, i, len);
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                return i;
            }
            depth--;
        } else if (c == ',' && depth == 0) {
            return i;
        }
        ++i;
    }
    return i;
}

static int key_equals(const uint8_t *s, size_t start, size_t stop, const char *key)
{
    size_t i;
    for (i = start; i < stop; ++i, ++key) {
        if (*key == '\0' || (uint8_t)*key != s[i]) {
            return 0;
        }
    }
    return *key == '\0';
}

int dsw_json_find(const uint8_t *json, size_t len, const char *key, const uint8_t **value,
                  size_t *value_len)
{
    size_t i = skip_space(json, 0, len);
    if (i >= len || json[i] != '{') {
        return 0;
    }
    ++i;
    for (;;) {
        size_t key_start, key_stop, val_start, val_stop;
        i = skip_space(json, i, len);
        if (i >= len || json[i] != '"') {
            return 0;
        }
        key_start = i + 1;
        i = skip_string(json, i, len);
        if (i >= len) {
            return 0;
        }
        key_stop = i - 1;
        i = skip_space(json, i, len);
        if (i >= len || json[i] != ':') {
            return 0;
        }
        val_start = skip_space(json, i + 1, len);
        val_stop = skip_value(json, val_start, len);
        if (val_stop >= len || val_stop == val_start) {
            return 0;
        }
        if (key_equals(json, key_start, key_stop, key)) {
            if (json[val_start] == '"') {
                *value = json + val_start + 1;
                *value_len = val_stop - val_start - 2;
            } else {
                while (val_stop > val_start && (json[val_stop - 1] == ' ' ||
                                                json[val_stop - 1] == '\n' ||
                                                json[val_stop - 1] == '\t' ||
                                                json[val_stop - 1] == '\r')) {
                    --val_stop;
                }
                *value = json + val_start;
                *value_len = val_stop - val_start;
            }
            return 1;
        }
        i = skip_space(json, val_stop, len);
        if (i >= len || json[i] != ',') {
            return 0;
        }
        ++i;
    }
}

int dsw_json_get_string(const uint8_t *json, size_t len, const char *key, char *out, size_t cap)
{
    const uint8_t *value;
    size_t n, i;
    if (!dsw_json_find(json, len, key, &value, &n)) {
        return 0;
    }
    if (value == json || value[-1] != '"' || n + 1 > cap) {
        return 0;
    }
    for (i = 0; i < n; ++i) {
        out[i] = (char)value[i];
    }
    out[n] = '\0';
    return 1;
}

int dsw_json_get_long(const uint8_t *json, size_t len, const char *key, long *out)
{
    const uint8_t *value;
    size_t n, i = 0;
    long result = 0;
    int negative = 0;
    if (!dsw_json_find(json, len, key, &value, &n) || n == 0 || value[-1] == '"') {
        return 0;
    }
    if (value[0] == '-') {
        negative = 1;
        i = 1;
    }
    if (i == n) {
        return 0;
    }
    for (; i < n; ++i) {
        if (value[i] < '0' || value[i] > '9' || result > 214748363L) {
            return 0;
        }
        result = result * 10 + (long)(value[i] - '0');
    }
    *out = negative ? -result : result;
    return 1;
}
