using System.Diagnostics;
using System.Text.Json.Nodes;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Tests.Http;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Http;

/// <summary>
/// Servers that misbehave, byte for byte (a raw socket server), and targets that cannot be reached: each is
/// classified, costs at most the check's timeout, and keeps memory bounded.
/// </summary>
public sealed class HttpHostileServerTests
{
    [Fact]
    public async Task RunAsync_MalformedStatusLine_ReportsProtocolError()
    {
        await using var server = RawHttpServer.Replying("HTTX/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

        var result = await HttpChecks.RunAsync(server.Url());

        Assert.Equal(("http", "http_protocol_error"), (result.Failure!.Layer, result.Failure.Category));
        Assert.StartsWith($"{server.Url()} answered with something that is not a valid HTTP response: ", result.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("HTTX/1.1 200 OK", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ClosedBeforeAnyResponse_ReportsResponseIncomplete()
    {
        await using var server = RawHttpServer.Start((_, _) => Task.CompletedTask);

        var result = await HttpChecks.RunAsync(server.Url());

        Assert.Equal(("http", "http_response_incomplete"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"{server.Url()} closed the connection before sending a complete response header", result.Failure.Message);
    }

    [Fact]
    public async Task RunAsync_ClosedMidBody_ReportsResponseIncompleteWithBytesReceived()
    {
        await using var server = RawHttpServer.Replying("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + new string('x', 300));

        var result = await HttpChecks.RunAsync(server.Url());

        Assert.Equal("http_response_incomplete", result.Failure!.Category);
        Assert.StartsWith($"the connection to {server.Url()} ended after 300 bytes of the body, before its end: ", result.Failure.Message, StringComparison.Ordinal);
        Assert.NotNull(result.Phase("transfer"));
    }

    [Fact]
    public async Task RunAsync_HugeHeaders_ReportsProtocolErrorWithoutReadingThemAll()
    {
        await using var server = RawHttpServer.Start(async (stream, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\n", ct);
            for (var i = 0; i < 10_000; i++)
            {
                await RawHttpServer.WriteAsync(stream, $"X-Filler-{i}: {new string('y', 100)}\r\n", ct);
            }
        });

        var result = await HttpChecks.RunAsync(server.Url());

        Assert.Equal("http_protocol_error", result.Failure!.Category);
        Assert.StartsWith($"the response headers of {server.Url()} are larger than the 64 KiB Sentinel accepts", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EndlessBody_StopsAtTheCapWithBoundedMemory()
    {
        await using var server = RawHttpServer.Start(async (stream, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", ct);
            var chunk = System.Text.Encoding.ASCII.GetBytes($"10000\r\n{new string('z', 0x10000)}\r\n");
            while (!ct.IsCancellationRequested)
            {
                await stream.WriteAsync(chunk, ct);
            }
        });
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var result = await HttpChecks.RunAsync(server.Url(), new JsonObject { ["maxBodyBytes"] = 20_000_000, ["bodyMatches"] = "never" });

        Assert.Equal("http_body_too_large", result.Failure!.Category);
        Assert.InRange(GC.GetTotalAllocatedBytes(precise: true) - before, 0, 200_000_000);
    }

    [Fact]
    public async Task RunAsync_SlowDrip_TimesOutInTransfer()
    {
        await using var server = RawHttpServer.Start(async (stream, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", ct);
            while (!ct.IsCancellationRequested)
            {
                await RawHttpServer.WriteAsync(stream, "d", ct);
                await Task.Delay(50, ct);
            }
        });
        var clock = Stopwatch.StartNew();

        var result = await HttpChecks.RunAsync(server.Url(), timeout: "700ms");

        Assert.Equal(("http", "http_timeout"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Matches(@"^the body of .* was not complete within the check's timeout \(700ms\): \d+ bytes received, [\d.]+ ms after the first byte \(transfer\)$", result.Failure.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(650), TimeSpan.FromSeconds(3));
        Assert.True(result.Phase("transfer") > TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public async Task RunAsync_AcceptsButNeverAnswers_TimesOutInProcessing()
    {
        await using var server = RawHttpServer.Start((_, ct) => RawHttpServer.HoldAsync(ct));
        var clock = Stopwatch.StartNew();

        var result = await HttpChecks.RunAsync(server.Url(), timeout: "600ms");

        Assert.Equal(("http", "http_timeout"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Matches(@"^no response from .* within the check's timeout \(600ms\): the request was sent [\d.]+ ms before the deadline and no byte came back \(processing\)$", result.Failure.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(550), TimeSpan.FromSeconds(3));
        Assert.True(result.Phase("processing") > TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public async Task RunAsync_Http2GoAwayDrippedByteByByte_NamesTheServersErrorCode()
    {
        // RFC 9113: the server's SETTINGS, then GOAWAY (last stream 0, ENHANCE_YOUR_CALM) with debug data, a byte per write.
        byte[] frames =
        [
            0, 0, 0, 0x4, 0, 0, 0, 0, 0,
            0, 0, 13, 0x7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xb, (byte)'c', (byte)'a', (byte)'l', (byte)'m', (byte)'!',
        ];
        // The server has read the client's preface (its "PRI * HTTP/2.0" head) before the script runs.
        await using var server = RawHttpServer.Start(async (stream, ct) =>
        {
            foreach (var b in frames)
            {
                await stream.WriteAsync(new[] { b }, ct);
                await stream.FlushAsync(ct);
            }

            await RawHttpServer.HoldAsync(ct);
        });

        var result = await HttpChecks.RunAsync(server.Url(), new JsonObject { ["httpVersion"] = "2" }, timeout: "3s");

        Assert.Equal(("http", "http_protocol_error"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"HTTP/2 protocol error from {server.Url()}: the server closed the connection with GOAWAY ENHANCE_YOUR_CALM (0xb)", result.Failure.Message);
        Assert.Equal("the server reset the stream or the connection (RST_STREAM, GOAWAY); its logs say why", result.Failure.Hint);
    }

    [Fact]
    public async Task RunAsync_NothingListening_ReportsTcpRefused()
    {
        var port = TcpPorts.Closed();

        var result = await HttpChecks.RunAsync($"http://127.0.0.1:{port}/");

        Assert.Equal(("tcp", "tcp_refused"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"127.0.0.1:{port} refused the connection: nothing is listening on port {port}", result.Failure.Message);
        Assert.Equal(["resolve", "connect"], result.Phases.Select(p => p.Name));
        Assert.False(result.Measurements.ContainsKey("http.status_code"));
    }

    [Fact]
    public async Task RunAsync_SilentPort_ReportsTcpTimeout()
    {
        using var silent = new SilentListener();

        var result = await HttpChecks.RunAsync($"http://{silent.EndPoint}/", timeout: "400ms");

        Assert.Equal(("tcp", "tcp_timeout"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"no answer from {silent.EndPoint} to the connection attempt within the check's timeout (400ms)", result.Failure.Message);
    }

    [Fact]
    public async Task RunAsync_NameDoesNotExist_ReportsDnsNxdomain()
    {
        using var dns = DnsZoneServer.Start();

        var result = await HttpChecks.RunAsync("http://missing.sentinel.test/", resolver: dns.Address);

        Assert.Equal(("dns", "dns_nxdomain"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal(["resolve"], result.Phases.Select(p => p.Name));
    }

    [Fact]
    public async Task RunAsync_ResolverFails_ReportsDnsServfailAndTimeout()
    {
        using var dns = DnsZoneServer.Start();
        dns.AnswerWith("broken.sentinel.test.", ARSoft.Tools.Net.Dns.ReturnCode.ServerFailure);
        dns.Silence("slow.sentinel.test.");

        var servfail = await HttpChecks.RunAsync("http://broken.sentinel.test/", resolver: dns.Address);
        var timeout = await HttpChecks.RunAsync("http://slow.sentinel.test/", resolver: dns.Address, timeout: "400ms");

        Assert.Equal("dns_servfail", servfail.Failure!.Category);
        Assert.Equal("dns_timeout", timeout.Failure!.Category);
    }

    [Fact]
    public async Task RunAsync_ResolverNotReachable_IsProbeErrorNotDown()
    {
        // A DNS server that refuses TCP and drops UDP is this node's problem, not the target's.
        var port = TcpPorts.Closed();

        var result = await HttpChecks.RunAsync("http://www.sentinel.test/", resolver: $"127.0.0.1:{port}", timeout: "500ms");

        Assert.NotEqual(ProbeStatus.Up, result.Status);
        Assert.Equal("dns", result.Failure!.Layer);
    }

    [Fact]
    public async Task RunAsync_RedirectToAnotherHost_ResolvesItWithTheCheckResolver()
    {
        using var dns = DnsZoneServer.Start();
        dns.AddAddress("next.sentinel.test.", "127.0.0.1");
        await using var server = await HttpTestServer.StartAsync();
        var next = $"http://next.sentinel.test:{server.Port}/json";

        var result = await HttpChecks.RunAsync(server.Url($"/redirect/302?to={Uri.EscapeDataString(next)}"), resolver: dns.Address);

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(1, result.Measurements["http.redirects"].Number);
        Assert.Contains("\"phasesMs\":{\"resolve\":", ProbeResultJson.Details(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RedirectToAnotherScheme_ReportsProtocolError()
    {
        await using var server = await HttpTestServer.StartAsync();

        var result = await HttpChecks.RunAsync(server.Url("/redirect/302?to=ftp://example.invalid/file"));

        Assert.Equal("http_protocol_error", result.Failure!.Category);
        Assert.EndsWith("redirects (302) to \"ftp://example.invalid/file\", which is not an http or https URL", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CorruptGzip_ReportsProtocolError()
    {
        await using var server = RawHttpServer.Replying("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 20\r\n\r\nthis is not gzip!!!!");

        var result = await HttpChecks.RunAsync(server.Url());

        Assert.Equal("http_protocol_error", result.Failure!.Category);
        Assert.StartsWith($"the gzip-encoded body of {server.Url()} does not decode after 20 bytes", result.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EachRun_OpensANewConnection()
    {
        // The server would keep the connection open; a new run must still connect (and handshake) afresh.
        await using var server = RawHttpServer.Start(async (stream, ct) =>
        {
            await RawHttpServer.WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", ct);
            await RawHttpServer.ReadRequestHeadAsync(stream, ct);
        });
        var check = HttpChecks.Parse(server.Url());

        var first = await HttpChecks.RunAsync(check);
        var second = await HttpChecks.RunAsync(check);

        Assert.Equal((ProbeStatus.Up, ProbeStatus.Up), (first.Status, second.Status));
        Assert.NotNull(second.Phase("connect"));
        await Eventually.WaitAsync(() => server.Accepted == 2, TimeSpan.FromSeconds(5), "a second connection");
    }
}
