using System.Net;
using Sentinel.Probes.Protocols.Dns;

namespace Sentinel.Probes.Dns;

/// <summary>
/// The dns probe's warm-up responder, a <see cref="LoopbackDnsServer"/>: it answers every query, over UDP and TCP on
/// one port, with one record of each type a check may ask for, an authority and an additional record and an EDNS0 OPT record, so that DnsClient's send, receive and record
/// parsers, and the probe's own paths, are compiled before the target is timed (without it the first real
/// answer costs about 4 ms more than dig measures). Only used by <see cref="DnsProbe.WarmUpAsync"/>; it serves
/// until disposed. The answer is fixed bytes in RFC 1035 wire format: owner names are compression pointers to
/// the question's name at offset 12 (§4.1.4).
/// </summary>
internal sealed class DnsWarmUp : IAsyncDisposable
{
    private readonly LoopbackDnsServer _server = new(Reply);

    public IPEndPoint EndPoint => _server.EndPoint;

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>The answer to a query: its id and question, <see cref="Answers"/>, an authority and an additional record; null for what is not a query.</summary>
    private static byte[]? Reply(ReadOnlySpan<byte> query)
    {
        if (LoopbackDnsServer.QuestionEnd(query) is not { } end)
        {
            return null;
        }

        var reply = new List<byte>(end + Answers.Length);
        reply.AddRange(query[..2]);
        reply.AddRange([0x84, 0x00, 0x00, 0x01, 0x00, AnswerCount, 0x00, 0x01, 0x00, 0x02]);
        reply.AddRange(query[12..end]);
        reply.AddRange(Answers);

        // An authority and an additional record, as authoritative servers send (the NS and its glue), so that
        // reading those sections is warm too: a real answer's first parse of them otherwise costs about a millisecond.
        reply.AddRange(Record(2, [0xC0, 12]));
        reply.AddRange(Record(1, [192, 0, 2, 53]));

        // An OPT record offering a 1232-byte payload, as EDNS0 servers answer (RFC 6891 §6.1.2).
        reply.AddRange([0x00, 0x00, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0]);
        return [.. reply];
    }

    private const byte AnswerCount = 10;

    /// <summary>A, AAAA, CNAME, MX, TXT, SRV, NS, PTR, SOA and CAA records at the question's name, TTL 300.</summary>
    private static readonly byte[] Answers =
    [
        .. Record(1, [192, 0, 2, 1]),
        .. Record(28, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        .. Record(5, [0xC0, 12]),
        .. Record(15, [0, 10, 0xC0, 12]),
        .. Record(16, [2, (byte)'o', (byte)'k']),
        .. Record(33, [0, 10, 0, 5, 0x13, 0xC4, 0]),
        .. Record(2, [0xC0, 12]),
        .. Record(12, [0xC0, 12]),
        .. Record(6, [0xC0, 12, 0xC0, 12, 0, 0, 0, 1, 0, 0, 0x1C, 0x20, 0, 0, 0x0E, 0x10, 0, 0x12, 0x75, 0, 0, 0, 1, 0x2C]),
        .. Record(257, [0, 5, (byte)'i', (byte)'s', (byte)'s', (byte)'u', (byte)'e', (byte)'c', (byte)'a']),
    ];

    private static byte[] Record(ushort type, byte[] data) =>
        [0xC0, 12, (byte)(type >> 8), (byte)type, 0, 1, 0, 0, 1, 0x2C, (byte)(data.Length >> 8), (byte)data.Length, .. data];
}
