using System.Text;
using Sentinel.Worker.Metrics;
using Xunit;

namespace Sentinel.Worker.Tests.Metrics;

/// <summary>The text a scrape streams: drained a few chunks at a time, in order, and every byte once.</summary>
public sealed class ExpositionBufferTests
{
    [Fact]
    public async Task DrainAsync_ManyChunks_StreamsThemInOrderAndCopyToAsyncTheRest()
    {
        using var buffer = new ExpositionBuffer();
        using var stream = new MemoryStream();
        var expected = new StringBuilder();
        var drainedBeforeTheEnd = 0L;
        for (var i = 0; i < 100_000; i++)
        {
            // Lines of uneven length, so that chunk ends fall inside lines and labels.
            var value = new string('v', i % 37);
            buffer.Ascii("probe_success{");
            buffer.Label("job", value, first: true);
            buffer.EndSample(i);
            expected.Append("probe_success{job=\"").Append(value).Append("\"} ").Append(i).Append('\n');
            await buffer.DrainAsync(stream, CancellationToken.None);
            drainedBeforeTheEnd = stream.Length;
        }

        // Written as it went, in pieces of at least four chunks: never the whole, never nothing.
        Assert.InRange(drainedBeforeTheEnd, 4 * 64 * 1024, expected.Length - 1);
        await buffer.CopyToAsync(stream, CancellationToken.None);
        Assert.Equal(expected.Length, buffer.Length);
        Assert.Equal(expected.ToString(), Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public async Task DrainAsync_FewerThanFourFullChunks_WritesNothing()
    {
        using var buffer = new ExpositionBuffer();
        using var stream = new MemoryStream();
        for (var i = 0; i < 3; i++)
        {
            buffer.Ascii(new string('x', 64 * 1024));
        }

        await buffer.DrainAsync(stream, CancellationToken.None);

        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public async Task DrainAsync_StreamFailsMidway_WhatWasWrittenIsNotWrittenAgain()
    {
        using var buffer = new ExpositionBuffer();
        for (var i = 0; i < 5; i++)
        {
            buffer.Ascii(new string((char)('a' + i), 64 * 1024));
        }

        using var failing = new FailingStream(failAfter: 2);
        await Assert.ThrowsAsync<IOException>(async () => await buffer.DrainAsync(failing, CancellationToken.None));

        // The rest goes out once the peer takes it again: the two chunks written are not repeated, none is lost.
        using var stream = new MemoryStream();
        await buffer.CopyToAsync(stream, CancellationToken.None);
        Assert.Equal(new string('c', 64 * 1024) + new string('d', 64 * 1024) + new string('e', 64 * 1024), Encoding.ASCII.GetString(stream.ToArray()));
    }

    [Fact]
    public async Task Number_Values_AreWrittenAsPrometheusReadsThem()
    {
        using var buffer = new ExpositionBuffer();
        foreach (var value in new[] { 200, -1, 0.25, 1.5e-7, 1e20, double.NaN, double.PositiveInfinity, double.NegativeInfinity })
        {
            buffer.Number(value);
            buffer.Byte((byte)' ');
        }

        using var stream = new MemoryStream();
        await buffer.CopyToAsync(stream, CancellationToken.None);
        Assert.Equal("200 -1 0.25 1.5E-07 1E+20 NaN +Inf -Inf ", Encoding.UTF8.GetString(stream.ToArray()));
    }

    /// <summary>A peer that takes <c>failAfter</c> writes, then fails as a reset connection does.</summary>
    private sealed class FailingStream(int failAfter) : MemoryStream
    {
        private int _writes;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            ++_writes > failAfter ? ValueTask.FromException(new IOException("connection reset")) : base.WriteAsync(buffer, cancellationToken);
    }
}
