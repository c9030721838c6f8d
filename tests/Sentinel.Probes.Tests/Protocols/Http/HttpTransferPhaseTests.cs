using Sentinel.Probes.Tests.Http;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Http;

/// <summary>
/// Where the transfer phase ends, as curl's <c>time_total</c> does: at the body's last byte when the message frames
/// the body (a Content-Length, chunked), at the close when only the close ends it. The servers pause on purpose; the
/// pauses are what is measured, with bounds far from them.
/// </summary>
public sealed class HttpTransferPhaseTests
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(400);

    [Fact]
    public async Task RunAsync_ContentLengthBodyThenALateClose_EndsAtTheLastByteNotAtTheClose()
    {
        await using var server = RawHttpServer.Start(async (stream, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", ct);
            await Task.Delay(Pause, ct);
        });

        var result = await HttpChecks.RunAsync(server.Url());

        Assert.True(result.Success, result.Failure?.Message);
        Assert.True(result.Phase("transfer") < Pause / 2, $"transfer {result.Phase("transfer")} includes the wait for the close");
    }

    [Fact]
    public async Task RunAsync_ChunkedBodyWhoseLastChunkComesLate_EndsWithTheLastChunk()
    {
        await using var server = RawHttpServer.Start(async (stream, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n", ct);
            await Task.Delay(Pause, ct);
            await RawHttpServer.WriteAsync(stream, "0\r\n\r\n", ct);
        });

        var result = await HttpChecks.RunAsync(server.Url());

        Assert.True(result.Success, result.Failure?.Message);
        Assert.True(result.Phase("transfer") >= Pause * 0.9, $"transfer {result.Phase("transfer")} ended before the last chunk");
    }

    [Fact]
    public async Task RunAsync_BodyEndedByTheClose_EndsAtTheClose()
    {
        await using var server = RawHttpServer.Start(async (stream, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nok", ct);
            await Task.Delay(Pause, ct);
        });

        var result = await HttpChecks.RunAsync(server.Url());

        Assert.True(result.Success, result.Failure?.Message);
        Assert.True(result.Phase("transfer") >= Pause * 0.9, $"transfer {result.Phase("transfer")} ended before the close that ends the body");
    }
}
