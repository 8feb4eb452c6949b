using FreesoundTagging.IO;
using FreesoundTagging.Scoring;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.Scoring;

public class EnsembleAverageTests
{
    [Theory]
    [InlineData(EnsembleMean.Arithmetic)]
    [InlineData(EnsembleMean.Geometric)]
    public void EnsembleAveragesAreProbabilities(EnsembleMean mean)
    {
        float[] a = [0.7f, 0.2f, 0.1f], b = [0.1f, 0.6f, 0.3f];
        var combined = EnsembleAverage.Combine([a, b], mean);
        Assert.Equal(1f, combined.Sum(), 5);
        if (mean == EnsembleMean.Arithmetic) Assert.Equal([0.4f, 0.4f, 0.2f], combined, new Tolerance(1e-6));
        else
        {
            double[] g = [Math.Sqrt(0.07), Math.Sqrt(0.12), Math.Sqrt(0.03)];
            Assert.Equal(g.Select(v => (float)(v / g.Sum())), combined, new Tolerance(1e-6));
        }
        Assert.Same(a, EnsembleAverage.Combine([a], mean));
        Assert.Equal(["arithmetic", "geometric"], EnumSpelling.Spellings<EnsembleMean>());
        Assert.Equal(EnsembleMean.Geometric, EnumSpelling.Parse<EnsembleMean>("geometric"));
        Assert.Null(EnumSpelling.Parse<EnsembleMean>("median"));
    }
}
