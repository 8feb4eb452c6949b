using System.CommandLine;
using FreesoundTagging.CommandLine;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Model;

/// <summary><c>model export my.fstmodel [prefix]</c>: prefix.safetensors + prefix.json for PyTorch (src/python/freesound_tagging.py).</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var modelFile = new Argument<string>("model_file") { Description = "A .fstmodel written by model" };
        var prefix = new Argument<string?>("prefix") { Description = "Output name without extension (default: the model file's name, in the current folder)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("export", "Write a model's weights as safetensors and its variant, classes and feature settings as JSON, for PyTorch") { modelFile, prefix };
        command.SetAction(parse => CommandRunner.Run(_ =>
        {
            string path = parse.GetRequiredValue(modelFile);
            // Without a prefix the files go where the user is, not beside the model (a shipped model's folder is
            // not the place for them), and the line says so.
            string? given = parse.GetValue(prefix) is { Length: > 0 } p ? p : null;
            string output = given ?? Path.GetFileNameWithoutExtension(path);
            var paths = FreesoundTagging.Jobs.PyTorchExport.Export(path, output);
            string named = given is null ? " (named after the model, in the current folder; give a prefix to choose)" : "";
            Console.WriteLine($"wrote {paths.WeightsPath} and {paths.DescriptionPath}{named}; in Python: freesound_tagging.load(\"{paths.DescriptionPath}\")");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
