using FreesoundTagging.Features;
using FreesoundTagging.Models;
using FreesoundTagging.Scoring;

namespace FreesoundTagging.Inference;

/// <summary>
/// One or more model files loaded to predict together (for example the K models of <c>model --folds K</c>). They
/// must agree on the classes, in order, and on the feature settings, so one log-mel per clip serves them all.
/// </summary>
public sealed class ModelEnsemble : IDisposable
{
    private readonly List<LoadedModel> _models = [];

    private ModelEnsemble() { }

    public IReadOnlyList<LoadedModel> Models => _models;

    public IReadOnlyList<string> Classes => _models[0].Classes;

    public FeatureConfig Features => _models[0].Features;

    /// <exception cref="InvalidModelException">A file is not a model, or disagrees with the first on classes or features.</exception>
    public static ModelEnsemble Load(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0) throw new InvalidInputException("no model given");
        var ensemble = new ModelEnsemble();
        try
        {
            foreach (string path in paths)
            {
                var loaded = ModelFile.Load(path);
                ensemble._models.Add(loaded);
                if (ensemble._models.Count == 1) continue;
                var first = ensemble._models[0];
                ModelFile.EnsureClasses(loaded.Classes, first.Classes, path);
                if (loaded.Features != first.Features)
                    throw new InvalidModelException($"was trained on other feature settings than {first.Path}; an ensemble shares one log-mel per clip", path);
            }
            return ensemble;
        }
        catch
        {
            ensemble.Dispose();
            throw;
        }
    }

    /// <param name="timelineWindowFrames">Also score windows of this many frames along each file (null: whole files only).</param>
    public Predictor CreatePredictor(int batchSize, int threads, string device, EnsembleMean mean, int? timelineWindowFrames = null) =>
        new(EnsembleScorer.For(_models, batchSize, mean), Features, threads, device, timelineWindowFrames);

    public void Dispose()
    {
        foreach (var model in _models) model.Dispose();
        _models.Clear();
    }
}
