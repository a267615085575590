"""LSL round trip: sample counts and latency of the simulator through an outlet and the lsl: inlet driver.

Latency of a sample = LSL clock when the receiving session has it in its ring
minus its LSL timestamp (the sender's acquisition time). Real time, paced.
"""
from __future__ import annotations

import threading
import uuid

import numpy as np


def add_arguments(p) -> None:
    p.add_argument("--seconds", type=float, default=10.0, help="how long to stream (default 10)")
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--fs", type=float, default=2000.0)


def run(args) -> int:
    from ..app.live import LiveSession
    from ..lsl import require_pylsl
    pylsl = require_pylsl()
    name = f"emgmap-bench-{uuid.uuid4().hex[:6]}"
    sending, receiving = LiveSession(), LiveSession()
    sender = sending.connect(f"sim:?counter=1&channels={args.channels}&fs={args.fs:g}", start=False)
    sending.publish(True, name)
    receiver = receiving.connect(f"lsl:name={name}", start=False)
    latencies: list[np.ndarray] = []
    lock = threading.Lock()

    def on_block(block):  # acquisition thread of the receiver: sample is in the ring now
        now = pylsl.local_clock()
        with lock:
            latencies.append(now - (block.timestamps - receiver.driver._offset))

    receiver.add_listener(on_block)
    receiving.start()
    receiver.wait_until(lambda s: s.status.state.value == "streaming", 10)
    sending.start()
    sender.wait_until(lambda s: s.status.elapsed_s >= args.seconds, args.seconds + 10)
    sender.stop()
    receiver.wait_until(lambda s: s.rings.total >= sender.rings.total, 10)
    receiving.close()
    pushed = sending.publisher.pushed
    sending.close()
    lat = np.concatenate(latencies) * 1e3 if latencies else np.array([np.nan])
    first_s = int(args.fs)  # the first second includes connection set-up: reported apart
    warm, lat = lat[:first_s], lat[first_s:]
    counter = receiver.rings.raw.read_range(0, receiver.rings.total)[:, -1]
    sent = sender.rings.sample_index.read_range(0, sender.rings.total)
    intact = counter.shape == sent.shape and np.array_equal(counter, sent)
    print(f"LSL round trip, {args.channels} ch @ {args.fs:g} Hz for {args.seconds:g} s (sim -> outlet -> lsl: driver)")
    print(f"samples sent {sender.rings.total}, pushed {pushed}, received {receiver.rings.total}, "
          f"lost {sender.rings.total - receiver.rings.total}, counter intact: {intact}")
    print(f"latency ms: p50 {np.percentile(lat, 50):.2f}  p90 {np.percentile(lat, 90):.2f}  "
          f"p99 {np.percentile(lat, 99):.2f}  max {lat.max():.2f}  (after the first second; "
          f"first second p50 {np.percentile(warm, 50):.2f}, max {warm.max():.2f})")
    return 0 if intact else 1
