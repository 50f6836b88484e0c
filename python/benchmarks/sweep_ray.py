"""The Ray sweep against the in-process sweep, and the per-task times a scaling estimate needs.

    python python/benchmarks/sweep_ray.py examples/bytedance-2025.toml 20000 [repeats]

Starts a local Ray with 2 CPUs. Prints, in seconds:
- in-process: fleetplan.sweep (every core, rayon);
- ray: fleetplan.distributed.sweep with 2 tasks (one per CPU, one thread each), Ray already
  started and its workers warm (a small sweep runs first); ray_cold: the first call, worker
  start included;
- task_overhead: a 1-sample task (worker-side scenario load, whole-table draw, rate table,
  bytes back) measured through Ray; per_sample: one thread's time per sample (a chunk run in
  this process with RAYON_NUM_THREADS=1 set before the import); gather: sweep_gather (nominal
  run, swings, statistics) on the gathered chunks; chunk_mb: bytes moved per 1,000 samples.
"""

import os
import statistics
import sys
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")  # per_sample below: one thread, as in a task

import ray  # noqa: E402

import fleetplan  # noqa: E402
from fleetplan import _native, distributed  # noqa: E402


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def main() -> None:
    path, samples = sys.argv[1], int(sys.argv[2])
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    s = fleetplan.load_scenario(path)
    seed = 3

    # One thread in this process: the per-sample time of a task.
    per_sample_s, piece = timed(lambda: _native.sweep_chunk(s, samples, seed, "evaluate", 0, min(100, samples)))
    per_sample = per_sample_s / len(piece)
    chunk_mb = len(piece.to_bytes()) / len(piece) * 1000 / 1e6

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    cold, _ = timed(lambda: distributed.sweep(s, samples=samples, seed=seed, chunks=2))
    task = distributed._remote(distributed._sweep_task, ray)
    overheads = []
    for _ in range(5):
        t, _ = timed(lambda: ray.get(task.remote([], s.text, s.file, samples, seed, "evaluate", 0, 1)))
        overheads.append(t)
    pieces = ray.get([task.remote([], s.text, s.file, samples, seed, "evaluate", a, b)
                      for a, b in distributed.ranges(samples, 2)])
    gather, _ = timed(lambda: _native.sweep_gather(s, samples, seed, "evaluate", pieces))
    ray_times = []
    for _ in range(repeats):
        t, _ = timed(lambda: distributed.sweep(s, samples=samples, seed=seed, chunks=2))
        ray_times.append(t)
    ray.shutdown()
    # In-process with every core (a fresh process would be cleaner; RAYON_NUM_THREADS only binds
    # the pool when first used, so run it in a subprocess).
    import subprocess

    code = ("import fleetplan,time,sys; s=fleetplan.load_scenario(sys.argv[1]); n=int(sys.argv[2]);"
            "r=[]\nfor _ in range(int(sys.argv[3])):\n t=time.perf_counter(); fleetplan.sweep(s, samples=n, seed=3);"
            " r.append(time.perf_counter()-t)\nprint(' '.join(f'{x:.3f}' for x in r))")
    env = {k: v for k, v in os.environ.items() if k != "RAYON_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", code, path, str(samples), str(repeats)], env=env,
                         capture_output=True, text=True, check=True).stdout
    inproc = [float(x) for x in out.split()]
    print(f"samples {samples}, seed {seed}, local Ray with 2 CPUs, {repeats} repeats")
    print(f"in-process     {' '.join(f'{x:.2f}' for x in inproc)}  median {statistics.median(inproc):.2f} s")
    print(f"ray (warm)     {' '.join(f'{x:.2f}' for x in ray_times)}  median {statistics.median(ray_times):.2f} s")
    print(f"ratio          {statistics.median(ray_times) / statistics.median(inproc):.3f}")
    print(f"ray_cold       {cold:.2f} s")
    print(f"task_overhead  {statistics.median(overheads):.3f} s (1-sample task, median of 5)")
    print(f"per_sample     {per_sample * 1e3:.3f} ms (one thread)")
    print(f"gather         {gather:.3f} s")
    print(f"chunk_mb       {chunk_mb:.3f} MB per 1,000 samples")


if __name__ == "__main__":
    main()
