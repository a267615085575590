// emgmap serial protocol v1 (docs/serial-protocol.md): sample N analog pins
// (e.g. MyoWare sensors) at a fixed rate from a hardware timer and send binary
// frames  A5 5A | seq u16 LE | n u8 | n x int16 LE | CRC-16/CCITT-FALSE LE.
//
// Board: Arduino Uno / Nano (ATmega328P, 16 MHz). Timer1 in CTC mode fires at
// FS_HZ; the interrupt only reads the ADC into a small queue, loop() frames and
// sends. Other AVR boards work with the same registers; for others replace
// startTimer() with the board's timer API.
//
// Throughput: a frame is 7 + 2*N bytes (15 for N = 4). At 500000 baud (10 bits
// per byte) that is 3333 frames/s, well above FS_HZ = 1000. Four analogRead()
// calls take ~0.45 ms on an Uno, so N = 4 at 1000 Hz fits; for more channels
// lower FS_HZ.

#include <Arduino.h>

const uint8_t N_CHANNELS = 4;
const uint8_t PINS[N_CHANNELS] = {A0, A1, A2, A3};
const uint16_t FS_HZ = 1000;
const unsigned long BAUD = 500000;
// µV at the electrode per ADC count: 5 V / 1024 counts = 4883 µV at the ADC
// input; divide by your sensor's gain (a raw-output MyoWare 2.0 is ~1000x
// after its gain knob setting, hence 4.88). Change it to match your hardware.
const char BANNER[] = "# emgmap-serial v1 fs=1000 channels=4 scale_uv=4.88\n";

const uint8_t QUEUE = 16;                      // samples buffered between ISR and loop()
volatile int16_t queue[QUEUE][N_CHANNELS];
volatile uint8_t head = 0, tail = 0;
volatile uint16_t sampleSeq = 0;                // counts every sample taken, sent or not
volatile uint16_t queueSeq[QUEUE];

// CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor.
uint16_t crc16(uint16_t crc, uint8_t b) {
  crc ^= (uint16_t)b << 8;
  for (uint8_t i = 0; i < 8; i++) {
    crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
  }
  return crc;
}

void startTimer() {
  noInterrupts();
  TCCR1A = 0;
  TCCR1B = _BV(WGM12) | _BV(CS11);              // CTC, prescaler 8: 2 MHz
  OCR1A = (F_CPU / 8 / FS_HZ) - 1;              // 1999 for 1000 Hz
  TIMSK1 = _BV(OCIE1A);
  interrupts();
}

ISR(TIMER1_COMPA_vect) {
  uint8_t next = (head + 1) % QUEUE;
  uint16_t seq = sampleSeq++;
  if (next == tail) return;                     // queue full: this sample is lost, seq shows the gap
  for (uint8_t c = 0; c < N_CHANNELS; c++) {
    queue[head][c] = analogRead(PINS[c]) - 512; // centre the 10-bit reading on 0
  }
  queueSeq[head] = seq;
  head = next;
}

void sendFrame(uint16_t seq, const int16_t *v) {
  uint8_t frame[7 + 2 * N_CHANNELS];
  uint8_t k = 0;
  frame[k++] = 0xA5;
  frame[k++] = 0x5A;
  frame[k++] = seq & 0xFF;
  frame[k++] = seq >> 8;
  frame[k++] = N_CHANNELS;
  for (uint8_t c = 0; c < N_CHANNELS; c++) {
    frame[k++] = (uint16_t)v[c] & 0xFF;
    frame[k++] = (uint16_t)v[c] >> 8;
  }
  uint16_t crc = 0xFFFF;
  for (uint8_t i = 2; i < k; i++) crc = crc16(crc, frame[i]);
  frame[k++] = crc & 0xFF;
  frame[k++] = crc >> 8;
  Serial.write(frame, k);
}

void setup() {
  Serial.begin(BAUD);
  Serial.print(BANNER);                          // sent on every reset (the host opening the port resets an Uno)
  startTimer();
}

void loop() {
  while (tail != head) {
    int16_t v[N_CHANNELS];
    noInterrupts();
    for (uint8_t c = 0; c < N_CHANNELS; c++) v[c] = queue[tail][c];
    uint16_t seq = queueSeq[tail];
    tail = (tail + 1) % QUEUE;
    interrupts();
    sendFrame(seq, v);
  }
}
