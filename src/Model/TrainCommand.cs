using System.CommandLine;
using FreesoundTagging.CommandLine;
using FreesoundTagging.Recipes;
using FreesoundTagging.Training;
using FreesoundTagging.Jobs;
using FreesoundTagging.Torch;

namespace FreesoundTagging.Model;

/// <summary><c>model &lt;variant&gt; &lt;save_name&gt;</c>: train on what <c>inputs</c> wrote, save one model file.</summary>
internal static class TrainCommand
{
    public static RootCommand Create()
    {
        var options = new TrainingCommandOptions();
        var command = new RootCommand("Train a tagging network on the log-mel arrays written by `inputs`.");
        options.AddTo(command);
        command.Subcommands.Add(ExportCommand.Create());
        command.Subcommands.Add(ImportCommand.Create());
        command.SetAction(parse => CommandRunner.Run(cancel =>
        {
            Torch.TorchRuntime.AllowTf32 = options.AllowTf32(parse);
            var request = options.Request(parse);
            if (FeaturesOf(request.DataDirs[0]) is { } features && TrainingRecipe.FeatureWarning(request.RecipeName, features) is { } warning)
                CommandRunner.Warning(warning);
            try
            {
                if (request.Options.Folds >= 2)
                {
                    TrainingSummary.Print(TrainingDisplay.Run(request.Options.Epochs, request.Options.Folds, observer => ModelTraining.RunFolds(request, observer, cancel)));
                    return ExitCodes.Ok;
                }
                TrainingSummary.Print(TrainingDisplay.Run(request.Options.Epochs, request.Options.Members, observer => ModelTraining.Run(request, observer, cancel), "member"));
                return ExitCodes.Ok;
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                string saved = request.Options.Folds >= 2 ? "the current fold's .ckpt" : request.Options.Members >= 2
                    ? ModelTraining.ParallelMembers(request.Options) > 1 ? "the .ckpt of each member under way" : "the current member's .ckpt"
                    : request.CheckpointPath;
                CommandRunner.Warning($"interrupted; progress saved in {saved} - run the same command with --resume to continue");
                return ExitCodes.Interrupted;
            }
        }));
        return command;
    }

    /// <summary>The feature settings of a dataset folder, or null when it has none readable (training then says why).
    /// Read here, before training opens the data, because warnings are the console's to print.</summary>
    private static FreesoundTagging.Features.FeatureConfig? FeaturesOf(string folder)
    {
        try
        {
            return FreesoundTagging.Datasets.DatasetInfo.Read(FreesoundTagging.Datasets.DatasetFiles.In(folder).DatasetPath).Features;
        }
        catch (Exception e) when (e is InvalidInputException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
