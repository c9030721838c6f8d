using Sentinel.Probes.Protocols.Http;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Http;

/// <summary>The HTTP/2 frame scanner follows frames across any split of the bytes a stream delivers.</summary>
public sealed class Http2FrameScannerTests
{
    // SETTINGS (stream 0, empty), HEADERS on stream 1 with END_STREAM (2 bytes), GOAWAY (last stream 1, PROTOCOL_ERROR, "x").
    private static readonly byte[] Frames =
    [
        0, 0, 0, 0x4, 0, 0, 0, 0, 0,
        0, 0, 2, 0x1, 0x1, 0, 0, 0, 1, 0x88, 0x89,
        0, 0, 9, 0x7, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x1, (byte)'x',
    ];

    public static TheoryData<int> SplitPoints() => [.. Enumerable.Range(0, Frames.Length + 1)];

    [Theory]
    [MemberData(nameof(SplitPoints))]
    public void Scan_AnySplit_FindsTheHeadersFrameAndTheGoAwayCode(int split)
    {
        var scanner = new Http2FrameScanner(prefaceBytes: 0);
        var headers = 0;
        bool Interesting(byte type, byte flags, uint stream)
        {
            if (type == Http2FrameScanner.Headers && stream == 1)
            {
                headers++;
            }

            return false;
        }

        scanner.Scan(Frames.AsSpan(0, split), Interesting);
        var early = scanner.TakeGoAway();
        scanner.Scan(Frames.AsSpan(split), Interesting);

        Assert.Equal(1, headers);
        Assert.Equal(1u, early ?? scanner.TakeGoAway());
        Assert.Null(scanner.TakeGoAway());
    }

    [Fact]
    public void Scan_GoAwayPayloadNotYetComplete_ReportsNothing()
    {
        var scanner = new Http2FrameScanner(prefaceBytes: 0);

        scanner.Scan(Frames.AsSpan(0, Frames.Length - 2), static (_, _, _) => false);

        Assert.Null(scanner.TakeGoAway());
    }

    [Fact]
    public void Scan_ShortOrStreamGoAway_IsNotTakenForAConnectionClose()
    {
        // A GOAWAY on a stream or shorter than its 8 fixed bytes is malformed (RFC 9113, 6.8): the stack rejects it, the scanner reads no code into it.
        byte[] frames =
        [
            0, 0, 8, 0x7, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0xb,
            0, 0, 4, 0x7, 0, 0, 0, 0, 0, 0, 0, 0, 0xb,
        ];
        var scanner = new Http2FrameScanner(prefaceBytes: 0);

        scanner.Scan(frames, static (_, _, _) => false);

        Assert.Null(scanner.TakeGoAway());
    }

    [Fact]
    public void Scan_ClientPreface_IsSkipped()
    {
        var preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
        var scanner = new Http2FrameScanner(prefaceBytes: preface.Length);
        var types = new List<byte>();

        scanner.Scan([.. preface, .. Frames], (type, _, _) =>
        {
            types.Add(type);
            return false;
        });

        Assert.Equal([0x4, 0x1, 0x7], types);
    }
}
