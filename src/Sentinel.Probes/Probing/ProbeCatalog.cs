using Sentinel.Probes.Dns;
using Sentinel.Probes.Headers;
using Sentinel.Probes.Http;
using Sentinel.Probes.Icmp;
using Sentinel.Probes.Paths;
using Sentinel.Probes.Tcp;
using Sentinel.Probes.Tls;

namespace Sentinel.Probes.Probing;

/// <summary>The check types Sentinel knows, by name.</summary>
internal sealed class ProbeCatalog
{
    private readonly Dictionary<string, ProbeType> _types;

    public ProbeCatalog(IEnumerable<ProbeType> types)
    {
        _types = types.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>Every built-in type.</summary>
    public static ProbeCatalog Default { get; } = new([DnsProbe.Type, HeadersProbe.Type, HttpProbe.Type, IcmpProbe.Type, PathProbe.Type, TcpProbe.Type, TlsProbe.Type]);

    /// <summary>The known types in name order.</summary>
    public IEnumerable<ProbeType> Types => _types.Values.OrderBy(t => t.Name, StringComparer.Ordinal);

    /// <summary>Every series any type declares.</summary>
    public IEnumerable<MetricDescriptor> Metrics => Types.SelectMany(t => t.Metrics).Distinct();

    /// <summary>Looks a type up by name.</summary>
    public ProbeType? Find(string name) => _types.GetValueOrDefault(name);
}
