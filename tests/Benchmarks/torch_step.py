# PyTorch reference of the cnn_1d training step (Debian python3-torch): /usr/bin/python3 tests/Benchmarks/torch_step.py [steps] [threads]
# Compare with artifacts/bin/bench step cnn_1d, alternating; give it the same allocator and wait policy:
#   GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=2147483647 OMP_WAIT_POLICY=PASSIVE
import sys, time, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 4
def same_pool(x):
    L = x.shape[-1]; out = (L + 1) // 2; total = max((out - 1) * 2 + 3 - L, 0); left = total // 2
    return F.max_pool1d(F.pad(x, (left, total - left), value=float('-inf')), 3, 2)
class Net(nn.Module):
    def __init__(s, dropout):
        super().__init__()
        s.c1 = nn.Conv1d(64, 100, 7, padding=3); s.c2 = nn.Conv1d(100, 150, 5, padding=2); s.c3 = nn.Conv1d(150, 200, 3, padding=1)
        s.drop = nn.Dropout(0.2) if dropout else nn.Identity(); s.fc = nn.Linear(200, 41)
    def forward(s, x):
        x = x.transpose(1, 2)
        x = same_pool(F.relu(s.c1(x))); x = same_pool(F.relu(s.c2(x))); x = F.relu(s.c3(x))
        return s.fc(s.drop(x.amax(2)))
torch.manual_seed(1)
for name, dropout in [("cnn_1d", False), ("cnn_1d_dropout", True)]:
    net = Net(dropout); opt = torch.optim.Adam(net.parameters(), 1e-3, eps=1e-7)
    times = []
    for s in range(steps + 1):
        t = time.perf_counter()
        x = torch.randn(64, 3001, 64); y = torch.randint(0, 41, (64,))
        loss = F.cross_entropy(net(x), y); opt.zero_grad(); loss.backward(); opt.step()
        if s > 0: times.append(time.perf_counter() - t)
    print(f"pytorch {torch.__version__} {name}: {sum(times)/len(times):.3f} s/step mean over {steps} steps of 64x3001x64, {torch.get_num_threads()} threads")
