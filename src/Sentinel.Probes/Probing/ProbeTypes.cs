using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Probing;

/// <summary>A set of probe types by name: what a runner runs, and the check types the parser reads.</summary>
internal sealed class ProbeTypes(IEnumerable<ProbeType> types)
{
    /// <summary>The same types as the check format sees them, for <c>CheckParser</c> and <c>CheckFiles</c>.</summary>
    public CheckTypes Checks { get; } = new(types);

    /// <summary>The known types in name order.</summary>
    public IEnumerable<ProbeType> Types => Checks.Types.Cast<ProbeType>();

    /// <summary>Every series any type declares.</summary>
    public IEnumerable<MetricDescriptor> Metrics => Types.SelectMany(t => t.Metrics).Distinct();

    /// <summary>Looks a type up by name.</summary>
    public ProbeType? Find(string name) => (ProbeType?)Checks.Find(name);
}
