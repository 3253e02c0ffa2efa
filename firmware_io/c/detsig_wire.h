/*
 * detsig wire protocol v1: reference C99 implementation.
 *
 * Frame on the wire: COBS(body) 0x00. Body, little-endian:
 *   u8 version (1) | u8 type | u16 payload_len | u32 seq | u64 device_time_us |
 *   payload | u32 CRC-32 (IEEE, as zlib.crc32) over version .. payload
 * The normative text is ../PROTOCOL.md.
 *
 * - Encoder (device -> host): dsw_writer streams one frame byte by byte through a callback
 *   with a 254-byte block buffer, so a device never needs the whole frame in RAM;
 *   dsw_encode_frame() wraps it for a caller-provided output buffer.
 * - Decoder (host -> device commands, and any receiver): dsw_decoder takes one byte at a
 *   time (e.g. from a UART receive interrupt) into a caller-provided body buffer and reports
 *   frames, bad frames by reason, and sequence gaps.
 *
 * No allocation, no I/O, no dependency beyond <stddef.h> and <stdint.h>; works on 8-bit MCUs
 * (AVR: about 1.5 kB of flash, 280 bytes of RAM per writer).
 * SPDX-License-Identifier: BSD-3-Clause
 */
#ifndef DETSIG_WIRE_H
#define DETSIG_WIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DSW_PROTOCOL_VERSION 1u
#define DSW_HEADER_LEN 16u
#define DSW_CRC_LEN 4u
#define DSW_MIN_BODY_LEN 20u
#define DSW_MAX_PAYLOAD_LEN 65535u
#define DSW_MAX_BODY_LEN (DSW_MIN_BODY_LEN + DSW_MAX_PAYLOAD_LEN)
/* Largest COBS encoding of a body of n bytes (one code byte per 254 data bytes, at most). */
#define DSW_ENCODED_LEN(n) ((n) + (n) / 254u + 1u)
/* Bytes on the wire of a frame with this payload length, delimiter included (upper bound). */
#define DSW_FRAME_LEN(payload_len) (DSW_ENCODED_LEN((payload_len) + DSW_MIN_BODY_LEN) + 1u)
#define DSW_MAX_ENCODED_LEN DSW_ENCODED_LEN(65555ul)

/* Message types. */
enum dsw_type {
    DSW_HELLO = 0x01,
    DSW_GPR_TRACE = 0x10,
    DSW_MD_BLOCK = 0x20,
    DSW_ENCODER = 0x30,
    DSW_MARK = 0x40,
    DSW_STATUS = 0x50,
    DSW_ERROR = 0x7F,
    DSW_COMMAND = 0x80,
    DSW_ACK = 0x81
};

/* Sample formats of GPR_TRACE and MD_BLOCK. */
enum dsw_sample_format { DSW_INT16 = 1, DSW_INT32 = 2, DSW_FLOAT32 = 3 };

/* CRC-32 (IEEE 802.3, reflected, as zlib.crc32): start with crc = 0, feed any pieces. */
uint32_t dsw_crc32_update(uint32_t crc, const uint8_t *data, size_t len);

/* Little-endian stores, for building payloads. */
void dsw_put_u16le(uint8_t *out, uint16_t value);
void dsw_put_u32le(uint8_t *out, uint32_t value);
void dsw_put_u64le(uint8_t *out, uint64_t value);
uint16_t dsw_get_u16le(const uint8_t *in);
uint32_t dsw_get_u32le(const uint8_t *in);
uint64_t dsw_get_u64le(const uint8_t *in);

/* ---------------------------------------------------------------- encoder */

/* Receives each wire byte in order. */
typedef void (*dsw_put_fn)(void *ctx, uint8_t byte);

typedef struct {
    dsw_put_fn put;
    void *ctx;
    uint32_t crc;
    uint16_t remaining; /* payload bytes still to write */
    uint8_t n;          /* bytes in block */
    uint8_t after_full; /* the last thing emitted was a full 254-byte block */
    uint8_t open;       /* between begin and end */
    uint8_t block[254];
} dsw_writer;

/* Result codes of the writer. */
enum { DSW_OK = 0, DSW_E_STATE = -1, DSW_E_TOO_MUCH = -2, DSW_E_TOO_LITTLE = -3 };

void dsw_writer_init(dsw_writer *w, dsw_put_fn put, void *ctx);
/* Start a frame; payload_len bytes must follow through dsw_writer_write before _end. */
int dsw_writer_begin(dsw_writer *w, uint8_t type, uint16_t payload_len, uint32_t seq,
                     uint64_t device_time_us);
int dsw_writer_write(dsw_writer *w, const void *data, uint16_t len);
int dsw_writer_u8(dsw_writer *w, uint8_t value);
int dsw_writer_u16(dsw_writer *w, uint16_t value);
/* Write the CRC, flush the last COBS block and the 0x00 delimiter. */
int dsw_writer_end(dsw_writer *w);

/* Encode one frame into out (capacity cap); returns its length incl. the 0x00, 0 if it does
 * not fit (DSW_FRAME_LEN(payload_len) bytes always suffice). */
size_t dsw_encode_frame(uint8_t *out, size_t cap, uint8_t type, const uint8_t *payload,
                        uint16_t payload_len, uint32_t seq, uint64_t device_time_us);

/* ---------------------------------------------------------------- decoder */

/* Why a frame was rejected; the order of the checks is the order of this list. */
enum dsw_bad_reason {
    DSW_BAD_COBS = 0,      /* COBS block runs past the delimiter */
    DSW_BAD_TRUNCATED = 1, /* body shorter than 20 bytes (or stream ended inside a frame) */
    DSW_BAD_CRC = 2,       /* CRC-32 mismatch */
    DSW_BAD_VERSION = 3,   /* version byte is not 1 */
    DSW_BAD_LENGTH = 4,    /* payload_len disagrees with the body, or frame too long */
    DSW_N_BAD_REASONS = 5
};

/* What dsw_decoder_push returned. */
enum { DSW_NONE = 0, DSW_FRAME = 1, DSW_BAD = -1 };

typedef struct {
    uint8_t type;
    uint32_t seq;
    uint64_t device_time_us;
    const uint8_t *payload; /* points into the decoder's buffer; valid until the next push */
    uint16_t payload_len;
} dsw_frame;

typedef struct {
    uint8_t *buf; /* decoded body */
    size_t cap;
    size_t len;
    uint32_t run; /* raw bytes since the last delimiter */
    uint8_t left; /* data bytes left in the current COBS block */
    uint8_t zero_pending;
    uint8_t overflow;
    uint8_t have_seq;
    uint32_t last_seq;
    /* results of the last push */
    dsw_frame frame;
    enum dsw_bad_reason bad_reason; /* valid when push returned DSW_BAD */
    uint32_t gap_missing;           /* missing seq numbers just before this frame (0: none) */
    uint8_t seq_reset;              /* this frame's seq jumped backwards */
    /* counters */
    uint32_t frames;
    uint32_t bad_frames;
    uint32_t bad[DSW_N_BAD_REASONS];
    uint32_t gaps;
    uint32_t gap_events;
    uint32_t seq_resets;
} dsw_decoder;

/* buf holds one decoded body: 20 + the largest payload this receiver accepts (a device that
 * only takes COMMANDs needs ~100 bytes); bigger frames are rejected as DSW_BAD_LENGTH. */
void dsw_decoder_init(dsw_decoder *d, uint8_t *buf, size_t cap);
/* Feed one received byte: DSW_NONE, DSW_FRAME (d->frame is set) or DSW_BAD (d->bad_reason). */
int dsw_decoder_push(dsw_decoder *d, uint8_t byte);
/* End of stream: a frame cut off counts as one bad frame. Returns DSW_NONE or DSW_BAD. */
int dsw_decoder_finish(dsw_decoder *d);
/* Name of a reason: "cobs", "truncated", "crc", "version", "length". */
const char *dsw_bad_reason_name(enum dsw_bad_reason reason);

/* ---------------------------------------------------------------- JSON of COMMAND payloads */

/* Find the value of a top-level key in a flat JSON object (as COMMAND payloads are).
 * On success returns 1 and sets *value / *value_len to the raw token (a string without its
 * quotes, escapes left as they are); returns 0 when absent or malformed. */
int dsw_json_find(const uint8_t *json, size_t len, const char *key, const uint8_t **value,
                  size_t *value_len);
/* Copy a string value into out (NUL-terminated); 1 on success, 0 if absent or too long. */
int dsw_json_get_string(const uint8_t *json, size_t len, const char *key, char *out, size_t cap);
/* Parse an integer value; 1 on success, 0 if absent or not an integer. */
int dsw_json_get_long(const uint8_t *json, size_t len, const char *key, long *out);

#ifdef __cplusplus
}
#endif

#endif /* DETSIG_WIRE_H */
