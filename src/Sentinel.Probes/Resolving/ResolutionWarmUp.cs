using System.Buffers.Binary;
using System.Net;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Dns;

namespace Sentinel.Probes.Resolving;

/// <summary>
/// Warms the <c>resolve</c> phase a run of a check will time, through the very code it will take:
/// <see cref="TargetResolution"/> with the check's resolver. The probe types' own warm-ups target 127.0.0.1, whose
/// lookup is a no-op, so without this the first lookup of a name in a process is timed cold: the system resolver's
/// first getaddrinfo costs about 48 ms (its modules load, glibc starts getaddrinfo_a's helper thread), the second
/// 1.6 ms and the next few 0.05–0.3 ms before they settle at about 0.02 ms, where curl measures 0.04 ms; and after
/// some 200 ms idle the helper thread is gone and a lookup costs 0.3 ms again, so this runs right before the run.
/// (Those figures are getaddrinfo_a's; a name the hosts file answers is looked up inline, see
/// <see cref="SystemHostResolver"/>, and its first lookups are still the slow ones this warms.)
/// The system resolver looks up <c>localhost</c>, and only where <see cref="HostsFileAnswer"/> says no query leaves
/// the machine for it; a check with its own <c>resolver</c> asks an in-process responder on loopback instead, through
/// the same <see cref="DnsServerHostResolver"/> code as the check.
/// </summary>
internal static class ResolutionWarmUp
{
    /// <summary>Lookups per warm-up: ReadyToRun and tier-0 code, and getaddrinfo_a, stay slow for a few calls, not one.</summary>
    public const int Rounds = 8;

    private static readonly Lazy<bool> LocalhostAnswered = new(() => HostsFileAnswer.System.Answers(HostsFileAnswer.Localhost, IpVersion.V4));

    /// <summary>
    /// The host the probe types' warm-ups target, with <c>ipVersion: ipv4</c>, where their loopback peers listen on
    /// 127.0.0.1: <c>localhost</c> where the system resolver answers it without a query, so that the warm-up runs take
    /// a probe's path for a name (a lookup that completes later, each probe's own await of it) as the target's run
    /// will; elsewhere 127.0.0.1, whose lookup is a no-op.
    /// </summary>
    public static string Host => LocalhostIsLocal ? HostsFileAnswer.Localhost : Loopback;

    /// <summary>Whether the system resolver answers localhost from this node's files (<see cref="HostsFileAnswer"/>), read once.</summary>
    public static bool LocalhostIsLocal => LocalhostAnswered.Value;

    /// <summary>
    /// The host round <paramref name="round"/> of a warm-up targets: <see cref="Host"/> and 127.0.0.1 in turn, so that
    /// both of <see cref="TargetResolution"/>'s paths, a name's lookup and an address literal's no-op, are warm.
    /// </summary>
    public static string HostFor(int round) => round % 2 == 0 ? Host : Loopback;

    private const string Loopback = "127.0.0.1";

    /// <summary>
    /// What a run of <paramref name="check"/> may look up with: <c>system</c>, <c>server</c> (its own resolver), or null
    /// when it looks up nothing — a type that resolves no target host, or an address literal that is not a URL (a URL
    /// may redirect to a name).
    /// </summary>
    public static string? ResolverKind(CheckDefinition check, CheckType type)
    {
        var literal = !check.Target.Contains("://", StringComparison.Ordinal)
            && IPAddress.TryParse(HostPort.TryParse(check.Target, 1, out var target, out _) ? target.Host : check.Target.Trim('[', ']'), out _);
        return !type.ResolvesTargetHost || literal ? null : check.Resolver is null ? "system" : "server";
    }

    /// <summary>
    /// Looks a name up <see cref="Rounds"/> times as <paramref name="check"/> would, with <paramref name="context"/>'s
    /// resolvers. Sends nothing off the machine; does nothing where the system resolver could only ask a DNS server.
    /// </summary>
    public static async Task RunAsync(CheckDefinition check, ProbeContext context, CancellationToken cancellationToken)
    {
        if (check.Resolver is null)
        {
            if (LocalhostIsLocal)
            {
                // Not ipv6: localhost is known to have an IPv4 address here, an IPv6 one it may lack (and dns be asked).
                var version = check.IpVersion == IpVersion.V6 ? IpVersion.Any : check.IpVersion;
                await LookUpAsync(check with { IpVersion = version }, HostsFileAnswer.Localhost, context, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var responder = new LoopbackDnsServer(AddressReply);
        await using (responder.ConfigureAwait(false))
        {
            await LookUpAsync(check with { Resolver = responder.EndPoint.ToString() }, "warm-up.invalid", context, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task LookUpAsync(CheckDefinition check, string host, ProbeContext context, CancellationToken cancellationToken)
    {
        var target = new HostPort(host, 1, null);
        for (var round = 0; round < Rounds; round++)
        {
            await TargetResolution.ResolveAsync(check, target, context, new ProbeResultBuilder(check), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The responder's answer: 127.0.0.1 to an A query, ::1 to an AAAA query, no records to others.</summary>
    private static byte[]? AddressReply(ReadOnlySpan<byte> query)
    {
        if (LoopbackDnsServer.QuestionEnd(query) is not { } end)
        {
            return null;
        }

        var type = BinaryPrimitives.ReadUInt16BigEndian(query[(end - 4)..]);
        byte[] address = type switch { 1 => IPAddress.Loopback.GetAddressBytes(), 28 => IPAddress.IPv6Loopback.GetAddressBytes(), _ => [] };
        byte[] answer = address.Length == 0 ? [] : [0xC0, 12, .. query[(end - 4)..end], 0, 0, 0, 60, 0, (byte)address.Length, .. address];

        // Id and question as asked; QR, AA; one question and the answer, if any (RFC 1035 §4.1.1, owner name a pointer to the question's).
        return [.. query[..2], 0x84, 0x00, 0, 1, 0, (byte)(answer.Length == 0 ? 0 : 1), 0, 0, 0, 0, .. query[12..end], .. answer];
    }
}
