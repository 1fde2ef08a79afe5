"""A burst of commands: 1,000 mixed commands a second for 10 s, and the engine still plays.

    .venv/bin/python -m bench.burst            # 10 s bursts; dropouts in 3 x 10 s slices per player
    .venv/bin/python -m bench.burst --quick    # 5 s bursts, 1 slice each

Part 1, the show's own commands (the demo setlist, through JACK): next/previous song and section,
play/pause, jumps to sections in every jump mode, seeks, cues, vamps and stem gains, at 1,000 a
second. Reported: commands sent, how long until the last was answered, engine deaths (target 0),
callback faults, and that a song then cues and plays.

Part 2, dropped blocks against the bare player in the same run (bench/jack.py's counter stem on
output 7, counted from the capture): the same rate of commands that work the control thread as
hard (jumps built and cancelled before they land, songs queued, gain ramps, toggles) but keep the
music in place, so every discontinuity in the capture is a dropped block, not a jump.

Exits non-zero when a scenario did not happen (nothing sent, the engine died, nothing played).
"""

from __future__ import annotations

import argparse
import random
import shutil
import time
from pathlib import Path

import numpy as np

from bench import jack as bj
from player.actions import Action
from player.engine import messages as m
from player.engine.engine import Engine
from player.engine.status import State

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "setlists" / "demo.toml"
RATE_PER_S = 1000


def show_command(rng: random.Random) -> m.Command:
    pick = rng.randrange(12)
    if pick < 5:
        return m.DoAction((Action.NEXT_SONG, Action.PREVIOUS_SONG, Action.NEXT_SECTION,
                           Action.PREVIOUS_SECTION, Action.PLAY_PAUSE)[pick], source="bench")
    return (m.Jump(section=rng.randrange(6), mode=rng.choice(list(m.JumpMode))),
            m.SetStem(stem=rng.randrange(9), gain_db=-rng.uniform(0, 12)),
            m.Seek(seconds=rng.uniform(0, 60)), m.Cue(rng.randrange(3)), m.Play(),
            m.Pause(), m.Vamp())[pick - 5]


def in_place_commands(rng: random.Random) -> list[m.Command]:
    """Control-thread work that leaves the counter stem's position alone."""
    pick = rng.randrange(6)
    if pick == 0:  # a jump target built (files opened, decoded) then cancelled before it lands
        return [m.Jump(section=rng.randrange(4), mode=m.JumpMode.SECTION_END), m.CancelJump()]
    if pick == 1:
        return [m.DoAction(rng.choice((Action.NEXT_SONG, Action.PREVIOUS_SONG)), source="bench")]
    if pick == 2:
        return [m.SetStem(stem=1 + rng.randrange(23), gain_db=-rng.uniform(0, 12))]
    if pick == 3:
        return [m.DoAction(Action.GUIDE_TOGGLE, source="bench")]
    if pick == 4:
        return [m.DoAction(Action.JUMP_MODE_CYCLE, source="bench")]
    return [m.MuteRole(_role(rng))]  # type: ignore[arg-type]


def _role(rng: random.Random) -> object:
    from player.setlist.roles import Role

    return rng.choice([r for r in Role if r.value not in ("click",)])


def send_burst(eng: Engine, seconds: float, make) -> int:
    rng = random.Random(11)
    sent = 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        for _ in range(RATE_PER_S // 50):
            for cmd in make(rng):
                eng.send(cmd)
                sent += 1
        time.sleep(max(0.0, start + sent / RATE_PER_S - time.monotonic()))
    return sent


def drain(eng: Engine, seen: list[m.Event], timeout: float = 120.0) -> float | None:
    """Seconds until a marker sent now is answered: every command before it was taken.

    Reads the events in bulk (``Engine.events``): ``wait_for`` puts back what follows the event it
    returns, which costs O(n) per call over the thousands of answers a burst leaves queued.
    """
    t0 = time.monotonic()
    eng.send(m.DoAction(Action.JUMP_MODE_CYCLE, source="marker"))
    while time.monotonic() - t0 < timeout:
        batch = eng.events()
        seen.extend(batch)
        if any(isinstance(e, m.ActionDone) and e.source == "marker" for e in batch):
            return time.monotonic() - t0
        time.sleep(0.005)
    return None


def part1(seconds: float, work: Path) -> list[str]:
    problems = []
    server = bj.Server(128, work)
    bj.use_server(server.name)
    server.start()
    eng = Engine(log=work / "engine-show.log")
    eng.start()
    try:
        bj.load_engine(eng, DEMO, play=True)
        pid = eng.pid
        t0 = time.monotonic()
        sent = send_burst(eng, seconds, lambda rng: [show_command(rng)])
        took = time.monotonic() - t0
        seen: list[m.Event] = []
        lag = drain(eng, seen)
        deaths = sum(isinstance(e, m.EngineDied) for e in seen) + eng.restarts
        faults = eng.status().faults
        eng.send(m.Stop())
        time.sleep(0.3)
        eng.send(m.Cue(1))
        eng.send(m.Seek(seconds=30))
        time.sleep(0.5)
        eng.send(m.Play())
        playing = eng.wait_state(State.PLAYING, 5) is not None
        time.sleep(1.0)
        st = eng.status()
        sounding = max(st.out_peaks or (0.0,)) > 0.01
        print(f"part 1, the show's commands: {sent} sent in {took:.1f} s ({sent / took:.0f}/s); "
              f"the last answered {lag if lag is None else round(lag, 2)} s after the burst; "
              f"engine deaths {deaths} (target 0), pid {'same' if eng.pid == pid else 'CHANGED'}; "
              f"callback faults {faults}; then cue + play: state {st.state.name}, "
              f"{'sound on the outputs' if sounding else 'SILENT'}")
        if lag is None or deaths or eng.pid != pid or not playing or not sounding or sent < 100:
            problems.append("part 1: the engine did not take the burst and play on")
    finally:
        eng.close()
        server.stop()
    return problems


def write_song(folder: Path) -> None:
    stems = "".join(f'[[stems]]\nfile = "t{i:02d}.wav"\nrole = "keys"\n' for i in range(1, 24))
    sections = "".join(f'[[sections]]\nname = "Part {k + 1}"\nbar = {1 + 8 * k}\n' for k in range(8))
    (folder / "song.toml").write_text(
        'title = "Counter"\n[tempo]\nbpm = 120\n[generate]\nguide = "off"\n' + sections
        + '[[stems]]\nfile = "click.wav"\nrole = "click"\n' + stems)


def part2(seconds: float, slices: int, work: Path) -> list[str]:
    block = 128
    media = bj.Media(max(30, int(seconds) + 15), "wav")
    media.ensure()
    songs = [media.song(work / "songs" / f"counter{k}") for k in range(3)]
    for song in songs:
        write_song(song)
    rig = bj.write_rig(work / "rig.toml", block)
    setlist = bj.write_setlist(work / "counter.toml", rig, songs, "counter")
    server = bj.Server(block, work)
    bj.use_server(server.name)
    server.start()
    rec = bj.Recorder(server.name, [bj.COUNTER_OUTPUT], seconds, name="bench-burst")
    totals = {"ours": 0, "bare": 0}
    sent_total = 0
    problems = []
    print(f"\npart 2, dropped blocks at {block} frames ({slices} x {seconds:.0f} s per player, "
          "alternating; ours under the burst):")
    try:
        for i in range(2 * slices):
            who = "ours" if i % 2 == 0 else "bare"
            eng = bare = None
            try:
                if who == "ours":
                    eng = Engine(log=work / f"engine-{i}.log")
                    eng.start()
                    bj.load_engine(eng, setlist, play=True)
                else:
                    bare = bj.BarePlayer(block, 7)
                time.sleep(1.0)
                rec.arm()
                if eng is not None:
                    sent = send_burst(eng, seconds - 0.5, in_place_commands)
                    sent_total += sent
                captured = rec.wait(seconds + 10).copy()
                times = rec.block_times()
                own = ""
                if eng is not None:
                    seen: list[m.Event] = []
                    lag = drain(eng, seen)
                    st = eng.status()
                    own = (f"sent {sent}, drained in {lag if lag is None else round(lag, 2)} s, "
                           f"state {st.state.name}, deaths {eng.restarts}, faults {st.faults}, "
                           f"jumps landed {st.jumps}")
                    if lag is None or eng.restarts or st.state is not State.PLAYING or st.jumps:
                        problems.append(f"part 2 slice {i + 1}: {own}")
            finally:
                if eng is not None:
                    eng.close()
                if bare is not None:
                    bare.close()
            g = bj.count_glitches(captured[0], block, times)
            totals[who] += g.bad
            print(f"  slice {i + 1} {who:4s}: {g.blocks} blocks, {g.bad} dropped  {own}", flush=True)
            if g.blocks < seconds * bj.RATE / block * 0.9:
                problems.append(f"slice {i + 1}: only {g.blocks} blocks captured")
    finally:
        rec.close()
        server.stop()
    print(f"  total: ours {totals['ours']} dropped blocks under {sent_total} commands, bare "
          f"{totals['bare']}, in {slices * seconds:.0f} s each; ratio ours/bare "
          f"{bj.ratio(totals['ours'], totals['bare'])}; target ours <= bare: "
          f"{'met' if totals['ours'] <= totals['bare'] else 'NOT met'}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="5 s bursts, one slice per player")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--slices", type=int, default=3)
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.slices = 5.0, 1
    bj.header("bench/burst.py")
    work = Path(f"/tmp/stageplayer-bench-burst-{time.time_ns()}")
    work.mkdir(parents=True)
    try:
        problems = part1(args.seconds, work) + part2(args.seconds, args.slices, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print("\nSCENARIO FAILED: " + "; ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
