using System.Net;

namespace Sentinel.Probes.Protocols.Icmp;

/// <summary>What an ICMP message received on a raw socket says about one of our probes.</summary>
internal enum IcmpReplyKind
{
    /// <summary>The destination answered the echo request (ICMP type 0, ICMPv6 type 129).</summary>
    EchoReply,

    /// <summary>A router discarded the probe because its TTL / hop limit ran out (ICMP 11, ICMPv6 3).</summary>
    TimeExceeded,

    /// <summary>A router or the destination could not deliver the probe (ICMP 3, ICMPv6 1); the code says why.</summary>
    Unreachable,

    /// <summary>
    /// A UDP or TCP probe reached the destination, which answered it: port unreachable from the destination
    /// itself, a UDP reply, a SYN-ACK or a RST. Made by the path probe's UDP datagram and TCP SYN senders, never
    /// parsed.
    /// </summary>
    Arrived,
}

/// <summary>What kind of probe an ICMP message refers to.</summary>
internal enum ProbeProtocol
{
    /// <summary>An ICMP (or ICMPv6) echo request.</summary>
    IcmpEcho,

    /// <summary>A UDP datagram.</summary>
    Udp,

    /// <summary>A TCP SYN.</summary>
    Tcp,
}

/// <summary>
/// One ICMP message that refers to a probe: an echo reply, or an error that quotes the probe's header.
/// </summary>
/// <param name="Kind">What kind of answer it is.</param>
/// <param name="Code">The ICMP code (for unreachable: net, host, port, administratively prohibited, …).</param>
/// <param name="From">Who sent the message: the router or the destination.</param>
/// <param name="Identifier">The probe's echo identifier; for a UDP or TCP probe, its source port.</param>
/// <param name="Sequence">The probe's echo sequence number; for a UDP or TCP probe, its destination port.</param>
/// <param name="Destination">Where the probe was going (for errors, from the quoted header; for echo replies, <paramref name="From"/>).</param>
/// <param name="Protocol">What kind of probe it refers to.</param>
internal readonly record struct IcmpReply(
    IcmpReplyKind Kind, byte Code, IPAddress From, ushort Identifier, ushort Sequence, IPAddress Destination, ProbeProtocol Protocol = ProbeProtocol.IcmpEcho);
