using System.Net;
using System.Net.Sockets;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Resolving;

/// <summary>
/// The <c>resolve</c> phase shared by every probe that connects to a host: looks the host up with the check's
/// resolver, records the phase and the <c>probe_dns_lookup_time_seconds</c> sample, and classifies failures
/// (a deadline hit while resolving is <c>dns_timeout</c>). An IP literal skips the lookup; its resolve phase
/// is then the near-zero time of the no-op, as with curl.
/// </summary>
internal static class TargetResolution
{
    /// <summary>
    /// The blackbox_exporter series for the time name resolution took: the target's host here, and for dns checks
    /// the DNS server's name, as blackbox_exporter's DNS prober reports it (the query has its own series).
    /// </summary>
    public static readonly MetricDescriptor LookupTime = new(
        "probe_dns_lookup_time_seconds", "Time spent resolving a host name: the target's, or for dns checks the DNS server's own (blackbox_exporter's meaning).", "s");

    /// <summary>The blackbox_exporter series for the address family used.</summary>
    public static readonly MetricDescriptor IpProtocol = new(
        "probe_ip_protocol", "The IP protocol version of the address probed (4 or 6).");

    /// <summary>
    /// blackbox_exporter's hash of the address probed, to see it change: FNV-1a (32 bits) over its bytes, 4 for IPv4
    /// (also an IPv4-mapped IPv6 address, as Go's To4 reads it), 16 for IPv6, so the value is blackbox_exporter's for
    /// the same address.
    /// </summary>
    public static readonly MetricDescriptor IpAddrHash = new(
        "probe_ip_addr_hash", "FNV-1a hash of the IP address probed, as blackbox_exporter computes it: a change means the target moved.");

    /// <summary>The resolver for the check: its own <c>resolver</c> when set, else the context's system resolver.</summary>
    public static IHostResolver ResolverFor(this ProbeContext context, CheckDefinition check) =>
        check.Resolver is not { } server ? context.SystemResolver
        : context.ServerResolver is { } make ? make(server)
        : new DnsServerHostResolver(server, context.Time);

    /// <summary>Resolves the host; null when it failed, with the failure recorded in <paramref name="result"/>.</summary>
    public static async ValueTask<IReadOnlyList<IPAddress>?> ResolveAsync(
        CheckDefinition check, HostPort target, ProbeContext context, ProbeResultBuilder result, CancellationToken cancellationToken)
    {
        var start = context.Time.GetTimestamp();
        var resolver = context.ResolverFor(check);
        HostLookup lookup;
        try
        {
            lookup = target.Address is { } literal
                ? Literal(literal, check.IpVersion, target)
                : await resolver.ResolveAsync(target.Host, check.IpVersion, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            lookup = HostLookup.Failed(new Problem(Layers.Dns, FailureCategories.DnsTimeout,
                $"resolving {target.Host} did not finish within the check's timeout ({Duration.Format(check.Timeout)}) using the {resolver.Name} resolver",
                "check that the resolver is reachable from this node and answers promptly, or raise the check's timeout"));
        }

        var elapsed = context.Time.GetElapsedTime(start);
        result.Phase(PhaseNames.Resolve, elapsed);
        result.Sample(LookupTime, elapsed.TotalSeconds);
        if (lookup.Failure is { } failure)
        {
            result.Problem(failure);
            return null;
        }

        SampleAddress(result, lookup.Addresses[0]);
        return lookup.Addresses;
    }

    /// <summary>The <c>probe_ip_protocol</c> and <c>probe_ip_addr_hash</c> samples of the address probed.</summary>
    public static void SampleAddress(ProbeResultBuilder result, IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        result.Sample(IpProtocol, address.AddressFamily == AddressFamily.InterNetworkV6 ? 6 : 4);
        result.Sample(IpAddrHash, Fnv1a(address.GetAddressBytes()));
    }

    /// <summary>FNV-1a, 32 bits (Go's hash/fnv New32a).</summary>
    internal static uint Fnv1a(ReadOnlySpan<byte> bytes)
    {
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    private static HostLookup Literal(IPAddress address, IpVersion version, HostPort target)
    {
        var wrongFamily = (version == IpVersion.V4 && address.AddressFamily != AddressFamily.InterNetwork)
            || (version == IpVersion.V6 && address.AddressFamily != AddressFamily.InterNetworkV6);
        return wrongFamily
            ? HostLookup.Failed(new Problem(Layers.Dns, FailureCategories.DnsNoAddress,
                $"{target.Host} is not an {SystemHostResolver.Family(version)} address",
                "change the check's ipVersion or its target"))
            : HostLookup.Of([address]);
    }
}
