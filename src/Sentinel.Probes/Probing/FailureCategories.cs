namespace Sentinel.Probes.Probing;

/// <summary>
/// The stable failure categories every probe shares, with the layer each belongs to and what it means.
/// Probes give a more specific hint at the failure site; the descriptions here are what the README lists.
/// </summary>
public static class FailureCategories
{
    /// <summary>The name does not exist.</summary>
    public const string DnsNxdomain = "dns_nxdomain";

    /// <summary>The name exists but has no address of the wanted family.</summary>
    public const string DnsNoAddress = "dns_no_address";

    /// <summary>The resolver failed to answer (SERVFAIL).</summary>
    public const string DnsServfail = "dns_servfail";

    /// <summary>The resolver refused the query.</summary>
    public const string DnsRefused = "dns_refused";

    /// <summary>No answer from the resolver in time.</summary>
    public const string DnsTimeout = "dns_timeout";

    /// <summary>The UDP answer was truncated and the check does not allow TCP.</summary>
    public const string DnsTruncated = "dns_truncated";

    /// <summary>The server's reply is not a valid DNS message for the query.</summary>
    public const string DnsMalformed = "dns_malformed";

    /// <summary>The answer did not meet the check's expectations.</summary>
    public const string DnsUnexpectedAnswer = "dns_unexpected_answer";

    /// <summary>The answer set differs from the check's accepted baseline.</summary>
    public const string DnsDrift = "dns_drift";

    /// <summary>The check's servers returned different answer sets.</summary>
    public const string DnsDisagreement = "dns_disagreement";

    /// <summary>The target answered the connection attempt with a reset.</summary>
    public const string TcpRefused = "tcp_refused";

    /// <summary>No answer to the connection attempt in time.</summary>
    public const string TcpTimeout = "tcp_timeout";

    /// <summary>Another connection-level error.</summary>
    public const string TcpFailed = "tcp_failed";

    /// <summary>No route to the target.</summary>
    public const string NetworkUnreachable = "network_unreachable";

    /// <summary>No echo reply from the target to any request.</summary>
    public const string IcmpTimeout = "icmp_timeout";

    /// <summary>A router answered the echo requests instead of the target: unreachable, or the TTL ran out.</summary>
    public const string IcmpUnreachable = "icmp_unreachable";

    /// <summary>Probes to the destination were lost, and the loss starts at a hop and carries on to the destination.</summary>
    public const string PathLoss = "path_loss";

    /// <summary>The destination never answered; the path stops after the last hop that did.</summary>
    public const string PathUnreachable = "path_unreachable";

    /// <summary>Sentinel may not open the raw ICMP socket the icmp and path probes need.</summary>
    public const string PathPermissionDenied = "path_permission_denied";

    /// <summary>An assertion on a measurement did not hold.</summary>
    public const string AssertionFailed = "assertion_failed";

    /// <summary>A fault on Sentinel's own side; the result is unknown, not down.</summary>
    public const string ProbeError = "probe_error";

    /// <summary>Every category with its layer and meaning, in the order the README documents them.</summary>
    public static IReadOnlyList<FailureCategory> All { get; } =
    [
        new(DnsNxdomain, Layers.Dns, "The name does not exist (NXDOMAIN).", "Check the name for typos and that the record is published in the zone the resolver sees."),
        new(DnsNoAddress, Layers.Dns, "The name exists but has no address of the wanted family (no A or AAAA record).", "Publish the A/AAAA record, or set ipVersion to the family the target has."),
        new(DnsServfail, Layers.Dns, "The resolver could not answer (SERVFAIL or a temporary resolver failure).", "The zone's authoritative servers may be down or DNSSEC validation failing; query them directly with dig."),
        new(DnsRefused, Layers.Dns, "The resolver refused the query (REFUSED).", "The resolver does not serve this client or zone; check its access rules or use another resolver."),
        new(DnsTimeout, Layers.Dns, "No answer from the resolver before the deadline.", "Check that the resolver is reachable from this node (UDP and TCP port 53) and not overloaded."),
        new(DnsTruncated, Layers.Dns, "The UDP answer did not fit and came back truncated (TC flag, or cut short), and the check does not allow TCP.", "Allow TCP (tcpFallback, the default) or raise ednsBufferSize; a server must also answer over TCP port 53 (RFC 7766)."),
        new(DnsMalformed, Layers.Dns, "The server's reply is not a valid DNS answer to the query: unparsable, cut short, missing (a TCP connection closed without one), or with another id.", "Capture the exchange (tcpdump port 53) and compare with dig; a middlebox may be rewriting DNS."),
        new(DnsUnexpectedAnswer, Layers.Dns, "The answer does not meet the check's expectations: its rcode, the expected records, a regular expression rule or the minimum TTL.", "Compare the records in the message with the zone: either the zone changed or the check's expectations need updating."),
        new(DnsDrift, Layers.Dns, "The answer set differs from the check's accepted baseline (records added or removed; TTL changes and order do not count).", "If the change is intended, accept it with `sentinel dns accept CHECK_ID`; otherwise find out who changed the zone."),
        new(DnsDisagreement, Layers.Dns, "The check's servers returned different answer sets (split horizon, propagation delay, a stale secondary).", "Compare the servers' SOA serials and views: a lagging secondary or a split-horizon view is the usual cause."),
        new(TcpRefused, Layers.Tcp, "The target answered the connection attempt with a reset: nothing listens on that port.", "Is the service running, listening on this port and bound to this address (not only 127.0.0.1)?"),
        new(TcpTimeout, Layers.Tcp, "No answer to the connection attempt before the deadline.", "A firewall may be dropping packets to the port, or the host is down or overloaded."),
        new(TcpFailed, Layers.Tcp, "The connection failed for another reason (reset during connect, protocol error).", "Read the message for the socket error and compare with a manual connection (nc, curl)."),
        new(NetworkUnreachable, Layers.Tcp, "There is no route from this node to the target's address.", "Check this node's routes, VPN or IPv6 connectivity, and any local firewall rules."),
        new(IcmpTimeout, Layers.Icmp, "No echo reply from the target to any of the run's echo requests.", "The host may be down, or a firewall drops ICMP echo on the way or at the host; try a path check to see where the answers stop."),
        new(IcmpUnreachable, Layers.Icmp, "A router answered instead of the target: destination unreachable (no route, host down, administratively prohibited) or the TTL ran out (a routing loop).", "The message names the router and its reason; check routes and firewalls at that router."),
        new(PathLoss, Layers.Path, "Probes to the destination were lost; the loss starts at the named hop and carries on to the destination, so it is real loss, not ICMP rate limiting.", "Look at the link into the named hop and at the hop before it (errors, congestion, a policer), or hand the report to whoever runs that hop."),
        new(PathUnreachable, Layers.Path, "The destination never answered; the path stops after the named last hop that did.", "The next hop after the named one drops the probes or has no route: check its routes and firewall, and whether the destination answers ICMP at all."),
        new(PathPermissionDenied, Layers.Probe, "Sentinel may not open a raw ICMP socket (the icmp and path probes need one). A fault on Sentinel's side: the result is unknown, not down.", "Give Sentinel CAP_NET_RAW: AmbientCapabilities=CAP_NET_RAW in its systemd unit, --cap-add NET_RAW in a container, or setcap cap_net_raw+ep on the executable."),
        new(AssertionFailed, Layers.Assertion, "An assertion on a measurement did not hold; the message names the measurement, the bound and the value seen.", "Compare the value with the bound: either the target regressed or the bound needs adjusting."),
        new(ProbeError, Layers.Probe, "A fault on Sentinel's own side (local resolver unreachable, no socket permission, out of file descriptors, the node too busy to finish in time). The result is unknown, not down, and pages nobody.", "Look at this Sentinel node: its logs, load and limits. The target may be fine."),
    ];

    /// <summary>Looks up a category by name.</summary>
    public static FailureCategory? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}

/// <summary>A documented failure category.</summary>
/// <param name="Name">The stable name, e.g. <c>tcp_refused</c>.</param>
/// <param name="Layer">The layer it belongs to.</param>
/// <param name="Description">What it means.</param>
/// <param name="Hint">The generic hint; probes give a more specific one where they can.</param>
public sealed record FailureCategory(string Name, string Layer, string Description, string Hint);

/// <summary>The layers a problem can belong to.</summary>
public static class Layers
{
    /// <summary>Name resolution.</summary>
    public const string Dns = "dns";

    /// <summary>Connection establishment.</summary>
    public const string Tcp = "tcp";

    /// <summary>The TLS handshake and certificates.</summary>
    public const string Tls = "tls";

    /// <summary>The HTTP exchange.</summary>
    public const string Http = "http";

    /// <summary>ICMP echo to the target.</summary>
    public const string Icmp = "icmp";

    /// <summary>The hops on the way to the target.</summary>
    public const string Path = "path";

    /// <summary>A check's own assertions.</summary>
    public const string Assertion = "assertion";

    /// <summary>Sentinel itself.</summary>
    public const string Probe = "probe";
}
