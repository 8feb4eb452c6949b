using FreesoundTagging.Runtime;
using Xunit;

namespace FreesoundTagging.Tests.Runtime;

public class EnvironmentSwitchesTests
{
    [Fact]
    public void NothingSetMeansTheTestedDefaults()
    {
        var switches = EnvironmentSwitches.Read(_ => null);
        Assert.Equal(new EnvironmentSwitches(ElidePadding: true, ChannelsLast: true, ConvAlignment: null, PassiveThreadWait: true,
            MallocTuning: true, SparseNpy: true, Debug: false), switches);
    }

    [Fact]
    public void EachVariableFlipsItsOwnSwitch()
    {
        var set = new Dictionary<string, string>
        {
            ["FREESOUND_ELIDE_PADDING"] = "0", ["FREESOUND_CHANNELS_LAST"] = "0", ["FREESOUND_CONV_ALIGN"] = "1",
            ["FREESOUND_OMP_PASSIVE"] = "0", ["FREESOUND_MALLOC_TUNING"] = "0", ["FREESOUND_SPARSE_NPY"] = "0", ["FREESOUND_DEBUG"] = "1",
        };
        Assert.Equal(new EnvironmentSwitches(false, false, true, false, false, false, true), EnvironmentSwitches.Read(set.GetValueOrDefault));
        Assert.False(EnvironmentSwitches.Read(name => name == "FREESOUND_CONV_ALIGN" ? "0" : null).ConvAlignment);
    }

    [Fact]
    public void NoOtherSourceFileReadsAFreesoundVariable()
    {
        string src = Path.Combine(Repository.RepositoryLayoutTests.RepositoryRoot(), "src");
        var readers = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains("/obj/") && !path.EndsWith("EnvironmentSwitches.cs"))
            .Where(path => File.ReadAllText(path).Contains("GetEnvironmentVariable(\"FREESOUND_"))
            .Select(path => Path.GetRelativePath(src, path));
        Assert.Empty(readers);
    }
}
