using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Probing;

/// <summary>
/// Everything the rest of Sentinel knows about one check type: what the check format knows of it
/// (<see cref="CheckType"/>: its section, targets and measurements), plus the probe that runs it and the series it
/// exports.
/// </summary>
internal sealed record ProbeType : CheckType
{
    /// <summary>The probe that runs checks of this type.</summary>
    public required IProbe Probe { get; init; }

    /// <summary>
    /// The type's <c>{prefix}.duration.{phase}_ms</c> measurements (their <see cref="DurationMeasurements.Declared"/>
    /// entries are in <see cref="CheckType.Measurements"/>), or null when it has none.
    /// </summary>
    public DurationMeasurements? Durations { get; init; }

    /// <summary>The probe-declared series of this type.</summary>
    public IReadOnlyList<MetricDescriptor> Metrics { get; init; } = [];
}
