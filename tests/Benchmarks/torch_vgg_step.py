# PyTorch reference of the cnn_2d_vgg training step (the deep recipe's: 32 crops of 128 frames x 64 bands, Adam), with
# the network of src/python/freesound_tagging.py (the same layers as ours, NCHW as a PyTorch user writes it):
#   /usr/bin/python3 tests/Benchmarks/torch_vgg_step.py [steps] [threads] [batch] [frames]
# Compare with artifacts/bin/bench step cnn_2d_vgg [steps] [batch] [frames] [threads], alternating.
import os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "python"))
import torch, torch.nn.functional as F
import freesound_tagging as fst
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 6
torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
frames = int(sys.argv[4]) if len(sys.argv) > 4 else 128
torch.manual_seed(1)
net = fst.build("cnn_2d_vgg", 64, 41); net.train()
opt = torch.optim.Adam(net.parameters(), 1e-3, eps=1e-7)
times = []
for s in range(steps + 1):
    t = time.perf_counter()
    x = torch.randn(batch, frames, 64); y = torch.randint(0, 41, (batch,))
    loss = F.cross_entropy(net(x), y); opt.zero_grad(); loss.backward(); opt.step()
    if s > 0: times.append(time.perf_counter() - t)
times.sort()
print(f"pytorch {torch.__version__} cnn_2d_vgg: {sum(times)/len(times):.3f} s/step mean, {times[len(times)//2]:.3f} median, over {steps} steps of {batch}x{frames}x64, {torch.get_num_threads()} threads")
