/*
 * detsig example firmware: a 4-gate pulse-induction metal detector on an ATmega328P (16 MHz,
 * Arduino Uno / Nano) that streams wire protocol v1 frames (../PROTOCOL.md) over UART0.
 *
 * Front end (see ../README.md for the schematic notes):
 *   PB1 (Arduino D9)  -> gate of the coil-driving MOSFET: high for PULSE_US every period
 *   PC0 (Arduino A0)  <- amplified, clamped coil voltage (0-5 V)
 *   PB5 (Arduino D13) -> LED, on while streaming
 *   UART0 (D0/D1)     <-> host, 250 000 baud 8N1 (UBRR 3: exact at 16 MHz)
 *
 * Every PERIOD_US the coil is pulsed; after the pulse ends the ADC samples the decay at the
 * gate delays GATE_US[]. `averages` pulses are averaged into one frame of N_GATES int16
 * values (ADC counts); `frames_per_block` frames make one MD_BLOCK frame, written through the
 * reference C encoder as the frames are produced (the whole frame never sits in RAM).
 * COMMANDs (start, stop, hello, config) are handled between blocks, so after the ACK of
 * `stop` nothing follows. While streaming, a STATUS frame is sent every 2 s; when stopped the
 * device only answers COMMANDs, so a host that opens or closes the port while the device is
 * idle never cuts a frame in flight.
 *
 * References: the timing follows common open PI designs (e.g. the Surf PI / Hammerhead
 * family: ~100 us pulse, sampling tens of us after turn-off); ATmega328P datasheet (Microchip
 * DS40002061), ADC and USART chapters.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detsig_wire.h"

#define FIRMWARE_VERSION "1.0.0"
#define BAUD_UBRR 3u /* 16 MHz / (16 * 250000) - 1 */
#define PERIOD_US 1000u
#define PULSE_US 100u
#define N_GATES 4u
#define TICKS_PER_US 2u /* Timer1 at clk/8 */
#define STATUS_PERIODS 2000u

static const uint8_t GATE_US[N_GATES] = {16, 32, 64, 128};

/* ------------------------------------------------------------ UART with interrupt rings */

#define TX_SIZE 256u
#define RX_SIZE 128u
static volatile uint8_t tx_ring[TX_SIZE];
static volatile uint8_t tx_head, tx_tail; /* 8-bit indices wrap at 256 by themselves */
static volatile uint8_t rx_ring[RX_SIZE];
static volatile uint8_t rx_head, rx_tail;
static volatile uint16_t rx_overruns;

ISR(USART_UDRE_vect)
{
    if (tx_head == tx_tail) {
        UCSR0B &= (uint8_t)~_BV(UDRIE0);
        return;
    }
    UDR0 = tx_ring[tx_tail];
    tx_tail++;
}

ISR(USART_RX_vect)
{
    uint8_t byte = UDR0;
    uint8_t next = (uint8_t)((rx_head + 1u) % RX_SIZE);
    if (next == rx_tail) {
        rx_overruns++;
        return;
    }
    rx_ring[rx_head] = byte;
    rx_head = next;
}

static uint16_t tx_waits;

static void uart_put(void *ctx, uint8_t byte)
{
    (void)ctx;
    if ((uint8_t)(tx_head + 1u) == tx_tail) {
        tx_waits++;
        while ((uint8_t)(tx_head + 1u) == tx_tail) {
        }
    }
    tx_ring[tx_head] = byte;
    tx_head++;
    UCSR0B |= _BV(UDRIE0);
}

static int uart_get(uint8_t *byte)
{
    if (rx_head == rx_tail) {
        return 0;
    }
    *byte = rx_ring[rx_tail];
    rx_tail = (uint8_t)((rx_tail + 1u) % RX_SIZE);
    return 1;
}

static void uart_init(void)
{
    UBRR0H = 0;
    UBRR0L = BAUD_UBRR;
    UCSR0A = 0;
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
    UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0);
}

/* ------------------------------------------------------------ time base */

static volatile uint32_t periods; /* Timer1 compare matches since boot */

ISR(TIMER1_COMPA_vect)
{
    periods++;
}

static uint32_t periods_now(void)
{
    uint32_t n;
    uint8_t sreg = SREG;
    cli();
    n = periods;
    SREG = sreg;
    return n;
}

static void timer_init(void)
{
    TCCR1A = 0;
    TCCR1B = _BV(WGM12) | _BV(CS11); /* CTC on OCR1A, clk/8 */
    OCR1A = PERIOD_US * TICKS_PER_US - 1u;
    TIMSK1 = _BV(OCIE1A);
}

static uint16_t ticks(void)
{
    uint16_t t;
    uint8_t sreg = SREG;
    cli();
    t = TCNT1;
    SREG = sreg;
    return t;
}

/* ------------------------------------------------------------ acquisition */

static void adc_init(void)
{
    ADMUX = _BV(REFS0);                          /* AVcc reference, channel ADC0 */
    ADCSRA = _BV(ADEN) | _BV(ADPS2);             /* clk/16 = 1 MHz: 13 us per conversion */
    DIDR0 = _BV(ADC0D);
}

static uint16_t adc_read(void)
{
    ADCSRA |= _BV(ADSC);
    while (ADCSRA & _BV(ADSC)) {
    }
    return ADC;
}

/* One pulse: drive the coil, then sample each gate after turn-off; adds into sums. */
static void pulse(uint16_t sums[N_GATES])
{
    uint16_t start, off;
    uint8_t g;
    start = ticks();
    PORTB |= _BV(PB1);
    while ((uint16_t)(ticks() - start) < PULSE_US * TICKS_PER_US) {
    }
    PORTB &= (uint8_t)~_BV(PB1);
    off = ticks();
    for (g = 0; g < N_GATES; ++g) {
        while ((uint16_t)(ticks() - off) < (uint16_t)GATE_US[g] * TICKS_PER_US) {
        }
        sums[g] += adc_read();
    }
}

/* ------------------------------------------------------------ protocol */

static dsw_writer writer;
static uint32_t seq;
static uint8_t rx_body[128];
static dsw_decoder decoder;
static char text[400]; /* longest: HELLO, 367 bytes */

static uint8_t streaming;
static uint32_t status_at; /* period of the next STATUS while streaming */
static uint8_t averages = 4;
static uint8_t frames_per_block = 20;

static uint64_t time_us_of(uint32_t period)
{
    return (uint64_t)period * PERIOD_US;
}

static void send(uint8_t type, const void *payload, uint16_t len)
{
    dsw_writer_begin(&writer, type, len, seq++, time_us_of(periods_now()));
    dsw_writer_write(&writer, payload, len);
    dsw_writer_end(&writer);
}

static void send_text(uint8_t type, int n)
{
    if (n > 0 && n < (int)sizeof text) {
        send(type, text, (uint16_t)n);
    }
}

static void send_hello(void)
{
    /* frame rate in mHz: 1e9 / (PERIOD_US * averages) */
    uint32_t rate_mhz = 1000000000ul / ((uint32_t)PERIOD_US * averages);
    int n = snprintf_P(
        text, sizeof text,
        PSTR("{\"device\":\"md\",\"model\":\"detsig-pi-avr\",\"serial\":\"AVR-0001\","
             "\"firmware\":\"" FIRMWARE_VERSION "\",\"config\":{"
             "\"channels\":[\"g16us\",\"g32us\",\"g64us\",\"g128us\"],"
             "\"sample_rate_hz\":%lu.%03lu,\"units\":\"adc_counts\",\"sample_format\":\"int16\","
             "\"gate_delays_s\":[1.6e-5,3.2e-5,6.4e-5,1.28e-4],\"pulse_width_s\":1e-4,"
             "\"pulse_period_s\":0.001,\"averages\":%u,\"frames_per_block\":%u,"
             "\"adc_bits\":10,\"adc_reference_v\":5.0}}"),
        (unsigned long)(rate_mhz / 1000u), (unsigned long)(rate_mhz % 1000u),
        (unsigned)averages, (unsigned)frames_per_block);
    send_text(DSW_HELLO, n);
}

static void send_ack(const char *cmd, uint8_t ok, const char *error_P)
{
    int n;
    if (ok) {
        n = snprintf_P(text, sizeof text, PSTR("{\"cmd\":\"%s\",\"ok\":true}"), cmd);
    } else {
        n = snprintf_P(text, sizeof text, PSTR("{\"cmd\":\"%s\",\"ok\":false,\"error\":\"%S\"}"),
                       cmd, error_P);
    }
    send_text(DSW_ACK, n);
}

static void send_status(void)
{
    int n = snprintf_P(text, sizeof text,
                       PSTR("{\"running\":%S,\"uptime_s\":%lu,\"averages\":%u,"
                            "\"rx_bad_frames\":%lu,\"rx_overruns\":%u,\"tx_waits\":%u}"),
                       streaming ? PSTR("true") : PSTR("false"),
                       (unsigned long)(periods_now() / (1000000ul / PERIOD_US)),
                       (unsigned)averages, (unsigned long)decoder.bad_frames,
                       (unsigned)rx_overruns, (unsigned)tx_waits);
    send_text(DSW_STATUS, n);
}

static void config(const uint8_t *json, uint16_t len)
{
    long value;
    uint8_t new_averages = averages, new_block = frames_per_block;
    if (streaming) {
        send_ack("config", 0, PSTR("stop streaming before changing the configuration"));
        return;
    }
    if (dsw_json_get_long(json, len, "averages", &value)) {
        if (value < 1 || value > 64) {
            send_ack("config", 0, PSTR("averages must be 1-64"));
            return;
        }
        new_averages = (uint8_t)value;
    }
    if (dsw_json_get_long(json, len, "frames_per_block", &value)) {
        if (value < 1 || value > 50) {
            send_ack("config", 0, PSTR("frames_per_block must be 1-50"));
            return;
        }
        new_block = (uint8_t)value;
    }
    averages = new_averages;
    frames_per_block = new_block;
    send_ack("config", 1, NULL);
    send_hello();
}

/* Handle one received COMMAND frame (called only between data frames). */
static void command(const dsw_frame *frame)
{
    char cmd[24];
    if (frame->type != DSW_COMMAND) {
        return;
    }
    if (!dsw_json_get_string(frame->payload, frame->payload_len, "cmd", cmd, sizeof cmd)) {
        send_ack("?", 0, PSTR("COMMAND without a string cmd"));
        return;
    }
    if (strcmp_P(cmd, PSTR("start")) == 0) {
        streaming = 1;
        status_at = periods_now() + STATUS_PERIODS;
        PORTB |= _BV(PB5);
        send_ack(cmd, 1, NULL);
    } else if (strcmp_P(cmd, PSTR("stop")) == 0) {
        streaming = 0;
        PORTB &= (uint8_t)~_BV(PB5);
        send_ack(cmd, 1, NULL); /* the last frame until the next COMMAND */
    } else if (strcmp_P(cmd, PSTR("hello")) == 0) {
        send_ack(cmd, 1, NULL);
        send_hello();
    } else if (strcmp_P(cmd, PSTR("config")) == 0) {
        config(frame->payload, frame->payload_len);
    } else {
        send_ack(cmd, 0, PSTR("unknown command"));
    }
}

static void poll_commands(void)
{
    uint8_t byte;
    while (uart_get(&byte)) {
        if (dsw_decoder_push(&decoder, byte) == DSW_FRAME) {
            command(&decoder.frame);
        }
    }
}

/* ------------------------------------------------------------ main loop */

int main(void)
{
    uint16_t sums[N_GATES];
    uint32_t last_period;
    uint8_t n_pulses = 0, n_frames = 0, g;

    DDRB = _BV(PB1) | _BV(PB5);
    PORTB = 0;
    uart_init();
    timer_init();
    adc_init();
    dsw_writer_init(&writer, uart_put, NULL);
    dsw_decoder_init(&decoder, rx_body, sizeof rx_body);
    sei();

    uart_put(NULL, 0x00); /* resync zero for a host that saw a partial frame before reset */
    send_hello();
    memset(sums, 0, sizeof sums);
    last_period = periods_now();

    for (;;) {
        uint32_t now;
        do {
            now = periods_now();
        } while (now == last_period);
        last_period = now;

        if (n_frames == 0 && n_pulses == 0) {
            /* between blocks: commands and status */
            poll_commands();
            if (!streaming) {
                continue; /* idle: silent until a COMMAND */
            }
            if ((int32_t)(now - status_at) >= 0) {
                status_at = now + STATUS_PERIODS;
                send_status();
            }
            dsw_writer_begin(&writer, DSW_MD_BLOCK,
                             (uint16_t)(4u + (uint16_t)frames_per_block * N_GATES * 2u), seq++,
                             time_us_of(now));
            dsw_writer_u8(&writer, DSW_INT16);
            dsw_writer_u8(&writer, N_GATES);
            dsw_writer_u16(&writer, frames_per_block);
        }
        pulse(sums);
        if (++n_pulses < averages) {
            continue;
        }
        for (g = 0; g < N_GATES; ++g) {
            dsw_writer_u16(&writer, (uint16_t)((sums[g] + averages / 2u) / averages));
            sums[g] = 0;
        }
        n_pulses = 0;
        if (++n_frames == frames_per_block) {
            dsw_writer_end(&writer);
            n_frames = 0;
        }
    }
}
