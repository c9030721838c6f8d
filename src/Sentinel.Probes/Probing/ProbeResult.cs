using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Probing;

/// <summary>
/// The outcome of one run of a check. A probe never throws for a target's failure: it returns a result whose
/// problems classify what went wrong. Measurements that do not apply are absent, not zero.
/// </summary>
public sealed record ProbeResult
{
    /// <summary>The check's id.</summary>
    public required string CheckId { get; init; }

    /// <summary>The check's type, e.g. <c>tcp</c>.</summary>
    public required string Type { get; init; }

    /// <summary>The check's target as written.</summary>
    public required string Target { get; init; }

    /// <summary>
    /// The result's identity: a time-ordered UUID (version 7, RFC 9562) from the run's start, given when the run
    /// starts, so that a result is stored once however often its write is retried. <see cref="Guid.Empty"/> until a
    /// runner stamps it.
    /// </summary>
    public Guid Id { get; init; }

    /// <summary>When the run started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>
    /// The fire time the scheduler planned the run for, which <see cref="StartedAt"/> follows by the scheduler's lag; null
    /// for a run asked for at once (the API's run now, <c>sentinel probe</c>). One fire of a check has one planned time,
    /// so in a cluster two results of a check with the same planned time would be one fire run twice.
    /// </summary>
    public DateTimeOffset? ScheduledAt { get; init; }

    /// <summary>How long the whole run took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Phase timings in the order they happened (summed over redirects where a probe follows them).</summary>
    public IReadOnlyList<PhaseTiming> Phases { get; init; } = [];

    /// <summary>Named measurements that assertions can test, e.g. <c>tcp.duration.connect_ms</c>.</summary>
    public IReadOnlyDictionary<string, MeasurementValue> Measurements { get; init; } = new Dictionary<string, MeasurementValue>();

    /// <summary>Every classified problem, most important first.</summary>
    public IReadOnlyList<Problem> Problems { get; init; } = [];

    /// <summary>Audit findings about the target.</summary>
    public IReadOnlyList<Finding> Findings { get; init; } = [];

    /// <summary>Probe-specific series for <c>/metrics</c>.</summary>
    public IReadOnlyList<MetricSample> Samples { get; init; } = [];

    /// <summary>Probe-specific details for JSON output, storage and the readable report.</summary>
    public ProbeDetails? Details { get; init; }

    /// <summary>The verdict, derived from the problems.</summary>
    public ProbeStatus Status
    {
        get
        {
            // Read at every scrape for every check, so without allocating.
            var errors = 0;
            var onSentinelsSide = 0;
            for (var i = 0; i < Problems.Count; i++)
            {
                if (Problems[i].Severity == ProblemSeverity.Error)
                {
                    errors++;
                    onSentinelsSide += Problems[i].Layer == Layers.Probe ? 1 : 0;
                }
            }

            if (errors > 0)
            {
                // Every category of the probe layer (probe_error, path_permission_denied) is a fault on Sentinel's side.
                return onSentinelsSide == errors ? ProbeStatus.Unknown : ProbeStatus.Down;
            }

            return Problems.Count > 0 ? ProbeStatus.Degraded : ProbeStatus.Up;
        }
    }

    /// <summary>Whether the check passed (up or degraded).</summary>
    public bool Success => Status is ProbeStatus.Up or ProbeStatus.Degraded;

    /// <summary>The primary reason for a down or unknown result: the first error-severity problem.</summary>
    public Problem? Failure => Problems.FirstOrDefault(p => p.Severity == ProblemSeverity.Error);

    /// <summary>The duration of the named phase, when the probe got that far.</summary>
    public TimeSpan? Phase(string name)
    {
        foreach (var phase in Phases)
        {
            if (phase.Name == name)
            {
                return phase.Duration;
            }
        }

        return null;
    }
}
