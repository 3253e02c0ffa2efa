/*
 * Firmware-in-the-loop harness: runs the example PI detector firmware (../avr) in simavr,
 * bridges its UART0 to a pseudo-terminal (simavr's uart_pty part) and plays a coil signal
 * into ADC0.
 *
 *   pi_harness FIRMWARE.elf --signal FILE [--speed X] [--duration-s S] [--link PATH]
 *
 * On start it prints one line "PTY /dev/pts/N" (after simavr's own messages) and then runs the
 * AVR paced to wall-clock time (x --speed), so the UART delivers bytes at the real 250 000
 * baud rate. It stops after --duration-s simulated seconds (0: until SIGINT/SIGTERM) and
 * prints run statistics on stderr.
 *
 * Coil model: the harness watches the coil-drive pin (PB1). When the firmware starts an ADC
 * conversion on ADC0 at time dt after the pulse ended, ADC0 gets
 *
 *     v = offset_mv + coil_mv * exp(-dt / coil_tau_us)
 *           + target_mv(t) * exp(-dt / target_tau_us) + noise_mv * N(0, 1)     [mV]
 *
 * where target_mv(t) is read from the signal file and interpolated linearly in time (t counts
 * from the first coil pulse, i.e. from when the host sent `start`, so a recording always
 * sees the whole pass whenever the host connects): the
 * amplitude of the eddy-current decay of a metal target as the coil passes over it (a
 * pulse-induction response decays exponentially with the target's time constant; see
 * C. Bruschini, "A multidisciplinary analysis of frequency domain metal detectors for
 * humanitarian demining", PhD thesis, VUB 2002, ch. 2, and the PI section of
 * D. Guelle et al., "Metal detector handbook for humanitarian demining", EC JRC 2003).
 *
 * Signal file: text; lines "# key=value" set offset_mv, coil_mv, coil_tau_us, target_tau_us,
 * noise_mv, seed; other non-empty lines are "time_s,target_mv" in increasing time.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <avr_adc.h>
#include <avr_ioport.h>
#include <sim_avr.h>
#include <sim_elf.h>
#include <sim_irq.h>
#include <sim_time.h>
#include <uart_pty.h>

#define MAX_POINTS 200000

static struct {
    double offset_mv, coil_mv, coil_tau_us, target_tau_us, noise_mv;
    uint64_t seed;
    double *time_s, *target_mv;
    size_t n;
} sig = {400.0, 3000.0, 6.0, 40.0, 2.0, 1, NULL, NULL, 0};

static avr_t *avr;
static avr_irq_t *adc0_irq;
static avr_cycle_count_t pulse_off_cycle, first_pulse_cycle;
static int coil_on;
static unsigned long n_pulses, n_conversions, n_clipped;
static volatile sig_atomic_t stop_requested;

static void on_signal(int signo)
{
    (void)signo;
    stop_requested = 1;
}

static int load_signal(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];
    if (f == NULL) {
        fprintf(stderr, "pi_harness: cannot open signal file %s: %s\n", path, strerror(errno));
        return -1;
    }
    sig.time_s = calloc(MAX_POINTS, sizeof(double));
    sig.target_mv = calloc(MAX_POINTS, sizeof(double));
    while (fgets(line, sizeof line, f) != NULL) {
        double t, v;
        char key[32];
        double value;
        if (line[0] == '#') {
            if (sscanf(line, "# %31[a-z_]=%lf", key, &value) == 2) {
                if (strcmp(key, "offset_mv") == 0) sig.offset_mv = value;
                else if (strcmp(key, "coil_mv") == 0) sig.coil_mv = value;
                else if (strcmp(key, "coil_tau_us") == 0) sig.coil_tau_us = value;
                else if (strcmp(key, "target_tau_us") == 0) sig.target_tau_us = value;
                else if (strcmp(key, "noise_mv") == 0) sig.noise_mv = value;
                else if (strcmp(key, "seed") == 0) sig.seed = (uint64_t)value;
            }
            continue;
        }
        if (sscanf(line, "%lf,%lf", &t, &v) == 2 && sig.n < MAX_POINTS) {
            if (sig.n > 0 && t <= sig.time_s[sig.n - 1]) {
                fprintf(stderr, "pi_harness: %s: times must increase (at %g s)\n", path, t);
                fclose(f);
                return -1;
            }
            sig.time_s[sig.n] = t;
            sig.target_mv[sig.n] = v;
            sig.n++;
        }
    }
    fclose(f);
    if (sig.n == 0) {
        fprintf(stderr, "pi_harness: %s holds no \"time_s,target_mv\" lines\n", path);
        return -1;
    }
    return 0;
}

static double target_at(double t)
{
    size_t lo = 0, hi = sig.n - 1;
    if (t <= sig.time_s[0]) return sig.target_mv[0];
    if (t >= sig.time_s[hi]) return sig.target_mv[hi];
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (sig.time_s[mid] <= t) lo = mid;
        else hi = mid;
    }
    return sig.target_mv[lo] + (sig.target_mv[hi] - sig.target_mv[lo]) *
                                   (t - sig.time_s[lo]) / (sig.time_s[hi] - sig.time_s[lo]);
}

/* xorshift64* and Box-Muller: deterministic noise for a given seed. */
static double uniform(void)
{
    sig.seed ^= sig.seed >> 12;
    sig.seed ^= sig.seed << 25;
    sig.seed ^= sig.seed >> 27;
    return ((sig.seed * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}

static double gaussian(void)
{
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static void coil_pin_hook(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)param;
    if (value && !coil_on) {
        if (n_pulses++ == 0) {
            first_pulse_cycle = avr->cycle;
        }
    }
    if (!value && coil_on) {
        pulse_off_cycle = avr->cycle;
    }
    coil_on = value != 0;
}

static void adc_trigger_hook(struct avr_irq_t *irq, uint32_t value, void *param)
{
    union {
        avr_adc_mux_t mux;
        uint32_t v;
    } e;
    double dt_us, t_s, mv;
    (void)irq;
    (void)param;
    e.v = value;
    if (e.mux.kind != ADC_MUX_SINGLE || e.mux.src != 0) {
        return;
    }
    n_conversions++;
    t_s = (double)(avr->cycle - first_pulse_cycle) / avr->frequency;
    if (coil_on) {
        mv = 0.0; /* the input clamp holds the amplifier at 0 V while the coil is driven */
    } else {
        dt_us = (double)(avr->cycle - pulse_off_cycle) * 1e6 / avr->frequency;
        mv = sig.offset_mv + sig.coil_mv * exp(-dt_us / sig.coil_tau_us) +
             target_at(t_s) * exp(-dt_us / sig.target_tau_us) + sig.noise_mv * gaussian();
    }
    if (mv < 0.0) mv = 0.0;
    if (mv > 4999.0) {
        mv = 4999.0;
        n_clipped++;
    }
    avr_raise_irq(adc0_irq, (uint32_t)(mv + 0.5));
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void usage(void)
{
    fprintf(stderr, "usage: pi_harness FIRMWARE.elf --signal FILE [--speed X] "
                    "[--duration-s S] [--link PATH]\n");
}

int main(int argc, char **argv)
{
    const char *elf = NULL, *signal_path = NULL, *link_path = NULL;
    double speed = 1.0, duration_s = 0.0, start_wall;
    elf_firmware_t fw;
    uart_pty_t uart;
    unsigned long iterations = 0;
    int state = cpu_Running, i;

    for (i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--signal") == 0 && i + 1 < argc) signal_path = argv[++i];
        else if (strcmp(argv[i], "--speed") == 0 && i + 1 < argc) speed = atof(argv[++i]);
        else if (strcmp(argv[i], "--duration-s") == 0 && i + 1 < argc) duration_s = atof(argv[++i]);
        else if (strcmp(argv[i], "--link") == 0 && i + 1 < argc) link_path = argv[++i];
        else if (argv[i][0] != '-' && elf == NULL) elf = argv[i];
        else {
            usage();
            return 2;
        }
    }
    if (elf == NULL || signal_path == NULL || speed <= 0.0) {
        usage();
        return 2;
    }
    if (load_signal(signal_path) != 0) {
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    memset(&fw, 0, sizeof fw);
    if (elf_read_firmware(elf, &fw) != 0) {
        fprintf(stderr, "pi_harness: cannot read firmware %s\n", elf);
        return 2;
    }
    strcpy(fw.mmcu, "atmega328p");
    fw.frequency = 16000000;
    fw.vcc = fw.avcc = fw.aref = 5000;
    avr = avr_make_mcu_by_name(fw.mmcu);
    if (avr == NULL) {
        fprintf(stderr, "pi_harness: simavr does not know the atmega328p\n");
        return 1;
    }
    avr_init(avr);
    avr->log = 1;
    avr_load_firmware(avr, &fw);
    avr->frequency = 16000000;
    avr->vcc = avr->avcc = avr->aref = 5000;

    adc0_irq = avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_OUT_TRIGGER),
                            adc_trigger_hook, NULL);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('B'), IOPORT_IRQ_PIN1),
                            coil_pin_hook, NULL);

    uart_pty_init(avr, &uart);
    uart_pty_connect(&uart, '0');
    if (link_path != NULL) {
        unlink(link_path);
        if (symlink(uart.pty.slavename, link_path) != 0) {
            fprintf(stderr, "pi_harness: cannot create link %s: %s\n", link_path,
                    strerror(errno));
            return 1;
        }
    }
    printf("PTY %s\n", uart.pty.slavename);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    start_wall = wall_s();
    while (!stop_requested && state != cpu_Done && state != cpu_Crashed) {
        state = avr_run(avr);
        if ((++iterations & 0x3FFu) == 0) {
            double sim_s = (double)avr->cycle / avr->frequency;
            double ahead_s = sim_s / speed - (wall_s() - start_wall);
            if (duration_s > 0.0 && sim_s >= duration_s) {
                break;
            }
            if (ahead_s > 0.002) {
                usleep((useconds_t)(ahead_s * 1e6));
            }
        }
    }
    fprintf(stderr,
            "pi_harness: simulated %.3f s in %.3f s wall, %lu pulses, %lu ADC conversions, "
            "%lu clipped, cpu state %d\n",
            (double)avr->cycle / avr->frequency, wall_s() - start_wall, n_pulses,
            n_conversions, n_clipped, state);
    /* Give the pty thread a moment to hand the last bytes to the reader. No uart_pty_stop():
     * its thread may be blocked writing to a pty nobody reads; exiting ends it. */
    usleep(200000);
    if (link_path != NULL) {
        unlink(link_path);
    }
    return state == cpu_Crashed ? 1 : 0;
}
