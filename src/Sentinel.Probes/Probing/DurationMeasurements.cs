namespace Sentinel.Probes.Probing;

/// <summary>
/// A probe type's duration measurements, the one place that spells their scheme: <c>{prefix}.duration.{phase}_ms</c>
/// for each phase a run timed (<see cref="PhaseNames"/>) and <c>{prefix}.duration.total_ms</c> for the whole run. The
/// type declares its instance once; its measurement list takes <see cref="Declared"/> and
/// <see cref="ProbeResultBuilder.MeasureDurations"/> writes <see cref="Name"/>s, so the two cannot drift apart.
/// </summary>
public sealed class DurationMeasurements
{
    private const string Infix = ".duration.";
    private const string Suffix = "_ms";

    private DurationMeasurements(string prefix, IReadOnlyList<string> phases, bool declaredAsPattern)
    {
        Prefix = prefix;
        Phases = phases;
        Total = Name("total");
        Names = [.. phases.Select(Name), Total];
        Declared = declaredAsPattern ? [Name("*")] : Names;
    }

    /// <summary>The measurements' first segment, e.g. <c>http</c> (headers checks measure an http exchange too).</summary>
    public string Prefix { get; }

    /// <summary>The phases a run of the type may time, in the order it times them.</summary>
    public IReadOnlyList<string> Phases { get; }

    /// <summary>The whole run: <c>{prefix}.duration.total_ms</c>.</summary>
    public string Total { get; }

    /// <summary>Every name a run may write: one per phase, then <see cref="Total"/>.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>
    /// What the type's measurement list holds for assertions: <see cref="Names"/>, or for a type made with
    /// <see cref="Matching"/> the one pattern <c>{prefix}.duration.*_ms</c>.
    /// </summary>
    public IReadOnlyList<string> Declared { get; }

    /// <summary>Each name declared on its own, as the README lists tcp's, tls's and http's.</summary>
    public static DurationMeasurements Listed(string prefix, params IReadOnlyList<string> phases) => new(prefix, phases, declaredAsPattern: false);

    /// <summary>Declared as the pattern <c>{prefix}.duration.*_ms</c>, as the README lists icmp's and path's (naming the phases beside it).</summary>
    public static DurationMeasurements Matching(string prefix, params IReadOnlyList<string> phases) => new(prefix, phases, declaredAsPattern: true);

    /// <summary>Whether <paramref name="measurement"/> is a duration measurement of any type (the readable report lists phases instead).</summary>
    public static bool IsDuration(string measurement) => measurement.Contains(Infix, StringComparison.Ordinal);

    /// <summary>The measurement of <paramref name="phase"/>: <c>{prefix}.duration.{phase}_ms</c>.</summary>
    public string Name(string phase) => Prefix + Infix + phase + Suffix;
}
