"""A second Link peer, in a process of its own: records (Link time, beat) pairs and prints them as JSON.

Run as ``python link_peer.py SECONDS``; it waits (up to 10 s) for another peer before it records.
"""

import asyncio
import json
import sys
import time


async def main(seconds: float) -> None:
    import aalink

    link = aalink.Link(100.0)
    link.quantum = 4.0
    link.start_stop_sync_enabled = True
    link.enabled = True
    deadline = time.monotonic() + 10
    while link.num_peers < 1 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    print(json.dumps({"peers": link.num_peers}), flush=True)
    samples = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.clock_gettime(time.CLOCK_MONOTONIC_RAW)
        beat = link.beat
        t1 = time.clock_gettime(time.CLOCK_MONOTONIC_RAW)
        if t1 - t0 < 0.0002:  # not preempted between the clock and the beat: a true pair
            samples.append(((t0 + t1) / 2, beat, link.tempo, link.playing))
        await asyncio.sleep(0.005)
    link.enabled = False
    print(json.dumps({"samples": samples}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1])))
