/* Runs the emgmap_serial firmware on a simulated ATmega328P (simavr): the analog inputs
   A0-A3 held at the millivolts given on the command line (AVcc 5 V), every byte the
   UART sends written to the file OUT, for the simulated seconds asked. Built and run by the
   Makefile beside it (`make simulate`) and by tests/test_firmware.py. */
#include <stdio.h>
#include <stdlib.h>
#include <simavr/sim_avr.h>
#include <simavr/sim_elf.h>
#include <simavr/avr_uart.h>
#include <simavr/avr_adc.h>

static void uart_out(struct avr_irq_t *irq, uint32_t value, void *param) {
    (void)irq;
    fputc(value & 0xFF, (FILE *)param);
}

int main(int argc, char **argv) {
    elf_firmware_t f = {{0}};
    if (argc != 8 || elf_read_firmware(argv[1], &f)) {
        fprintf(stderr, "usage: %s FIRMWARE.elf SECONDS OUT MV0 MV1 MV2 MV3\n", argv[0]);
        return 2;
    }
    double seconds = atof(argv[2]);
    FILE *out = fopen(argv[3], "wb");
    if (!out) return 2;
    avr_t *avr = avr_make_mcu_by_name("atmega328p");
    avr_init(avr);
    avr->avcc = 5000;  /* an Uno: analogRead() full scale is 5 V */
    f.frequency = 16000000;
    avr_load_firmware(avr, &f);
    uint32_t flags = 0;
    avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
    flags &= ~AVR_UART_FLAG_STDIO;
    avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), uart_out, out);
    /* A0..A3 in millivolts */
    for (int c = 0; c < 4; c++)
        avr_raise_irq(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0 + c), atoi(argv[4 + c]));
    /* run the firmware for the simulated seconds asked */
    avr_cycle_count_t end = (avr_cycle_count_t)(seconds * 16000000.0);
    while (avr->cycle < end) {
        int st = avr_run(avr);
        if (st == cpu_Done || st == cpu_Crashed) return 3;
    }
    fclose(out);
    return 0;
}
