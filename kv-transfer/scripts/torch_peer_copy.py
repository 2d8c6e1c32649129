#!/usr/bin/env python3
"""Reference link figures for kv-bench on a GPU host: GPU0 -> GPU1 peer copy, and pinned D2H / H2D, via PyTorch.

Prints one JSON object: {"peerAccess": bool, "results": [{"size": B, "peerGbps": x, "d2hGbps": y, "h2dGbps": z}]}.
GB/s are 10^9 bytes per second of payload, timed with CUDA events after warm-up.
"""
import json
import sys

import torch


def timed(fn, iters, device):
    for _ in range(3):
        fn()
    torch.cuda.synchronize(device)
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    with torch.cuda.device(device):
        start.record()
        for _ in range(iters):
            fn()
        end.record()
    torch.cuda.synchronize(device)
    return start.elapsed_time(end) / 1e3 / iters


def _ipc_child(q, r):
    t = q.get()
    r.put(float(t.sum().item()))


def torch_ipc_works():
    """Whether CUDA IPC works here at all: a tensor on GPU 1 shared with a second process through PyTorch."""
    import torch.multiprocessing as mp
    ctx = mp.get_context("spawn")
    q, r = ctx.Queue(), ctx.Queue()
    p = ctx.Process(target=_ipc_child, args=(q, r))
    p.start()
    t = torch.ones(1 << 20, device="cuda:%d" % (torch.cuda.device_count() - 1))
    q.put(t)
    try:
        return r.get(timeout=60) == float(1 << 20)
    except Exception as e:  # noqa: BLE001 - report, don't crash the reference run
        return "failed: %s" % e
    finally:
        p.join(10)


def main(sizes):
    out = {"devices": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())],
           "peerAccess": torch.cuda.device_count() > 1 and torch.cuda.can_device_access_peer(0, 1), "results": []}
    for size in sizes:
        iters = max(5, min(2000, (4 << 30) // size))
        src = torch.empty(size, dtype=torch.uint8, device="cuda:0")
        host = torch.empty(size, dtype=torch.uint8, pin_memory=True)
        row = {"size": size, "iters": iters}
        if torch.cuda.device_count() > 1:
            dst = torch.empty(size, dtype=torch.uint8, device="cuda:1")
            row["peerGbps"] = size / timed(lambda: dst.copy_(src, non_blocking=True), iters, 0) / 1e9
            row["h2dGbps"] = size / timed(lambda: dst.copy_(host, non_blocking=True), iters, 1) / 1e9
        row["d2hGbps"] = size / timed(lambda: host.copy_(src, non_blocking=True), iters, 0) / 1e9
        out["results"].append(row)
    out["torchCudaIpc"] = torch_ipc_works()
    print(json.dumps(out))


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [4096, 1 << 20, 64 << 20, 256 << 20])
