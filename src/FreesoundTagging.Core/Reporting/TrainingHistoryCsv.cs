using FreesoundTagging.Recipes;
using System.Globalization;
using System.Text;
using FreesoundTagging.IO;
using FreesoundTagging.Models;
using FreesoundTagging.Training;

namespace FreesoundTagging.Reporting;

/// <summary>
/// The per-epoch history as a CSV a script can load (pandas.read_csv), as Keras' CSVLogger writes it: one row per
/// epoch, rewritten whole after each epoch (under a temporary name, then renamed), so it is complete at every moment
/// and a resumed run's rows continue the earlier ones.
/// </summary>
public static class TrainingHistoryCsv
{
    public const string Header = "epoch,loss,accuracy,val_loss,val_accuracy,val_map3,lr,seconds";

    /// <summary>Writes <paramref name="epochs"/> to <paramref name="path"/>. Validation cells are empty without a
    /// validation set; lr is the learning rate the epoch started with.</summary>
    public static void Write(string path, IReadOnlyList<EpochRecord> epochs, TrainingOptions options)
    {
        var text = new StringBuilder(Header).Append('\n');
        foreach (var e in epochs)
        {
            double lr = options.Schedule.RateAt(options.LearningRate, e.Epoch - 1, options.Epochs);
            text.AppendJoin(',', e.Epoch.ToString(CultureInfo.InvariantCulture), Number(e.TrainLoss), Number(e.TrainAccuracy), Number(e.ValidationLoss),
                Number(e.ValidationAccuracy), Number(e.MeanAveragePrecisionAt3), Number(lr), Number(Math.Round(e.Seconds, 3))).Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    private static string Number(double? x) => x is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "";
}
