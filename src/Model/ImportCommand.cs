using System.CommandLine;
using FreesoundTagging.CommandLine;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Model;

/// <summary><c>model import prefix.json my.fstmodel</c>: the export path backwards (weights trained in PyTorch).</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var description = new Argument<string>("description") { Description = "The export's .json (its \"weights\" names the .safetensors beside it)" };
        var modelFile = new Argument<string>("model_file") { Description = "The .fstmodel to write" };
        var command = new Command("import", "Make a model file from safetensors weights and their JSON description (the export's layout)") { description, modelFile };
        command.SetAction(parse => CommandRunner.Run(_ =>
        {
            FreesoundTagging.Jobs.PyTorchExport.Import(parse.GetRequiredValue(description), parse.GetRequiredValue(modelFile));
            Console.WriteLine($"wrote {parse.GetRequiredValue(modelFile)}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
