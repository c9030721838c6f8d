using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Probing;

/// <summary>A set of probe types by name: what a runner runs, and the check types the parser reads.</summary>
internal sealed class ProbeTypes
{
    private readonly Dictionary<string, ProbeType> _types;

    public ProbeTypes(IEnumerable<ProbeType> types)
    {
        _types = types.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Checks = new CheckTypes(_types.Values);
    }

    /// <summary>The known types in name order.</summary>
    public IEnumerable<ProbeType> Types => _types.Values.OrderBy(t => t.Name, StringComparer.Ordinal);

    /// <summary>Every series any type declares.</summary>
    public IEnumerable<MetricDescriptor> Metrics => Types.SelectMany(t => t.Metrics).Distinct();

    /// <summary>The same types as the check format sees them, for <c>CheckParser</c> and <c>CheckFiles</c>.</summary>
    public CheckTypes Checks { get; }

    /// <summary>Looks a type up by name.</summary>
    public ProbeType? Find(string name) => _types.GetValueOrDefault(name);
}
