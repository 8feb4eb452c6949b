namespace FreesoundTagging.Recipes;

/// <summary>Which epoch's weights a model file holds (<c>--keep</c>).</summary>
public enum KeepEpoch
{
    /// <summary>The last epoch's (the original).</summary>
    Last,

    /// <summary>The epoch with the highest validation MAP@3 (needs a validation set).</summary>
    Best,
}
