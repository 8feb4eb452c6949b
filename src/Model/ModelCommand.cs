using System.CommandLine;
using FreesoundTagging.CommandLine;

namespace FreesoundTagging.Model;

/// <summary>The <c>model</c> program: training (<see cref="TrainCommand"/>), or moving models to and from PyTorch.</summary>
public static class ModelCommand
{
    public static int Run(string[] args) =>
        // `model export` and `model import` are parsed on their own: under the training command their usage line
        // would start with its <variant> <save_name>, which they do not take.
        CommandRunner.Invoke(args is ["export" or "import", ..] ? Tools() : TrainCommand.Create(), args);

    /// <summary>The export and import subcommands under a root without the training arguments.</summary>
    private static RootCommand Tools() => new("Move models between FreesoundTagging and PyTorch.") { ExportCommand.Create(), ImportCommand.Create() };
}
