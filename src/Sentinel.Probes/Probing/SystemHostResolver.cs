using System.Net;
using System.Net.Sockets;
using Sentinel.Probes.Checks;

namespace Sentinel.Probes.Probing;

/// <summary>
/// The operating system's resolver (getaddrinfo: /etc/hosts, then the servers in /etc/resolv.conf), as
/// curl and most clients of the target use it.
/// </summary>
/// <param name="files">What the node's resolver answers from its hosts file; default this node's files.</param>
internal sealed class SystemHostResolver(HostsFileAnswer? files = null) : IHostResolver
{
    private readonly HostsFileAnswer _files = files ?? HostsFileAnswer.System;

    public string Name => "system";

    public async ValueTask<HostLookup> ResolveAsync(string host, IpVersion version, CancellationToken cancellationToken)
    {
        var family = version switch
        {
            IpVersion.V4 => AddressFamily.InterNetwork,
            IpVersion.V6 => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unspecified,
        };

        try
        {
            IPAddress[] addresses;
            if (_files.Answers(host, version))
            {
                // The hosts file answers before any source that could send a query: the lookup reads files and cannot
                // wait on the network, so it runs here. Asynchronously, glibc's getaddrinfo_a hands it to a helper
                // thread and its answer to a notification thread, which then wakes a pool thread: 0.2-0.3 ms of
                // Sentinel's own in a resolve phase that curl measures at 0.02-0.05 ms.
                cancellationToken.ThrowIfCancellationRequested();
                addresses = System.Net.Dns.GetHostAddresses(host, family);
            }
            else
            {
                // WaitAsync: getaddrinfo may not observe cancellation promptly, the deadline must still hold.
                addresses = await System.Net.Dns.GetHostAddressesAsync(host, family, cancellationToken)
                    .WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            return addresses.Length > 0
                ? HostLookup.Of(addresses)
                : HostLookup.Failed(NoAddress(host, version));
        }
        catch (SocketException ex)
        {
            return HostLookup.Failed(ex.SocketErrorCode switch
            {
                SocketError.HostNotFound => new Problem(Layers.Dns, FailureCategories.DnsNxdomain,
                    $"{host} does not resolve: the system resolver found no such name",
                    $"check {host} for typos and that its record is published in the zone this node's resolver sees"),
                SocketError.NoData => NoAddress(host, version),
                SocketError.TryAgain => new Problem(Layers.Dns, FailureCategories.DnsTimeout,
                    $"the system resolver gave up on {host} (temporary failure: no answer in time, SERVFAIL, or the resolver unreachable)",
                    "query this node's resolver directly (dig @resolver name) to see whether it times out or answers SERVFAIL"),
                _ => new Problem(Layers.Probe, FailureCategories.ProbeError,
                    $"the system resolver failed for {host}: {ex.Message} ({ex.SocketErrorCode})",
                    "check this node's resolver configuration (/etc/resolv.conf, /etc/nsswitch.conf)"),
            });
        }
    }

    private static Problem NoAddress(string host, IpVersion version) => new(Layers.Dns, FailureCategories.DnsNoAddress,
        $"{host} has no {Family(version)} address",
        version == IpVersion.Any
            ? $"publish an A or AAAA record for {host}"
            : $"publish the {(version == IpVersion.V4 ? "A" : "AAAA")} record for {host}, or change the check's ipVersion");

    internal static string Family(IpVersion version) => version switch
    {
        IpVersion.V4 => "IPv4 (A)",
        IpVersion.V6 => "IPv6 (AAAA)",
        _ => "IPv4 or IPv6",
    };
}
