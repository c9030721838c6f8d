using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Sentinel.Probes.Protocols.Icmp;

/// <summary>
/// Builds ICMP echo requests and parses what comes back on a raw ICMP socket, for IPv4 (RFC 792) and
/// IPv6 (RFC 4443). Every length is checked before it is read: the bytes come from the network and may be
/// truncated or hostile, so a malformed message is ignored, never an exception.
/// </summary>
internal static class IcmpPacket
{
    /// <summary>Bytes of an ICMP echo header: type, code, checksum, identifier, sequence.</summary>
    public const int EchoHeaderLength = 8;

    /// <summary>The IPv4 header without options, which Linux puts in front of what we send on a raw socket.</summary>
    public const int Ipv4HeaderLength = 20;

    /// <summary>The fixed IPv6 header.</summary>
    public const int Ipv6HeaderLength = 40;

    private const byte EchoRequestV4 = 8;
    private const byte EchoReplyV4 = 0;
    private const byte UnreachableV4 = 3;
    private const byte TimeExceededV4 = 11;
    private const byte EchoRequestV6 = 128;
    private const byte EchoReplyV6 = 129;
    private const byte UnreachableV6 = 1;
    private const byte TimeExceededV6 = 3;
    private const byte ProtocolIcmp = 1;
    private const byte ProtocolIcmpV6 = 58;
    private const byte ProtocolTcp = 6;
    private const byte ProtocolUdp = 17;
    private const byte HopByHopOptions = 0;
    private const byte DestinationOptions = 60;
    private const byte Fragment = 44;

    // More extension headers than a probe could carry: a quote with more is not ours, and the walk stays bounded.
    private const int MaxExtensionHeaders = 4;

    /// <summary>
    /// The ICMP bytes to send so that the whole IP packet is <paramref name="packetSize"/> bytes, as mtr's
    /// <c>--psize</c> counts it (IP header included); never shorter than the echo header.
    /// </summary>
    public static int IcmpLength(AddressFamily family, int packetSize) =>
        Math.Max(EchoHeaderLength, packetSize - (family == AddressFamily.InterNetworkV6 ? Ipv6HeaderLength : Ipv4HeaderLength));

    /// <summary>Writes an echo request into <paramref name="buffer"/> (its whole length is the ICMP message).</summary>
    public static void WriteEchoRequest(Span<byte> buffer, AddressFamily family, ushort identifier, ushort sequence)
    {
        buffer[0] = family == AddressFamily.InterNetworkV6 ? EchoRequestV6 : EchoRequestV4;
        buffer[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[6..], sequence);

        // A recognisable payload, as ping uses, so that captures show whose probes these are.
        for (var i = EchoHeaderLength; i < buffer.Length; i++)
        {
            buffer[i] = (byte)(0x20 + (i % 64));
        }

        // ICMPv6's checksum covers a pseudo-header with the addresses, which the kernel fills in for raw
        // ICMPv6 sockets (RFC 3542 section 3.1); for IPv4 it is ours to compute.
        if (family == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], Checksum(buffer));
        }
    }

    /// <summary>The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit words.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (uint)(data[i] << 8);
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>
    /// Parses what a raw IPv4 ICMP socket received (Linux includes the IP header). True when it is an echo
    /// reply, or a time-exceeded / unreachable error that quotes an ICMP echo request, a UDP datagram or a TCP segment.
    /// </summary>
    public static bool TryParseV4(ReadOnlySpan<byte> packet, out IcmpReply reply)
    {
        reply = default;
        if (!TryIpv4Header(packet, out var headerLength, out var protocol, out var source, out _) || protocol != ProtocolIcmp)
        {
            return false;
        }

        var icmp = packet[headerLength..];
        if (icmp.Length < EchoHeaderLength)
        {
            return false;
        }

        var type = icmp[0];
        var code = icmp[1];
        if (type == EchoReplyV4)
        {
            reply = new IcmpReply(IcmpReplyKind.EchoReply, code, source, Read16(icmp, 4), Read16(icmp, 6), source);
            return true;
        }

        if (type is not (TimeExceededV4 or UnreachableV4))
        {
            return false;
        }

        // RFC 792: the error carries the original IP header and at least the first 64 bits of its payload,
        // which hold the echo identifier and sequence that say which probe it was.
        var quoted = icmp[EchoHeaderLength..];
        if (!TryIpv4Header(quoted, out var quotedLength, out var quotedProtocol, out _, out var destination))
        {
            return false;
        }

        return TryQuotedProbe(quoted[quotedLength..], quotedProtocol, EchoRequestV4, ProtocolIcmp,
            type == TimeExceededV4 ? IcmpReplyKind.TimeExceeded : IcmpReplyKind.Unreachable, code, source, destination, out reply);
    }

    /// <summary>
    /// Parses what a raw ICMPv6 socket received (no IP header: <paramref name="source"/> comes from the
    /// socket). True when it is an echo reply, or a time-exceeded / unreachable error quoting a probe.
    /// </summary>
    public static bool TryParseV6(ReadOnlySpan<byte> icmp, IPAddress source, out IcmpReply reply)
    {
        reply = default;
        if (icmp.Length < EchoHeaderLength)
        {
            return false;
        }

        var type = icmp[0];
        var code = icmp[1];
        if (type == EchoReplyV6)
        {
            reply = new IcmpReply(IcmpReplyKind.EchoReply, code, source, Read16(icmp, 4), Read16(icmp, 6), source);
            return true;
        }

        if (type is not (TimeExceededV6 or UnreachableV6))
        {
            return false;
        }

        // RFC 4443 section 3: as much of the invoking packet as fits, starting with its IPv6 header.
        var quoted = icmp[EchoHeaderLength..];
        if (quoted.Length < Ipv6HeaderLength || quoted[0] >> 4 != 6
            || !TrySkipExtensionHeaders(quoted, out var payload, out var protocol))
        {
            return false;
        }

        var destination = new IPAddress(quoted.Slice(24, 16));
        return TryQuotedProbe(payload, protocol, EchoRequestV6, ProtocolIcmpV6,
            type == TimeExceededV6 ? IcmpReplyKind.TimeExceeded : IcmpReplyKind.Unreachable, code, source, destination, out reply);
    }

    /// <summary>
    /// Steps over the extension headers a quoted probe may carry to reach its ICMPv6 header (RFC 8200 section 4).
    /// A probe larger than the path MTU is fragmented by this node's kernel, so the quote of its first fragment
    /// holds a Fragment header (offset 0); hop-by-hop and destination options may also precede it. A later
    /// fragment (offset above 0) holds no ICMPv6 header, and any other header is not one of our probes.
    /// </summary>
    private static bool TrySkipExtensionHeaders(ReadOnlySpan<byte> quoted, out ReadOnlySpan<byte> payload, out byte protocol)
    {
        protocol = quoted[6];
        payload = quoted[Ipv6HeaderLength..];
        for (var headers = 0; headers < MaxExtensionHeaders; headers++)
        {
            int length;
            switch (protocol)
            {
                case HopByHopOptions or DestinationOptions:
                    // Next header, then the length in 8-octet units beyond the first 8.
                    if (payload.Length < 2)
                    {
                        return false;
                    }

                    length = (payload[1] + 1) * 8;
                    break;
                case Fragment:
                    // Next header, reserved, then the offset (13 bits, in 8-octet units), flags and identification.
                    if (payload.Length < 8 || Read16(payload, 2) >> 3 != 0)
                    {
                        return false;
                    }

                    length = 8;
                    break;
                default:
                    return true;
            }

            if (payload.Length < length)
            {
                return false;
            }

            protocol = payload[0];
            payload = payload[length..];
        }

        return false;
    }

    private static bool TryQuotedProbe(
        ReadOnlySpan<byte> payload, byte protocol, byte echoRequest, byte icmpProtocol, IcmpReplyKind kind, byte code,
        IPAddress from, IPAddress destination, out IcmpReply reply)
    {
        reply = default;
        if (payload.Length < 8)
        {
            return false;
        }

        if (protocol == icmpProtocol && payload[0] == echoRequest)
        {
            reply = new IcmpReply(kind, code, from, Read16(payload, 4), Read16(payload, 6), destination);
            return true;
        }

        // UDP and TCP headers both start with the source and destination ports, well inside the 8 bytes quoted.
        if (protocol is ProtocolUdp or ProtocolTcp)
        {
            reply = new IcmpReply(kind, code, from, Read16(payload, 0), Read16(payload, 2), destination,
                protocol == ProtocolUdp ? ProbeProtocol.Udp : ProbeProtocol.Tcp);
            return true;
        }

        return false;
    }

    private static bool TryIpv4Header(ReadOnlySpan<byte> packet, out int headerLength, out byte protocol, out IPAddress source, out IPAddress destination)
    {
        headerLength = 0;
        protocol = 0;
        source = destination = IPAddress.None;
        if (packet.Length < Ipv4HeaderLength || packet[0] >> 4 != 4)
        {
            return false;
        }

        headerLength = (packet[0] & 0x0F) * 4;
        if (headerLength < Ipv4HeaderLength || packet.Length < headerLength)
        {
            return false;
        }

        protocol = packet[9];
        source = new IPAddress(packet.Slice(12, 4));
        destination = new IPAddress(packet.Slice(16, 4));
        return true;
    }

    private static ushort Read16(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
}
