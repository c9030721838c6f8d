using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Probing;

/// <summary>Accumulates what a probe observes while it runs, then builds the immutable <see cref="ProbeResult"/>.</summary>
public sealed class ProbeResultBuilder(CheckDefinition check)
{
    private readonly List<PhaseTiming> _phases = [];
    private readonly Dictionary<string, MeasurementValue> _measurements = new(StringComparer.Ordinal);
    private readonly List<Problem> _problems = [];
    private readonly List<Finding> _findings = [];
    private readonly List<MetricSample> _samples = [];

    /// <summary>The probe-specific details.</summary>
    public ProbeDetails? Details { get; set; }

    /// <summary>Whether an error-severity problem has been recorded.</summary>
    public bool HasFailed => _problems.Exists(p => p.Severity == ProblemSeverity.Error);

    /// <summary>Records a phase timing, adding to an earlier phase of the same name (redirect hops).</summary>
    public void Phase(string name, TimeSpan duration)
    {
        var index = _phases.FindIndex(p => p.Name == name);
        if (index >= 0)
        {
            _phases[index] = _phases[index] with { Duration = _phases[index].Duration + duration };
        }
        else
        {
            _phases.Add(new PhaseTiming(name, duration));
        }
    }

    /// <summary>The duration recorded so far for the named phase, or null.</summary>
    public TimeSpan? PhaseDuration(string name) => _phases.Find(p => p.Name == name) is { Name: not null } phase ? phase.Duration : null;

    /// <summary>
    /// Records each phase so far as its measurement in <paramref name="durations"/> (<c>{prefix}.duration.{phase}_ms</c>),
    /// and <paramref name="total"/> as <c>{prefix}.duration.total_ms</c>, the names assertions use.
    /// </summary>
    public void MeasureDurations(DurationMeasurements durations, TimeSpan total)
    {
        foreach (var phase in _phases)
        {
            Measure(durations.Name(phase.Name), phase.Duration.TotalMilliseconds);
        }

        Measure(durations.Total, total.TotalMilliseconds);
    }

    /// <summary>Records a numeric measurement.</summary>
    public void Measure(string name, double value) => _measurements[name] = MeasurementValue.Of(value);

    /// <summary>Records a measurement already wrapped (a number with its written form, for one).</summary>
    public void Measure(string name, MeasurementValue value) => _measurements[name] = value;

    /// <summary>Records a textual measurement.</summary>
    public void Measure(string name, string value) => _measurements[name] = MeasurementValue.Of(value);

    /// <summary>Records a list measurement.</summary>
    public void Measure(string name, IReadOnlyList<string> value) => _measurements[name] = MeasurementValue.Of(value);

    /// <summary>Records a classified problem.</summary>
    public void Problem(Problem problem) => _problems.Add(problem);

    /// <summary>Records a failure that makes the result down.</summary>
    public void Fail(string layer, string category, string message, string hint) =>
        _problems.Add(new Problem(layer, category, message, hint));

    /// <summary>Records a warning that makes the result degraded.</summary>
    public void Warn(string layer, string category, string message, string hint) =>
        _problems.Add(new Problem(layer, category, message, hint, ProblemSeverity.Warning));

    /// <summary>Records an audit finding.</summary>
    public void Finding(Finding finding) => _findings.Add(finding);

    /// <summary>Records a sample of a probe-declared series.</summary>
    public void Sample(MetricDescriptor metric, double value, params IReadOnlyList<string> labels)
    {
        if (labels.Count != metric.LabelNames.Count)
        {
            throw new ArgumentException($"{metric.Name} takes {metric.LabelNames.Count} labels, got {labels.Count}", nameof(labels));
        }

        _samples.Add(new MetricSample(metric, value, labels));
    }

    /// <summary>Builds the result. The runner stamps its start time and total duration.</summary>
    public ProbeResult Build() => new()
    {
        CheckId = check.Id,
        Type = check.Type,
        Target = check.Target,
        Phases = _phases.ToArray(),
        Measurements = new Dictionary<string, MeasurementValue>(_measurements, StringComparer.Ordinal),
        Problems = _problems.ToArray(),
        Findings = _findings.ToArray(),
        Samples = _samples.ToArray(),
        Details = Details,
    };
}
