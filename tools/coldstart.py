# Cold start to first result: spawn `mien analyze`, timestamp every stderr line; the progress line is first drawn
# right after the first analysed frame (piped stderr draws it at once), so its time is process start -> first result.
# Usage: python3 tools/coldstart.py RUNS COMMAND... (e.g. 5 ./mien analyze photo.jpg --offline)
import subprocess, sys, time, statistics
cmd = sys.argv[2:]
runs = int(sys.argv[1])
first, total = [], []
for r in range(runs):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    t_first = None
    for line in p.stderr:
        if t_first is None and (" s / " in line or " frames, " in line) and "fps" in line:
            t_first = time.monotonic() - t0
    p.wait()
    t_total = time.monotonic() - t0
    first.append(t_first if t_first is not None else float('nan'))
    total.append(t_total)
    print(f"run {r+1}: first result {t_first:.3f} s, process exit {t_total:.3f} s, exit code {p.returncode}", flush=True)
print(f"median first result {statistics.median(first):.3f} s, median exit {statistics.median(total):.3f} s over {runs} runs")
