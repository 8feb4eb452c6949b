using FreesoundTagging.Models;
using FreesoundTagging.IO;
using FreesoundTagging.Recipes;
using FreesoundTagging.Tests.Repository;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.Recipes;

/// <summary>The one declaration of each training option: what it reads and writes, its names, its rules.</summary>
public class TrainingOptionTableTests
{
    /// <summary>A valid value other than the default, of the option's type.</summary>
    internal static object Sample(TrainingOption option) => option.ValueType switch
    {
        // A temperature is at least 1.
        _ when option.Name == "distill-temperature" => 3.0,
        var t when t == typeof(int) || t == typeof(int?) => 3,
        var t when t == typeof(double) || t == typeof(double?) => 0.5,
        var t when t == typeof(bool) => true,
        var t when t.IsEnum => Enum.GetValues(t).Cast<object>().Last(),
        var t => throw new NotSupportedException(t.Name),
    };

    public static TheoryData<string> Names => [.. TrainingOptionTable.All.Select(o => o.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void EachOptionSetsItsOwnValueAndNoOther(string name)
    {
        var option = TrainingOptionTable.Find(name)!;
        var defaults = new TrainingOptions();
        object value = Sample(option);
        Assert.NotEqual(value, option.ValueIn(defaults));

        var set = option.With(defaults, value);

        Assert.Equal(value, option.ValueIn(set));
        Assert.True(option.Accepts(value), $"{value} should be a valid --{name}");
        foreach (var other in TrainingOptionTable.All.Where(o => o != option))
            Assert.Equal(other.ValueIn(defaults), other.ValueIn(set));
    }

    [Fact]
    public void NamesAreUniqueAndSpelledAsOnTheCommandLine()
    {
        var names = TrainingOptionTable.All.Select(o => o.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", n));
        Assert.Equal(["constant", "cosine"], EnumSpelling.Spellings<LearningRateSchedule>());
        Assert.Equal(["last", "best"], EnumSpelling.Spellings<KeepEpoch>());
    }

    [Fact]
    public void TheLimitsAreTheModelFilesOwn()
    {
        Assert.Equal(ModelFile.MaxMembers, TrainingOptions.MaxMembers);
        Assert.Equal(ModelMetadata.MaxBandShifts, TrainingOptions.MaxTtaBandShifts);
    }

    [Fact]
    public void ProblemsNameTheOptionAndItsRule()
    {
        var problems = (new TrainingOptions { Epochs = 0, Members = 65, Schedule = (LearningRateSchedule)9 }).Problems();
        Assert.Contains("--epochs: must be 1 to 1000000 epochs (got 0)", problems);
        Assert.Contains("--members: must be 1 to 64 networks (got 65)", problems);
        Assert.Contains("--schedule: must be one of constant, cosine (got 9)", problems);
        Assert.Empty(new TrainingOptions().Problems());
    }

    [Fact]
    public void ARecipeFileReadsBackAsTheRecipeItWasWrittenFrom()
    {
        using var dir = new TempDir();
        string path = dir.Write("best.json", TrainingRecipe.Best.ToJson());
        Assert.Contains("\"schedule\": \"cosine\"", File.ReadAllText(path));
        var defaults = new TrainingOptions();
        Assert.Equal(TrainingRecipe.Best.Apply(defaults), TrainingRecipe.Resolve(path).Apply(defaults));
        Assert.Equal(TrainingRecipe.Best.Keys, TrainingRecipe.Resolve(path).Keys);
    }

    [Fact]
    public void EveryBadValueOfARecipeFileIsNamedAtOnce()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<InvalidInputException>(() => TrainingRecipe.Resolve(dir.Write("r.json", "{\"epochs\": 0, \"keep\": \"worst\", \"crop\": null}")));
        Assert.Contains("\"epochs\": must be 1 to 1000000 epochs (got 0); \"keep\": must be one of last, best (got worst)", e.Message);
        e = Assert.Throws<InvalidInputException>(() => TrainingRecipe.Resolve(dir.Write("s.json", "{\"device\": \"cpu\"}")));
        Assert.Contains("no option is named 'device'", e.Message);
    }

    [Fact]
    public void ATypedRecipeOverridesOnlyWhatItSets()
    {
        var typed = TrainingRecipe.Of([(TrainingOptionTable.Find("epochs")!, 5)]);
        var options = typed.Apply(TrainingRecipe.Deep.Apply(new TrainingOptions()));
        Assert.Equal(5, options.Epochs);
        Assert.Equal(32, options.BatchSize);
        Assert.Equal(LearningRateSchedule.Cosine, options.Schedule);
    }

    [Fact]
    public void OldModelFilesReadTheirOptionsAsEnumerations()
    {
        using var dir = new TempDir();
        var metadata = ModelFile.ReadMetadata(FreesoundTagging.Tests.Models.FirstFormatModelFileTests.FormatOneBest(dir));
        var options = metadata.History.Options!;
        Assert.Equal((LearningRateSchedule.Cosine, KeepEpoch.Last, 3), (options.Schedule, options.Keep, options.Members));
        string written = ModelFile.SerializeMetadata(metadata);
        Assert.Contains("\"cosine\"", written);
        Assert.Contains("\"last\"", written);
    }
}
