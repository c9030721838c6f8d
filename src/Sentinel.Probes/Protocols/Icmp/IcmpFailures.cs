using System.Net;
using System.Net.Sockets;
using Sentinel.Probes.Probing;

namespace Sentinel.Probes.Protocols.Icmp;

/// <summary>
/// How the icmp and path probes word what stopped a probe packet, so that both say it alike: a send this node's
/// kernel refused, and the reason a "destination unreachable" answer gives.
/// </summary>
internal static class IcmpFailures
{
    /// <summary>Classifies a request the kernel refused to send.</summary>
    public static Problem SendFailed(IPAddress target, SocketError error, string message) => error switch
    {
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => new Problem(Layers.Icmp, FailureCategories.IcmpUnreachable,
            $"no route from this node to {target}: {message}",
            "check this node's routing table, VPN and (for IPv6 targets) IPv6 connectivity"),
        SocketError.AccessDenied => new Problem(Layers.Icmp, FailureCategories.IcmpUnreachable,
            $"sending to {target} was denied on this node: {message}",
            "a local firewall rule (nftables/iptables output chain) or a prohibit route blocks ICMP to this address"),
        _ => new Problem(Layers.Probe, FailureCategories.ProbeError,
            $"this node could not send an echo request to {target}: {message} ({error})",
            "a fault of this Sentinel node (buffers, packet size above the interface MTU); the target may be fine"),
    };

    /// <summary>The reason an ICMP destination-unreachable code gives (RFC 792, RFC 1812 section 5.2.7.1; RFC 4443 section 3.1).</summary>
    public static string UnreachableReason(IPAddress target, byte code) => (target.AddressFamily == AddressFamily.InterNetworkV6, code) switch
    {
        (false, 0) => "network unreachable",
        (false, 1) => "host unreachable",
        (false, 2) => "protocol unreachable",
        (false, 3) => "port unreachable",
        (false, 4) => "fragmentation needed",
        (false, 9 or 10 or 13) => "administratively prohibited",
        (true, 0) => "no route to destination",
        (true, 1) => "administratively prohibited",
        (true, 3) => "address unreachable",
        (true, 4) => "port unreachable",
        (true, 5 or 6) => "source address failed policy",
        _ => $"code {code}",
    };
}
