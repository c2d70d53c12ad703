#!/usr/bin/env python3
"""Start-up time and memory of Switchboard's release build, beside a minimal Tauri window.

For each app, RUNS launches under a private Xvfb display. Each launch measures:
- start: wall time from spawning the process to the UI's first command reaching Rust (the app
  logs "ui ready in N ms" at that moment), i.e. window created, page loaded, script ran;
- PSS: proportional set size of the app and all its descendants (WebKitWebProcess,
  WebKitNetworkProcess), read from /proc/PID/smaps_rollup SETTLE seconds after ready.
The first launch of each app runs after dropping the page cache when that is permitted
(root), so it is a true cold start; the rest are warm. Prints a table and one JSON line.
"""
import json, os, platform, shutil, statistics, subprocess, sys, tempfile, time

RUNS = int(os.environ.get("RUNS", "5"))
SETTLE = float(os.environ.get("SETTLE", "1.0"))
TIMEOUT = 60.0


def descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        except (OSError, ValueError, IndexError):
            pass
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def pss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def drop_caches():
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def launch(command, env):
    started = time.monotonic()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        deadline = started + TIMEOUT
        for line in proc.stderr:
            if "ui ready in" in line:
                ready_ms = (time.monotonic() - started) * 1000
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not report ready within {TIMEOUT}s")
        else:
            raise RuntimeError(f"{command[0]} exited before its UI was ready (code {proc.wait()})")
        time.sleep(SETTLE)
        pids = descendants(proc.pid)
        return ready_ms, pss_kib(pids) / 1024, len(pids)
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


def measure(name, make_command, env):
    results = []
    for run in range(RUNS):
        cold = run == 0 and drop_caches()
        with tempfile.TemporaryDirectory() as data:
            ms, mib, procs = launch(make_command(data), env)
        results.append({"run": run, "cold": cold, "start_ms": round(ms), "pss_mib": round(mib, 1), "processes": procs})
        print(f"  {name:12} run {run}{' (cold)' if cold else '       '}  start {ms:7.0f} ms   PSS {mib:6.1f} MiB  ({procs} processes)", flush=True)
    return results


def summary(results):
    warm = [r for r in results if not r["cold"]] or results
    cold = [r for r in results if r["cold"]]
    return {
        "cold_start_ms": cold[0]["start_ms"] if cold else None,
        "warm_start_ms_median": statistics.median(r["start_ms"] for r in warm),
        "pss_mib_median": statistics.median(r["pss_mib"] for r in results),
    }


def main():
    app, floor = sys.argv[1], sys.argv[2]
    display = ":77"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(f"/tmp/.X11-unix/X{display[1:]}"):
            if time.monotonic() > deadline or xvfb.poll() is not None:
                raise RuntimeError("Xvfb did not start")
            time.sleep(0.05)
        env = dict(os.environ, DISPLAY=display, SWITCHBOARD_LOG="info")
        print(f"Start-up benchmark, {RUNS} runs each, PSS read {SETTLE}s after ready")
        sb = measure("switchboard", lambda data: [app, "--data-dir", data], env)
        fl = measure("tauri floor", lambda data: [floor], dict(env, XDG_DATA_HOME=tempfile.mkdtemp()))
    finally:
        xvfb.terminate()
        xvfb.wait()
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.system()} {platform.release()}, {os.cpu_count()} cores, "
                   f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB",
        "runs": RUNS,
        "switchboard": summary(sb),
        "floor": summary(fl),
    }
    print()
    print(f"{'':14}{'cold start':>12}{'warm start (median)':>22}{'PSS (median)':>15}")
    for name in ("switchboard", "floor"):
        s = report[name]
        cold = f"{s['cold_start_ms']} ms" if s["cold_start_ms"] is not None else "n/a"
        print(f"{name:14}{cold:>12}{str(s['warm_start_ms_median']) + ' ms':>22}{str(s['pss_mib_median']) + ' MiB':>15}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
