using System.Text.Json;
using FreesoundTagging.Models;
using Xunit;

namespace FreesoundTagging.Tests.Interop;

/// <summary>The Python module builds every network this tool trains: a variant added on one side only fails here.</summary>
[Collection(TorchCollection.Name)]
public class PythonBuildersTests
{
    private const string Driver = """
        import json, sys
        sys.path.insert(0, sys.argv[1])
        import freesound_tagging as ft
        n_mels, n_classes = json.loads(sys.argv[2])
        print(json.dumps({name: sum(p.numel() for p in ft.build(name, n_mels, n_classes).parameters() if p.requires_grad)
                          for name in ft.BUILDERS}))
        """;

    [PythonTorchFact]
    public void EveryVariantHasAPythonBuilderOfTheSameSize()
    {
        const int mels = 64, classes = 41;
        var python = JsonSerializer.Deserialize<Dictionary<string, long>>(PythonTorch.Run(Driver, $"[{mels}, {classes}]"))!;

        Assert.Equal(ModelVariant.All.Select(v => v.Name).Order(StringComparer.Ordinal), python.Keys.Order(StringComparer.Ordinal));
        // The same layers on both sides, as far as their sizes tell (the export's state-dict check covers the keys).
        Assert.All(ModelVariant.All, v => Assert.Equal(v.ParameterCount(mels, classes), python[v.Name]));
    }
}
