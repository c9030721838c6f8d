using Sentinel.Probes.Dns;
using Sentinel.Probes.Headers;
using Sentinel.Probes.Http;
using Sentinel.Probes.Icmp;
using Sentinel.Probes.Paths;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Tcp;
using Sentinel.Probes.Tls;

namespace Sentinel.Probes;

/// <summary>
/// The probes Sentinel runs, one per check type: the one place that lists them. The daemon, <c>sentinel probe</c>
/// and the check parser take their types from here (<c>ProbeCatalog.Default.Checks</c> for parsing); nothing below
/// the probe folders refers back to it.
/// </summary>
internal static class ProbeCatalog
{
    /// <summary>Every built-in type.</summary>
    public static ProbeTypes Default { get; } = new([DnsProbe.Type, HeadersProbe.Type, HttpProbe.Type, IcmpProbe.Type, PathProbe.Type, TcpProbe.Type, TlsProbe.Type]);
}
