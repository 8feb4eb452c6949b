using System.CommandLine;
using FreesoundTagging.CommandLine;
using FreesoundTagging.Models;
using FreesoundTagging.Recipes;
using FreesoundTagging.Training;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Model;

/// <summary>
/// The training command's arguments and options. The training options come from <see cref="TrainingOptionTable"/>
/// (name, help, default, rule); this adds what only the command line has: the network and file to write, the data,
/// the machine (device, threads, TF32), --resume and --recipe. What was typed is a recipe, applied over the named
/// recipe, over the defaults.
/// </summary>
internal sealed class TrainingCommandOptions
{
    private readonly Argument<string> _variant = new("variant") { Description = $"Network: {ModelVariant.ValidNames}" };
    private readonly Argument<string> _saveName = new("save_name") { Description = "Model file to write (weights, classes, feature settings, history)" };
    private readonly Option<string[]> _data = new("--data", "-d") { Description = "Folder(s) with samples.npy, labels.npy, dataset.json; several = shards of one dataset", DefaultValueFactory = _ => ["."], AllowMultipleArgumentsPerToken = true };
    private readonly Option<string> _device = new("--device") { Description = "auto (a GPU when this build and machine have one), cpu, cuda or cuda:N; the first status line names the device used", DefaultValueFactory = _ => "auto" };
    private readonly Option<bool> _tf32 = new("--tf32") { Description = "On a GPU: allow TF32 tensor-core arithmetic (faster; results then differ from the CPU's by ~1e-3). Off by default" };
    private readonly Option<int> _threads = new("--threads") { Description = "libtorch threads", DefaultValueFactory = _ => Environment.ProcessorCount };
    private readonly Option<bool> _resume = new("--resume") { Description = "Continue an interrupted run from <save_name>.ckpt (with --folds: finished folds are kept)" };
    private readonly Option<string[]> _teacher = new("--teacher") { Description = "Distil from this model file (e.g. one trained with --recipe best), or several averaged: train towards its probabilities on each clip as well as the labels (--distill-weight, --distill-temperature); it must have the data's classes and features", AllowMultipleArgumentsPerToken = true };
    private readonly Option<string> _recipe = new("--recipe") { Description = $"Start from a recipe: {string.Join(", ", TrainingRecipe.BuiltIn.Keys)} or a recipe file (JSON of option names without dashes); options typed here override it", DefaultValueFactory = _ => "original" };

    // One command-line option per declared training option, with how to read its value back as the option's type.
    private readonly IReadOnlyList<(TrainingOption Declared, Option Option, Func<ParseResult, object?> Read)> _training;

    public TrainingCommandOptions()
    {
        var defaults = new TrainingOptions();
        _training = [.. TrainingOptionTable.All.Select(declared => Create(declared, declared.ValueIn(defaults)))];

        // A mistyped variant or recipe name, or a file given as --data, is a command-line mistake (exit 2), said
        // before any file is read, with the closest valid name.
        _variant.Validators.Add(result =>
        {
            string typed = result.GetValueOrDefault<string>();
            if (!ModelVariant.TryParse(typed, out _))
                result.AddError($"unknown model variant '{typed}'{Suggestions.DidYouMean(typed, ModelVariant.All.Select(v => v.Name))}: valid variants are {ModelVariant.ValidNames}");
        });
        _recipe.Validators.Add(result =>
        {
            if (result.Tokens.Count == 0) return;
            string typed = result.GetValueOrDefault<string>();
            // A name (no folder, no extension) that is not built in; a path is the core's to check (exit 3 if missing).
            if (TrainingRecipe.BuiltIn.ContainsKey(typed) || File.Exists(typed) || Directory.Exists(typed) || typed.Contains('/') || Path.HasExtension(typed)) return;
            result.AddError($"--recipe: unknown recipe '{typed}'{Suggestions.DidYouMean(typed, TrainingRecipe.BuiltIn.Keys)}: valid are {string.Join(", ", TrainingRecipe.BuiltIn.Keys)}, or a recipe file (JSON)");
        });
        _data.Validators.Add(result =>
        {
            foreach (string folder in result.Tokens.Select(t => t.Value).Where(File.Exists))
            {
                string parent = Path.GetDirectoryName(folder) is { Length: > 0 } p ? p : ".";
                result.AddError($"--data: '{folder}' is a file; --data takes the folder that holds samples.npy, labels.npy and dataset.json (here: --data {parent})");
            }
        });
        _device.Device();
        _threads.Threads();
    }

    /// <summary>Adds the arguments and options to <paramref name="command"/>, in the order --help lists them.</summary>
    public void AddTo(Command command)
    {
        command.Arguments.Add(_variant);
        command.Arguments.Add(_saveName);
        command.Options.Add(_data);
        foreach (var (declared, option, _) in _training)
        {
            // The machine's settings sit among the training options where they always have in --help.
            if (declared.Name == "bucket")
            {
                command.Options.Add(_device);
                command.Options.Add(_tf32);
                command.Options.Add(_threads);
            }
            if (declared.Name == "crop") command.Options.Add(_resume);
            // --teacher heads the options that need it.
            if (declared.NeedsTeacher && !command.Options.Contains(_teacher)) command.Options.Add(_teacher);
            command.Options.Add(option);
        }
        command.Options.Add(_recipe);
        // A distilling recipe, or a distillation setting, without a teacher would train on the labels alone: refuse it.
        command.Validators.Add(result =>
        {
            // --teacher takes every file after it, the save name too when it comes later: say so, not only that the
            // save name is missing.
            if (result.GetResult(_saveName) is null && result.GetResult(_teacher) is { Implicit: false, Tokens.Count: > 0 } teachers)
                result.AddError($"--teacher took '{teachers.Tokens[^1].Value}' as a teacher file; give the model's save name before the options (model VARIANT SAVE_NAME ... --teacher FILE...)");
            if (result.GetResult(_teacher) is { Implicit: false }) return;
            var typed = _training.Where(t => t.Declared.NeedsTeacher && result.GetResult(t.Option) is { Implicit: false })
                .Select(t => "--" + t.Declared.Name).ToList();
            string? recipe = result.GetResult(_recipe) is { Implicit: false } r ? r.GetValueOrDefault<string>() : null;
            if (recipe is not null && TrainingRecipe.BuiltIn.TryGetValue(recipe, out var named) && named.NeedsTeacher) typed.Insert(0, $"--recipe {recipe}");
            if (typed.Count > 0) result.AddError($"{string.Join(" and ", typed)} {(typed.Count > 1 ? "need" : "needs")} a teacher to distil from: add --teacher MODEL (a model trained on the same data, e.g. with --recipe best)");
        });
    }

    public bool AllowTf32(ParseResult parse) => parse.GetValue(_tf32);

    /// <summary>The request the command line makes: what was typed, over the named recipe, over the defaults.</summary>
    /// <exception cref="InvalidInputException">The recipe file is missing or holds a value its option refuses.</exception>
    public TrainRequest Request(ParseResult parse)
    {
        string recipeName = parse.GetRequiredValue(_recipe);
        string[] teachers = parse.GetValue(_teacher) ?? [];
        var typed = TrainingRecipe.Of(_training.Where(t => parse.GetResult(t.Option) is { Implicit: false }).Select(t => (t.Declared, t.Read(parse))));
        var machine = new TrainingOptions { Device = parse.GetRequiredValue(_device), Threads = parse.GetValue(_threads) };
        return new TrainRequest
        {
            SavePath = parse.GetRequiredValue(_saveName),
            DataDirs = parse.GetValue(_data) is { Length: > 0 } dirs ? dirs : ["."],
            Resume = parse.GetValue(_resume),
            Variant = ModelVariant.Parse(parse.GetRequiredValue(_variant)),
            Options = typed.Apply(TrainingRecipe.Resolve(recipeName).Apply(machine)),
            RecipeName = recipeName,
            TeacherPaths = teachers,
        };
    }

    /// <summary>The command-line option for <paramref name="declared"/>, its rule checked by the parser (exit 2, naming
    /// the option) and its default shown in --help; an enumeration's option takes its names.</summary>
    private static (TrainingOption, Option, Func<ParseResult, object?>) Create(TrainingOption declared, object? defaultValue)
    {
        string name = "--" + declared.Name;
        string? rule = declared.RuleText;
        if (declared.Names is { } names)
        {
            var named = new Option<string>(name) { Description = declared.Help, DefaultValueFactory = _ => declared.Format(defaultValue) };
            named.OneOf([.. names]);
            // The parser has checked the name, so it is one of the enumeration's.
            return (declared, named, parse => Enum.GetValues(declared.ValueType).Cast<object>().First(v => declared.Format(v) == parse.GetRequiredValue(named)));
        }
        return declared.ValueType switch
        {
            var t when t == typeof(int) => Typed<int>(new Option<int>(name) { DefaultValueFactory = _ => (int)defaultValue! }),
            var t when t == typeof(double) => Typed<double>(new Option<double>(name) { DefaultValueFactory = _ => (double)defaultValue! }),
            // Switches and unset values show no default in --help.
            var t when t == typeof(bool) => Typed<bool>(new Option<bool>(name)),
            var t when t == typeof(int?) => Typed<int?>(new Option<int?>(name)),
            var t when t == typeof(double?) => Typed<double?>(new Option<double?>(name)),
            var t => throw new NotSupportedException($"training option {name} is a {t.Name}, which the command line does not read"),
        };

        (TrainingOption, Option, Func<ParseResult, object?>) Typed<T>(Option<T> option)
        {
            option.Description = declared.Help;
            if (rule is not null) option.Check<T>(v => declared.Accepts(v), rule);
            return (declared, option, parse => parse.GetValue(option));
        }
    }
}
