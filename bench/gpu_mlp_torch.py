"""PyTorch eager peer of bench/gpu_mlp.c: the same MLP 28-300-300-300-1
(ReLU, Adam, BCE with logits, fp32, TF32 off), the same data layout (2^17
events kept on the GPU, consecutive-row batches) and the same measurements,
printed under the same keys with a "torch_" prefix.

    python3 bench/gpu_mlp_torch.py [seconds per figure]
"""
import sys
import time

import torch

F, H, NDATA = 28, 300, 1 << 17


def main():
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 1.5
    if not torch.cuda.is_available():
        print("torch_unavailable no_cuda_device")
        return
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    print("torch_version", torch.__version__)
    print("torch_device", torch.cuda.get_device_name(0).replace(" ", "_"))
    g = torch.Generator().manual_seed(3)
    x = torch.randn(NDATA, F, generator=g)
    w = torch.cat([torch.ones(7), -0.3 * torch.ones(F - 7)])
    t = ((x @ w + 0.5 * torch.randn(NDATA, generator=g)) > 0).float().unsqueeze(1)
    x, t = x.to(dev), t.to(dev)
    model = torch.nn.Sequential(torch.nn.Linear(F, H), torch.nn.ReLU(), torch.nn.Linear(H, H), torch.nn.ReLU(),
                                torch.nn.Linear(H, H), torch.nn.ReLU(), torch.nn.Linear(H, 1)).to(dev)
    opt = torch.optim.Adam(model.parameters())
    lossf = torch.nn.BCEWithLogitsLoss()

    def train_rate(bs):
        per = NDATA // bs
        model.train()

        def step(k):
            r = (k % per) * bs
            opt.zero_grad(set_to_none=True)
            loss = lossf(model(x[r:r + bs]), t[r:r + bs])
            loss.backward()
            opt.step()
            return loss

        for k in range(10):
            step(k)
        torch.cuda.synchronize()
        steps, batch, t0 = 0, 16, time.perf_counter()
        t1 = t0
        while t1 - t0 < secs:
            for _ in range(batch):
                loss = step(steps)
                steps += 1
            torch.cuda.synchronize()
            t1 = time.perf_counter()
            batch = min(batch * 2, 1024)
        return steps * bs / (t1 - t0), float(loss)

    # the quality check: mean loss of the last 100 of 2000 steps at batch 256 from the fresh model
    model.train()
    losses = []
    for k in range(2000):
        r = (k % (NDATA // 256)) * 256
        opt.zero_grad(set_to_none=True)
        loss = lossf(model(x[r:r + 256]), t[r:r + 256])
        loss.backward()
        opt.step()
        if k >= 1900:
            losses.append(float(loss))
    print(f"torch_loss_2000_steps_b256 {sum(losses) / len(losses):.4f}")

    fwd = 2.0 * (F * H + H * H + H * H + H)
    flops = fwd + 2.0 * fwd - 2.0 * F * H
    for bs in (256, 1024, 8192):
        r, loss = train_rate(bs)
        print(f"torch_train_events_per_s_b{bs} {r:.0f}")
        print(f"torch_train_tflops_b{bs} {r * flops * 1e-12:.3f}")
    print(f"torch_final_loss {loss:.4f}")

    model.eval()
    lat = []
    xe = torch.arange(F, dtype=torch.float32) * 0.1
    with torch.no_grad():
        for i in range(-50, 3000):
            t0 = time.perf_counter()
            xe[0] = i * 1e-3
            model(xe.to(dev).unsqueeze(0)).item()
            if i >= 0:
                lat.append(time.perf_counter() - t0)
        lat.sort()
        print(f"torch_infer1_latency_us {1e6 * lat[len(lat) // 2]:.2f}")
        xb = x[:100000]

        def batch_rate():
            for _ in range(5):
                model(xb)
            torch.cuda.synchronize()
            runs, t0 = 0, time.perf_counter()
            t1 = t0
            while t1 - t0 < secs:
                for _ in range(10):
                    model(xb)
                    runs += 1
                torch.cuda.synchronize()
                t1 = time.perf_counter()
            return runs * 100000 / (t1 - t0)

        print(f"torch_infer_events_per_s_b100000 {batch_rate():.0f}")
        torch.backends.cuda.matmul.allow_tf32 = True
        print(f"torch_infer_tf32_events_per_s_b100000 {batch_rate():.0f}")

if __name__ == "__main__":
    main()
