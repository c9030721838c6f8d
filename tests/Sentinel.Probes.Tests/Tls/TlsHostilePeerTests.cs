using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Sentinel.Probes.Checks;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;
using Sentinel.Probes.Reporting;
using Sentinel.Probes.Running;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Tls;

/// <summary>
/// Peers that are broken or hostile: another protocol on the port, silence, slow drips, endless lines, data
/// injected after STARTTLS, oversized or malformed TLS records. Each costs at most the check's timeout and a
/// bounded amount of memory, and gets a clear classification.
/// </summary>
public sealed class TlsHostilePeerTests(TlsPki pki) : IClassFixture<TlsPki>
{
    private readonly ProbeRunner _runner = new(ProbeCatalog.Default, new ProbeContext());

    [Fact]
    public async Task RunAsync_PortSpeaksAnotherProtocol_SaysItIsNotTlsAndQuotesIt()
    {
        await using var server = ScriptedServer.Sending("SSH-2.0-OpenSSH_9.6p1 Debian\r\n"u8.ToArray());

        var result = await RunAsync(server.Target, "{}");

        Assert.Equal(["tls_handshake_failed"], result.Problems.Select(p => p.Category));
        Assert.Equal($"{server.Target} does not speak TLS: it answered the ClientHello with \"SSH-2.0-OpenSSH_9.6p1 Debian\"", result.Failure!.Message);
        Assert.Contains("needs STARTTLS first", result.Failure.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ServerAcceptsAndStaysSilent_ReportsTlsTimeoutAtTheDeadline()
    {
        await using var server = ScriptedServer.Start(ReadForever);
        var clock = Stopwatch.StartNew();

        var result = await RunAsync(server.Target, "{}", timeout: "500ms");

        Assert.Equal(("tls", "tls_timeout"), (result.Failure!.Layer, result.Failure.Category));
        Assert.Equal($"{server.Target} accepted the connection but did not complete the TLS handshake within the check's timeout (500ms)", result.Failure.Message);
        Assert.NotNull(result.Phase("tls"));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task RunAsync_ServerDripsOneByteAtATime_StopsAtTheDeadline()
    {
        await using var server = ScriptedServer.Start(async (stream, ct) =>
        {
            // A TLS handshake record header that never completes, one byte every 50 ms.
            foreach (var b in new byte[] { 0x16, 0x03, 0x03, 0x40, 0x00 }.Concat(Enumerable.Repeat((byte)0x02, 100_000)))
            {
                await stream.WriteAsync(new[] { b }, ct);
                await Task.Delay(50, ct);
            }
        });
        var clock = Stopwatch.StartNew();

        var result = await RunAsync(server.Target, "{}", timeout: "700ms");

        Assert.Equal("tls_timeout", result.Failure!.Category);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task RunAsync_ServerClosesAtOnce_ReportsTheClose()
    {
        await using var server = ScriptedServer.Start((_, _) => Task.CompletedTask);

        var result = await RunAsync(server.Target, "{}");

        Assert.Equal(["tls_handshake_failed"], result.Problems.Select(p => p.Category));
        Assert.Equal($"{server.Target} closed the connection during the TLS handshake", result.Failure!.Message);
        Assert.False(result.Measurements.ContainsKey("cert.days_left"));
    }

    [Fact]
    public async Task RunAsync_ServerFloodsTlsRecords_StaysWithinBoundsAndFails()
    {
        // Valid-looking handshake records of maximum size, forever: both SslStream and the inspection-only read must stop.
        var record = new byte[5 + 16384];
        record[0] = 0x16;
        record[1] = 0x03;
        record[2] = 0x03;
        record[3] = 0x40;
        record[4] = 0x00;
        record[5] = 0x0B; // a Certificate message claiming 16 MiB
        record[6] = 0xFF;
        await using var server = ScriptedServer.Start(async (stream, ct) =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                await stream.WriteAsync(record, ct);
            }
        });
        var clock = Stopwatch.StartNew();

        var result = await RunAsync(server.Target, "{}", timeout: "5s");

        Assert.Contains(result.Failure!.Category, new[] { "tls_handshake_failed", "tls_timeout" });
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task RunAsync_SmtpGreetingWithoutEnd_IsRefusedAfterOneLineOfBytes()
    {
        await using var server = ScriptedServer.Sending(Encoding.ASCII.GetBytes("220 " + new string('x', 100_000)));

        var result = await RunAsync(server.Target, """{ "starttls": "smtp" }""");

        Assert.Equal(["tls_starttls_failed"], result.Problems.Select(p => p.Category));
        Assert.Equal($"{server.Target} did not upgrade to TLS with smtp STARTTLS: the server sent a line longer than 4096 bytes", result.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_SmtpReplyThatNeverEnds_IsRefusedAfterTheLineLimit()
    {
        await using var server = ScriptedServer.Sending(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("220-still greeting\r\n", 1000))));

        var result = await RunAsync(server.Target, """{ "starttls": "smtp" }""");

        Assert.Equal($"{server.Target} did not upgrade to TLS with smtp STARTTLS: the server's reply has more than 256 lines", result.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_SmtpServerInjectsDataAfterStartTls_IsRefused()
    {
        await using var server = ScriptedServer.Start(async (stream, ct) =>
        {
            await stream.WriteAsync("220 smtp ready\r\n"u8.ToArray(), ct);
            var buffer = new byte[512];
            _ = await stream.ReadAsync(buffer, ct);
            await stream.WriteAsync("250-smtp\r\n250 STARTTLS\r\n"u8.ToArray(), ct);
            _ = await stream.ReadAsync(buffer, ct);
            await stream.WriteAsync("220 go ahead\r\n250 injected\r\n"u8.ToArray(), ct);
            _ = await stream.ReadAsync(buffer, ct);
        });

        var result = await RunAsync(server.Target, """{ "starttls": "smtp" }""");

        Assert.Equal($"{server.Target} did not upgrade to TLS with smtp STARTTLS: the server sent 14 more bytes after agreeing to start TLS, before the handshake (a STARTTLS injection risk, CVE-2011-0411)", result.Failure!.Message);
    }

    [Fact]
    public async Task RunAsync_SmtpServerNeverGreets_ReportsTimeoutInTheStartTlsExchange()
    {
        await using var server = ScriptedServer.Start(ReadForever);

        var result = await RunAsync(server.Target, """{ "starttls": "smtp" }""", timeout: "500ms");

        Assert.Equal("tls_timeout", result.Failure!.Category);
        Assert.Equal($"{server.Target} accepted the connection but did not complete the smtp STARTTLS exchange within the check's timeout (500ms)", result.Failure.Message);
        Assert.Equal(["resolve", "connect", "starttls"], result.Phases.Select(p => p.Name));
    }

    [Theory]
    [InlineData("imap", "* OK IMAP ready\r\n", "s1 OK begin TLS\r\n")]
    [InlineData("pop3", "+OK POP3 ready\r\n", "+OK begin TLS\r\n")]
    public async Task RunAsync_ImapAndPop3_UpgradeThenHandshake(string protocol, string greeting, string goAhead)
    {
        var chain = pki.Trusted.Issue(new CertificateSpec());
        await using var server = ScriptedServer.Start(async (stream, ct) =>
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(greeting), ct);
            _ = await stream.ReadAsync(new byte[64], ct);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(goAhead), ct);
            await using var ssl = await TlsServer.AuthenticateAsync(stream, chain, ct);
            _ = await ssl.ReadAsync(new byte[1], ct);
        });

        var result = await RunAsync(server.Target, $$"""{ "starttls": "{{protocol}}", "serverName": "www.sentinel.test", "caFile": "{{pki.RootFile}}" }""");

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Equal(["resolve", "connect", "starttls", "tls"], result.Phases.Select(p => p.Name));
    }

    [Fact]
    public async Task RunAsync_PostgresRefusingSsl_ReportsStartTlsFailed()
    {
        var requests = new List<byte[]>();
        await using var server = ScriptedServer.Start(async (stream, ct) =>
        {
            var request = new byte[8];
            await stream.ReadExactlyAsync(request, ct);
            lock (requests)
            {
                requests.Add(request);
            }

            await stream.WriteAsync("N"u8.ToArray(), ct);
            _ = await stream.ReadAsync(new byte[1], ct);
        });

        var result = await RunAsync(server.Target, """{ "starttls": "postgres" }""");

        Assert.Equal($"{server.Target} did not upgrade to TLS with postgres STARTTLS: the PostgreSQL server does not accept TLS (it answered N to the SSLRequest: ssl = off)", result.Failure!.Message);
        lock (requests)
        {
            // SSLRequest: length 8, code 80877103.
            Assert.Equal([0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F], Assert.Single(requests));
        }
    }

    [Fact]
    public async Task RunAsync_PostgresAcceptingSsl_UpgradesThenHandshake()
    {
        var chain = pki.Trusted.Issue(new CertificateSpec { CommonName = "db.sentinel.test" });
        var requests = new List<byte[]>();
        await using var server = ScriptedServer.Start(async (stream, ct) =>
        {
            var request = new byte[8];
            await stream.ReadExactlyAsync(request, ct);
            lock (requests)
            {
                requests.Add(request);
            }

            // 'S': the server goes on with the TLS handshake on the same connection.
            await stream.WriteAsync("S"u8.ToArray(), ct);
            await using var ssl = await TlsServer.AuthenticateAsync(stream, chain, ct);
            _ = await ssl.ReadAsync(new byte[1], ct);
        });

        var result = await RunAsync(server.Target, $$"""{ "starttls": "postgres", "serverName": "db.sentinel.test", "caFile": "{{pki.RootFile}}" }""");

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.Empty(result.Problems);
        Assert.Equal(["resolve", "connect", "starttls", "tls"], result.Phases.Select(p => p.Name));
        Assert.Equal("TLS 1.3", result.Measurements["tls.version"].Text);
        lock (requests)
        {
            Assert.Equal([0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F], Assert.Single(requests));
        }
    }

    [Fact]
    public async Task RunAsync_SmtpServerResetsTheHandshakeAfterStartTls_ReportsTheResetNotItsGreeting()
    {
        await using var server = ScriptedServer.Start(async (stream, ct) =>
        {
            var buffer = new byte[512];
            await stream.WriteAsync("220 smtp.sentinel.test ESMTP ready\r\n"u8.ToArray(), ct);
            _ = await stream.ReadAsync(buffer, ct);
            await stream.WriteAsync("250-smtp.sentinel.test\r\n250 STARTTLS\r\n"u8.ToArray(), ct);
            _ = await stream.ReadAsync(buffer, ct);
            await stream.WriteAsync("220 2.0.0 Ready to start TLS\r\n"u8.ToArray(), ct);

            // Takes the ClientHello, then resets the connection (RST: no lingering).
            _ = await stream.ReadAsync(buffer, ct);
            stream.Socket.LingerState = new LingerOption(true, 0);
            stream.Socket.Close();
        });

        var result = await RunAsync(server.Target, """{ "starttls": "smtp" }""");

        Assert.Equal(["tls_handshake_failed"], result.Problems.Select(p => p.Category));
        Assert.Equal($"{server.Target} reset the connection during the TLS handshake", result.Failure!.Message);
        Assert.Equal(["resolve", "connect", "starttls", "tls"], result.Phases.Select(p => p.Name));
    }

    [Fact]
    public async Task ReadAnswerAsync_MalformedServerHello_SaysSoWithoutThrowing()
    {
        // A handshake record holding a ServerHello of 10 bytes: too short to be one.
        await using var server = ScriptedServer.Sending([0x16, 0x03, 0x03, 0x00, 0x0E, 0x02, 0x00, 0x00, 0x0A, 0x03, 0x03, 1, 2, 3, 4, 5, 6, 7, 8]);

        var answer = await HelloAsync(server);

        Assert.Equal("the server's ServerHello is malformed", answer.Error);
    }

    [Fact]
    public async Task ReadAnswerAsync_OversizedRecord_IsRefused()
    {
        await using var server = ScriptedServer.Sending([0x16, 0x03, 0x03, 0xFF, 0xFF]);

        var answer = await HelloAsync(server);

        Assert.Equal("the server's answer exceeds 256 KiB", answer.Error);
    }

    [Fact]
    public async Task ReadAnswerAsync_CertificateListWithGarbage_KeepsTheRealCertificates()
    {
        var chain = pki.Trusted.Issue(new CertificateSpec());
        var der = chain.Leaf.RawData;
        var list = new List<byte>();
        foreach (var item in new[] { new byte[] { 1, 2, 3 }, der })
        {
            list.AddRange([(byte)(item.Length >> 16), (byte)(item.Length >> 8), (byte)item.Length]);
            list.AddRange(item);
        }

        var certificate = new List<byte> { 0x0B, (byte)((list.Count + 3) >> 16), (byte)((list.Count + 3) >> 8), (byte)(list.Count + 3), (byte)(list.Count >> 16), (byte)(list.Count >> 8), (byte)list.Count };
        certificate.AddRange(list);
        var serverHello = new List<byte> { 0x02, 0, 0, 38, 0x03, 0x03 };
        serverHello.AddRange(new byte[32]);
        serverHello.AddRange([0, 0xC0, 0x2F, 0]);
        var done = new byte[] { 0x0E, 0, 0, 0 };
        var handshake = serverHello.Concat(certificate).Concat(done).ToArray();
        await using var server = ScriptedServer.Sending([0x16, 0x03, 0x03, (byte)(handshake.Length >> 8), (byte)handshake.Length, .. handshake]);

        var answer = await HelloAsync(server);

        Assert.Null(answer.Error);
        Assert.Equal((ushort)0x0303, answer.Version);
        Assert.Equal((ushort)0xC02F, answer.CipherSuite);
        Assert.Equal(chain.Leaf.Thumbprint, Assert.Single(answer.Certificates).Thumbprint);
    }

    [Fact]
    public async Task Report_CertificateNamesWithControlCharacters_AreMadePrintable()
    {
        var chain = pki.Trusted.Issue(new CertificateSpec { CommonName = "evil\u001b[2J.sentinel.test", DnsNames = ["www.sentinel.test"] });
        await using var server = TlsServer.Start(chain);

        var result = await RunAsync(server.Target, $$"""{ "serverName": "www.sentinel.test", "caFile": "{{pki.RootFile}}" }""");
        using var report = new StringWriter();
        ProbeReport.Write(report, new CheckDefinition { Id = "t", Name = "t", Type = "tls", Target = server.Target }, result);

        Assert.Equal(ProbeStatus.Up, result.Status);
        Assert.DoesNotContain('\u001b', report.ToString());
        Assert.Contains("subject   CN=evil?[2J.sentinel.test", report.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Takes whatever the client sends and never answers.</summary>
    private static async Task ReadForever(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (await stream.ReadAsync(buffer, cancellationToken) > 0)
        {
        }
    }

    private static async Task<HelloAnswer> HelloAsync(ScriptedServer server)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.EndPoint, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(TlsHello.ClientHello(0x0303, "www.sentinel.test"), TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        return await TlsHello.ReadAnswerAsync(stream, timeout.Token);
    }

    private async Task<ProbeResult> RunAsync(string target, string section, string timeout = "5s")
    {
        var json = $$"""{ "id": "t", "type": "tls", "target": "{{target}}", "timeout": "{{timeout}}", "interval": "1m", "tls": {{section}} }""";
        var document = CheckParser.Parse(json, "test", ProbeCatalog.Default.Checks);
        Assert.True(document.IsValid, string.Join("; ", document.Errors));
        return await _runner.RunAsync(document.Checks[0].Definition, TestContext.Current.CancellationToken);
    }
}
