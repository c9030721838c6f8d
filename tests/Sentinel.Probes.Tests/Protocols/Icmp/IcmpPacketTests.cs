using System.Net;
using System.Net.Sockets;
using Sentinel.Probes.Protocols.Icmp;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Icmp;

/// <summary>
/// Building echo requests and parsing what comes back. The parser reads bytes from the network, so it is
/// fed truncated, inconsistent and hostile packets too: each must be ignored, never throw.
/// </summary>
public sealed class IcmpPacketTests
{
    private static readonly IPAddress Router = IPAddress.Parse("198.18.1.2");
    private static readonly IPAddress Target = IPAddress.Parse("198.18.3.2");
    private static readonly IPAddress Client = IPAddress.Parse("198.18.0.1");

    [Fact]
    public void WriteEchoRequest_Ipv4_HasAValidChecksumAndTheIdentifiers()
    {
        var packet = new byte[IcmpPacket.IcmpLength(AddressFamily.InterNetwork, 64)];

        IcmpPacket.WriteEchoRequest(packet, AddressFamily.InterNetwork, 0x1234, 0xBEEF);

        Assert.Equal(44, packet.Length);
        Assert.Equal([8, 0], packet[..2]);
        Assert.Equal([0x12, 0x34, 0xBE, 0xEF], packet[4..8]);
        Assert.Equal(0, IcmpPacket.Checksum(packet));
    }

    [Fact]
    public void Checksum_Rfc1071Example_MatchesTheReference()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2, whose complement is 220d.
        Assert.Equal(0x220D, IcmpPacket.Checksum([0x00, 0x01, 0xF2, 0x03, 0xF4, 0xF5, 0xF6, 0xF7]));
    }

    [Fact]
    public void TryParseV4_EchoReply_ReturnsIdentifierAndSequence()
    {
        var packet = Ipv4(Target, Client, 1, [0, 0, 0, 0, 0x12, 0x34, 0x00, 0x07]);

        Assert.True(IcmpPacket.TryParseV4(packet, out var reply));
        Assert.Equal(new IcmpReply(IcmpReplyKind.EchoReply, 0, Target, 0x1234, 7, Target), reply);
    }

    [Fact]
    public void TryParseV4_TimeExceededQuotingOurRequest_NamesTheRouterAndTheTarget()
    {
        var quoted = Ipv4(Client, Target, 1, [8, 0, 0, 0, 0x12, 0x34, 0x00, 0x09]);
        var packet = Ipv4(Router, Client, 1, [11, 0, 0, 0, 0, 0, 0, 0, .. quoted]);

        Assert.True(IcmpPacket.TryParseV4(packet, out var reply));
        Assert.Equal(new IcmpReply(IcmpReplyKind.TimeExceeded, 0, Router, 0x1234, 9, Target), reply);
    }

    [Fact]
    public void TryParseV4_UnreachableWithIpOptionsInTheQuotedHeader_ReadsPastTheOptions()
    {
        var quoted = Ipv4(Client, Target, 1, [8, 0, 0, 0, 0x12, 0x34, 0x00, 0x0A], options: 8);
        var packet = Ipv4(Router, Client, 1, [3, 1, 0, 0, 0, 0, 0, 0, .. quoted]);

        Assert.True(IcmpPacket.TryParseV4(packet, out var reply));
        Assert.Equal((IcmpReplyKind.Unreachable, (byte)1, (ushort)10), (reply.Kind, reply.Code, reply.Sequence));
    }

    [Fact]
    public void TryParseV4_TimeExceededQuotingAUdpProbe_GivesItsPorts()
    {
        // Source port 40000, destination port 33434, length and checksum.
        var quoted = Ipv4(Client, Target, 17, [0x9C, 0x40, 0x82, 0x9A, 0x00, 0x24, 0x00, 0x00]);
        var packet = Ipv4(Router, Client, 1, [11, 0, 0, 0, 0, 0, 0, 0, .. quoted]);

        Assert.True(IcmpPacket.TryParseV4(packet, out var reply));
        Assert.Equal(new IcmpReply(IcmpReplyKind.TimeExceeded, 0, Router, 40000, 33434, Target, ProbeProtocol.Udp), reply);
    }

    [Fact]
    public void TryParseV4_PortUnreachableQuotingATcpSyn_GivesItsPorts()
    {
        // The first 8 bytes of a TCP header: ports and sequence number, as much as RFC 792 promises.
        var quoted = Ipv4(Client, Target, 6, [0x9C, 0x41, 0x01, 0xBB, 0x12, 0x34, 0x56, 0x78]);
        var packet = Ipv4(Target, Client, 1, [3, 3, 0, 0, 0, 0, 0, 0, .. quoted]);

        Assert.True(IcmpPacket.TryParseV4(packet, out var reply));
        Assert.Equal(new IcmpReply(IcmpReplyKind.Unreachable, 3, Target, 40001, 443, Target, ProbeProtocol.Tcp), reply);
    }

    public static TheoryData<string, byte[]> HostileV4() => new()
    {
        { "empty", [] },
        { "shorter than an IP header", new byte[19] },
        { "not IPv4", [0x65, .. new byte[27]] },
        { "header length below 20", [0x44, .. new byte[27]] },
        { "header length beyond the packet", [0x4F, .. new byte[27]] },
        { "not ICMP", Ipv4(Target, Client, 6, new byte[8]) },
        { "ICMP shorter than its header", Ipv4(Target, Client, 1, [0, 0, 0]) },
        { "echo request (our own, on loopback)", Ipv4(Target, Client, 1, [8, 0, 0, 0, 0x12, 0x34, 0, 1]) },
        { "redirect", Ipv4(Router, Client, 1, [5, 0, 0, 0, 0, 0, 0, 0]) },
        { "time exceeded without a quote", Ipv4(Router, Client, 1, [11, 0, 0, 0, 0, 0, 0, 0]) },
        { "time exceeded with a truncated quote", Ipv4(Router, Client, 1, [11, 0, 0, 0, 0, 0, 0, 0, 0x45, 0, 0]) },
        { "quote with a header length beyond it", Ipv4(Router, Client, 1, [11, 0, 0, 0, 0, 0, 0, 0, 0x4F, .. new byte[19]]) },
        { "quote without the probe's first 8 bytes", Ipv4(Router, Client, 1, [11, 0, 0, 0, 0, 0, 0, 0, .. Ipv4(Client, Target, 1, [8, 0, 0])]) },
        { "quote of a GRE packet", Ipv4(Router, Client, 1, [11, 0, 0, 0, 0, 0, 0, 0, .. Ipv4(Client, Target, 47, new byte[8])]) },
        { "quote of a UDP header cut short", Ipv4(Router, Client, 1, [11, 0, 0, 0, 0, 0, 0, 0, .. Ipv4(Client, Target, 17, [0x9C, 0x40, 0x82, 0x9A])]) },
        { "quote of an echo reply", Ipv4(Router, Client, 1, [11, 0, 0, 0, 0, 0, 0, 0, .. Ipv4(Client, Target, 1, new byte[8])]) },
    };

    [Theory]
    [MemberData(nameof(HostileV4))]
    public void TryParseV4_MalformedOrForeignPacket_IsIgnored(string what, byte[] packet) =>
        Assert.False(IcmpPacket.TryParseV4(packet, out _), what);

    [Fact]
    public void TryParseV4_EveryTruncationOfAValidError_NeverThrows()
    {
        var quoted = Ipv4(Client, Target, 1, [8, 0, 0, 0, 0x12, 0x34, 0x00, 0x09]);
        var packet = Ipv4(Router, Client, 1, [11, 0, 0, 0, 0, 0, 0, 0, .. quoted]);

        for (var length = 0; length < packet.Length; length++)
        {
            Assert.False(IcmpPacket.TryParseV4(packet.AsSpan(0, length), out _), $"truncated to {length}");
        }
    }

    [Fact]
    public void TryParseV4_RandomBytes_NeverThrow()
    {
        var random = new Random(7);
        var buffer = new byte[128];
        for (var i = 0; i < 20_000; i++)
        {
            random.NextBytes(buffer);
            buffer[0] = (byte)(0x40 | (buffer[0] & 0x0F));
            _ = IcmpPacket.TryParseV4(buffer.AsSpan(0, random.Next(buffer.Length)), out _);
        }
    }

    [Fact]
    public void TryParseV6_TimeExceededQuotingOurRequest_NamesTheRouterAndTheTarget()
    {
        var router = IPAddress.Parse("2001:db8:5e47:1::2");
        var target = IPAddress.Parse("2001:db8:5e47:3::2");
        byte[] packet = [3, 0, 0, 0, 0, 0, 0, 0, .. Ipv6Header(58, target), 128, 0, 0, 0, 0x12, 0x34, 0x00, 0x05];

        Assert.True(IcmpPacket.TryParseV6(packet, router, out var reply));
        Assert.Equal(new IcmpReply(IcmpReplyKind.TimeExceeded, 0, router, 0x1234, 5, target), reply);
    }

    [Fact]
    public void TryParseV6_EchoReply_ReturnsIdentifierAndSequence()
    {
        var target = IPAddress.Parse("2001:db8:5e47:3::2");

        Assert.True(IcmpPacket.TryParseV6([129, 0, 0, 0, 0x12, 0x34, 0, 3], target, out var reply));
        Assert.Equal(new IcmpReply(IcmpReplyKind.EchoReply, 0, target, 0x1234, 3, target), reply);
    }

    [Fact]
    public void TryParseV6_TimeExceededQuotingAFirstFragment_ReadsPastTheFragmentHeader()
    {
        // A probe above the link MTU leaves this node in fragments; the router quotes the first (offset 0, more fragments).
        var router = IPAddress.Parse("2001:db8:5e47:1::2");
        var target = IPAddress.Parse("2001:db8:5e47:3::2");
        byte[] fragment = [58, 0, 0x00, 0x01, 0xCA, 0xFE, 0xBA, 0xBE];
        byte[] packet = [3, 0, 0, 0, 0, 0, 0, 0, .. Ipv6Header(44, target), .. fragment, 128, 0, 0, 0, 0x12, 0x34, 0x00, 0x05, .. new byte[64]];

        Assert.True(IcmpPacket.TryParseV6(packet, router, out var reply));
        Assert.Equal(new IcmpReply(IcmpReplyKind.TimeExceeded, 0, router, 0x1234, 5, target), reply);
    }

    [Fact]
    public void TryParseV6_QuoteWithHopByHopAndDestinationOptions_ReadsPastThem()
    {
        var target = IPAddress.Parse("2001:db8:5e47:3::2");
        byte[] hopByHop = [60, 0, 5, 2, 0, 0, 1, 0];
        byte[] destinationOptions = [44, 1, 1, 12, .. new byte[12]];
        byte[] fragment = [58, 0, 0, 0, 0, 0, 0, 9];
        byte[] packet = [1, 4, 0, 0, 0, 0, 0, 0, .. Ipv6Header(0, target), .. hopByHop, .. destinationOptions, .. fragment, 128, 0, 0, 0, 0x12, 0x34, 0x00, 0x06];

        Assert.True(IcmpPacket.TryParseV6(packet, target, out var reply));
        Assert.Equal((IcmpReplyKind.Unreachable, (byte)4, (ushort)6), (reply.Kind, reply.Code, reply.Sequence));
    }

    [Fact]
    public void TryParseV6_TimeExceededQuotingATcpSyn_GivesItsPorts()
    {
        var router = IPAddress.Parse("2001:db8:5e47:1::2");
        var target = IPAddress.Parse("2001:db8:5e47:3::2");
        byte[] packet = [3, 0, 0, 0, 0, 0, 0, 0, .. Ipv6Header(6, target), 0x9C, 0x42, 0x00, 0x50, 0, 0, 0, 1, .. new byte[12]];

        Assert.True(IcmpPacket.TryParseV6(packet, router, out var reply));
        Assert.Equal(new IcmpReply(IcmpReplyKind.TimeExceeded, 0, router, 40002, 80, target, ProbeProtocol.Tcp), reply);
    }

    public static TheoryData<string, byte[]> HostileV6() => new()
    {
        { "empty", [] },
        { "shorter than the header", [129, 0, 0] },
        { "neighbour solicitation", [135, 0, 0, 0, 0, 0, 0, 0] },
        { "error without a quote", [3, 0, 0, 0, 0, 0, 0, 0] },
        { "quote shorter than an IPv6 header", [3, 0, 0, 0, 0, 0, 0, 0, 0x60, 0, 0] },
        { "quote that is not IPv6", [3, 0, 0, 0, 0, 0, 0, 0, .. new byte[48]] },
        { "hop-by-hop header leading to no probe", [1, 0, 0, 0, 0, 0, 0, 0, .. Ipv6Header(0, IPAddress.IPv6Loopback), 128, 0, 0, 0, 0, 0, 0, 0] },
        { "later fragment, without the probe's header", [3, 0, 0, 0, 0, 0, 0, 0, .. Ipv6Header(44, IPAddress.IPv6Loopback), 58, 0, 0x05, 0xA8, 0, 0, 0, 1, .. new byte[8]] },
        { "fragment header cut short", [3, 0, 0, 0, 0, 0, 0, 0, .. Ipv6Header(44, IPAddress.IPv6Loopback), 58, 0, 0, 0] },
        { "options header longer than the quote", [3, 0, 0, 0, 0, 0, 0, 0, .. Ipv6Header(60, IPAddress.IPv6Loopback), 58, 4, 0, 0, 0, 0, 0, 0, 128, 0, 0, 0, 0, 0, 0, 0] },
        { "options header without its length", [3, 0, 0, 0, 0, 0, 0, 0, .. Ipv6Header(60, IPAddress.IPv6Loopback), 58] },
        { "endless chain of options headers", [3, 0, 0, 0, 0, 0, 0, 0, .. Ipv6Header(60, IPAddress.IPv6Loopback), .. Enumerable.Repeat<byte[]>([60, 0, 0, 0, 0, 0, 0, 0], 8).SelectMany(h => h), 128, 0, 0, 0, 0, 0, 0, 0] },
        { "fragment of a GRE packet", [3, 0, 0, 0, 0, 0, 0, 0, .. Ipv6Header(44, IPAddress.IPv6Loopback), 47, 0, 0, 0, 0, 0, 0, 1, 128, 0, 0, 0, 0, 0, 0, 0] },
        { "quote without the probe's first 8 bytes", [3, 0, 0, 0, 0, 0, 0, 0, .. Ipv6Header(58, IPAddress.IPv6Loopback), 128, 0] },
    };

    [Theory]
    [MemberData(nameof(HostileV6))]
    public void TryParseV6_MalformedOrForeignPacket_IsIgnored(string what, byte[] packet) =>
        Assert.False(IcmpPacket.TryParseV6(packet, IPAddress.IPv6Loopback, out _), what);

    [Fact]
    public void TryParseV6_EveryTruncationOfAFragmentQuote_NeverThrows()
    {
        var target = IPAddress.Parse("2001:db8:5e47:3::2");
        byte[] packet = [3, 0, 0, 0, 0, 0, 0, 0, .. Ipv6Header(0, target), 44, 0, 0, 0, 0, 0, 0, 0, 58, 0, 0, 0, 0, 0, 0, 9, 128, 0, 0, 0, 0x12, 0x34, 0x00, 0x05];

        Assert.True(IcmpPacket.TryParseV6(packet, target, out _));
        for (var length = 0; length < packet.Length; length++)
        {
            Assert.False(IcmpPacket.TryParseV6(packet.AsSpan(0, length), target, out _), $"truncated to {length}");
        }
    }

    private static byte[] Ipv4(IPAddress source, IPAddress destination, byte protocol, byte[] payload, int options = 0)
    {
        var header = new byte[20 + options];
        header[0] = (byte)(0x40 | ((20 + options) / 4));
        header[8] = 64;
        header[9] = protocol;
        source.GetAddressBytes().CopyTo(header, 12);
        destination.GetAddressBytes().CopyTo(header, 16);
        return [.. header, .. payload];
    }

    private static byte[] Ipv6Header(byte nextHeader, IPAddress destination)
    {
        var header = new byte[40];
        header[0] = 0x60;
        header[6] = nextHeader;
        header[7] = 1;
        destination.GetAddressBytes().CopyTo(header, 24);
        return header;
    }
}
