using System.Text;
using static TorchSharp.torch;

namespace FreesoundTagging.Training;

/// <summary>A network's weights as <c>Module.save</c> bytes held in memory: the best epoch's, a weight average's,
/// the sections of a checkpoint.</summary>
internal static class ModuleBytes
{
    public static byte[] Of(nn.Module module)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true)) module.save(writer);
        return buffer.ToArray();
    }

    public static void Load(nn.Module module, byte[] weights)
    {
        using var reader = new BinaryReader(new MemoryStream(weights));
        module.load(reader);
    }
}
