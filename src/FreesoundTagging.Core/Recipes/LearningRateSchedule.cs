namespace FreesoundTagging.Recipes;

/// <summary>How the learning rate moves over a run (<c>--schedule</c>).</summary>
public enum LearningRateSchedule
{
    /// <summary>The base rate throughout (the original).</summary>
    Constant,

    /// <summary>Half a cosine from the base rate down to 0 over the run, step by step.</summary>
    Cosine,
}

public static class LearningRateScheduleExtensions
{
    /// <summary>The rate for step <paramref name="step"/> of <paramref name="totalSteps"/> (a pure function, so a
    /// resumed run continues on the same curve).</summary>
    public static double RateAt(this LearningRateSchedule schedule, double baseRate, long step, long totalSteps) =>
        schedule == LearningRateSchedule.Cosine ? baseRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(step, totalSteps) / Math.Max(totalSteps, 1))) : baseRate;
}
