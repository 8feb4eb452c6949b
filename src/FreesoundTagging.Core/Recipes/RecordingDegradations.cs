namespace FreesoundTagging.Recipes;

/// <summary>
/// What recordings do to a sound that a rendered corpus does not, simulated on each training crop's mel power: the
/// probability, per training example, of each kind (<see cref="Training.RecordingDegrader"/> says how each is drawn).
/// Each kind is drawn independently, so an example may get several, in the order a recording would: another sound
/// mixed in, the room, the microphone or codec, noise, a DC offset.
/// </summary>
/// <param name="Background">Probability of mixing in 1-3 other examples of the batch, 0-20 dB below (label kept).</param>
/// <param name="Reverb">Probability of a room: an exponential power tail per band, RT60 0.2-2 s, shorter at high bands.</param>
/// <param name="RandomFilter">Probability of a smooth random EQ within ±6 dB, half of them also low-passed at 2.5-12 kHz.</param>
/// <param name="Noise">Probability of stationary noise, white to brown (power ∝ f^−β, β 0-2), at 0-25 dB SNR.</param>
/// <param name="DcOffset">Probability of a DC offset: the power it leaves in the lowest bands, −20 to +10 dB against the crop's peak.</param>
public sealed record RecordingDegradations(double Background, double Reverb, double RandomFilter, double Noise, double DcOffset)
{
    public static RecordingDegradations None { get; } = new(0, 0, 0, 0, 0);

    public bool Enabled => Background > 0 || Reverb > 0 || RandomFilter > 0 || Noise > 0 || DcOffset > 0;

    /// <summary>"background 0.3, reverb 0.3, …", the kinds in use.</summary>
    public string Describe() => string.Join(", ", new (string Name, double P)[]
        { ("background", Background), ("reverb", Reverb), ("filter", RandomFilter), ("noise", Noise), ("DC offset", DcOffset) }
        .Where(k => k.P > 0).Select(k => FormattableString.Invariant($"{k.Name} {k.P:G4}")));
}
