using System.CommandLine;
using FreesoundTagging.Model;
using FreesoundTagging.Models;
using FreesoundTagging.Recipes;
using FreesoundTagging.Tests.Recipes;
using Xunit;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>The training command's options come from the option table, typed values over the recipe over the defaults.</summary>
public class TrainingCommandOptionsTests
{
    private static (TrainingCommandOptions Options, RootCommand Command) Command()
    {
        var options = new TrainingCommandOptions();
        var command = new RootCommand();
        options.AddTo(command);
        return (options, command);
    }

    public static TheoryData<string> Names => [.. TrainingOptionTable.All.Select(o => o.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void EachDeclaredOptionIsTypedOnTheCommandLine(string name)
    {
        var declared = TrainingOptionTable.Find(name)!;
        object value = TrainingOptionTableTests.Sample(declared);
        var (options, command) = Command();
        // A distillation setting needs a teacher beside it.
        string[] teacher = declared.NeedsTeacher ? ["--teacher", "t.fstmodel"] : [];
        var parse = command.Parse(["cnn_2d_vgg", "m.fstmodel", "--" + name, declared.Format(value), .. teacher]);
        Assert.Empty(parse.Errors);

        var request = options.Request(parse);

        Assert.Equal(value, declared.ValueIn(request.Options));
        Assert.Equal(declared.With(new TrainingOptions(), value), request.Options);
        Assert.Same(ModelVariant.Vgg2d, request.Variant);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void AnOptionThatNeedsATeacherIsRefusedWithoutOne(string name)
    {
        var declared = TrainingOptionTable.Find(name)!;
        var (_, command) = Command();
        var parse = command.Parse(["cnn_2d_vgg", "m.fstmodel", "--" + name, declared.Format(TrainingOptionTableTests.Sample(declared))]);
        if (declared.NeedsTeacher) Assert.Contains(parse.Errors, e => e.Message.StartsWith($"--{name} needs a teacher", StringComparison.Ordinal));
        else Assert.Empty(parse.Errors);
    }

    [Fact]
    public void OnlyTheDistillationSettingsAndRecipeNeedATeacher()
    {
        Assert.Equal(["distill-temperature", "distill-weight"], TrainingOptionTable.All.Where(o => o.NeedsTeacher).Select(o => o.Name));
        Assert.Equal(["distilled"], TrainingRecipe.BuiltIn.Where(r => r.Value.NeedsTeacher).Select(r => r.Key));
        var (_, command) = Command();
        Assert.Contains(command.Parse(["cnn_2d_vgg", "m.fstmodel", "--recipe", "distilled"]).Errors, e => e.Message.StartsWith("--recipe distilled needs a teacher", StringComparison.Ordinal));
        Assert.Empty(command.Parse(["cnn_2d_vgg", "m.fstmodel", "--recipe", "distilled", "--teacher", "t.fstmodel"]).Errors);
    }

    [Fact]
    public void ASaveNameAfterTheTeachersIsSaidToHaveBeenTakenAsOne()
    {
        var (_, command) = Command();
        Assert.Contains(command.Parse(["cnn_2d_vgg", "--teacher", "a.fstmodel", "b.fstmodel", "out.fstmodel"]).Errors,
            e => e.Message.StartsWith("--teacher took 'out.fstmodel' as a teacher file; give the model's save name before the options", StringComparison.Ordinal));
        Assert.Empty(command.Parse(["cnn_2d_vgg", "out.fstmodel", "--teacher", "a.fstmodel", "b.fstmodel"]).Errors);
    }

    [Fact]
    public void TypedOptionsOverrideTheNamedRecipe()
    {
        var (options, command) = Command();
        var request = options.Request(command.Parse(["cnn_1d", "m.fstmodel", "--recipe", "deep", "--epochs", "3", "--threads", "1"]));
        Assert.Equal(TrainingRecipe.Deep.Apply(new TrainingOptions()) with { Epochs = 3, Threads = 1 }, request.Options);
        Assert.Equal("deep", request.RecipeName);
    }

    [Fact]
    public void HelpListsTheOptionsInTheirUsualOrder()
    {
        var (_, command) = Command();
        Assert.Equal(
            ["--data", "--epochs", "--batch-size", "--lr", "--seed", "--val-fraction", "--val-verified-only", "--device", "--tf32", "--threads", "--bucket", "--resume",
             "--crop", "--mixup", "--time-masks", "--time-mask-frames", "--freq-masks", "--freq-mask-bands", "--unverified-weight", "--schedule", "--folds",
             "--keep", "--patience", "--members", "--label-smoothing", "--windows-per-crop", "--score-window", "--ema", "--band-shift", "--tta-shifts",
             "--background", "--reverb", "--random-filter", "--noise", "--dc-offset", "--teacher", "--distill-temperature",
             "--distill-weight", "--recipe"],
            command.Options.Select(o => o.Name).Where(n => n.StartsWith("--", StringComparison.Ordinal) && n != "--help" && n != "--version"));
    }

    [Fact]
    public void ARuleBrokenOnTheCommandLineNamesTheOption()
    {
        var (_, command) = Command();
        var errors = command.Parse(["cnn_1d", "m.fstmodel", "--members", "0", "--keep", "worst"]).Errors.Select(e => e.Message).ToList();
        Assert.Contains("--members: must be 1 to 64 networks (got 0)", errors);
        Assert.Contains("--keep: must be one of last, best (got worst)", errors);
    }
}
