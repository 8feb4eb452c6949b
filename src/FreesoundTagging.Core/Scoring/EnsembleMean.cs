namespace FreesoundTagging.Scoring;

/// <summary>How an ensemble's class probabilities are averaged.</summary>
public enum EnsembleMean
{
    /// <summary>The plain mean of the probabilities.</summary>
    Arithmetic,

    /// <summary>The mean of the log-probabilities, renormalised to sum to 1: a class must score well in every model.</summary>
    Geometric,
}
