using System.Net.Security;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Sentinel.Probes.Probing;
using Sentinel.Probes.Protocols.Tls;
using Sentinel.Probes.Tests.Tls;
using Sentinel.Testing;
using Xunit;

namespace Sentinel.Probes.Tests.Protocols.Tls;

/// <summary>
/// The inspection layer on its own, driven the way any probe drives it: a real SslStream handshake with a real
/// TLS server on loopback, the capture wired into SslClientAuthenticationOptions, then the inspection.
/// </summary>
public sealed class TlsInspectorTests(TlsPki pki) : IClassFixture<TlsPki>
{
    private const string Host = "www.sentinel.test";
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public async Task InspectAsync_ValidChain_HasNoProblemsAndDescribesEveryCertificate()
    {
        var chain = pki.Trusted.Issue(new CertificateSpec { NotAfter = Now.AddDays(60) });
        await using var server = TlsServer.Start(chain);

        var (capture, inspection) = await HandshakeAsync(server, RootTrust());

        Assert.Empty(inspection.Problems);
        Assert.Equal(2, capture.Served.Count);
        Assert.Equal(chain.Leaf.Thumbprint, capture.Served[0].Thumbprint);
        Assert.Equal(chain.Intermediates[0].Thumbprint, capture.Served[1].Thumbprint);
        var measurements = inspection.Measurements.ToDictionary();
        Assert.InRange(measurements["cert.days_left"].Number!.Value, 59.9, 60.1);
        Assert.InRange(measurements["cert.chain_days_left"].Number!.Value, 59.9, 60.1);
        Assert.Equal("TLS 1.3", measurements["tls.version"].Text);
        Assert.Equal("TLS_AES_256_GCM_SHA384", measurements["tls.cipher"].Text);

        using var json = JsonDocument.Parse(Json(inspection.Details));
        var certificates = json.RootElement.GetProperty("certificates").EnumerateArray().ToList();
        Assert.Equal(["leaf", "intermediate", "root"], certificates.Select(c => c.GetProperty("position").GetString()));
        Assert.Equal(["served", "served", "caFile"], certificates.Select(c => c.GetProperty("source").GetString()));
        Assert.Equal(Host, json.RootElement.GetProperty("serverName").GetString());
        Assert.Equal(["www.sentinel.test"], certificates[0].GetProperty("dnsNames").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("EC", certificates[0].GetProperty("keyType").GetString());
        Assert.Equal(256, certificates[0].GetProperty("keyBits").GetInt32());
        Assert.Equal("sha256WithRSAEncryption", certificates[0].GetProperty("signatureAlgorithm").GetString());
        Assert.Equal("sha256WithRSAEncryption", certificates[1].GetProperty("signatureAlgorithm").GetString());
    }

    [Fact]
    public async Task InspectAsync_ValidChain_RecordsBlackboxCompatibleSeries()
    {
        var chain = pki.Trusted.Issue(new CertificateSpec { NotAfter = Now.AddDays(60) });
        await using var server = TlsServer.Start(chain);

        var (_, inspection) = await HandshakeAsync(server, RootTrust());

        var samples = inspection.Samples;
        Assert.Equal(Math.Min(chain.Leaf.NotAfter.ToUniversalTime().Ticks, chain.Intermediates[0].NotAfter.ToUniversalTime().Ticks),
            DateTimeOffset.FromUnixTimeSeconds((long)Single(samples, "probe_ssl_earliest_cert_expiry").Value).UtcTicks);
        Assert.Equal(new DateTimeOffset(chain.Leaf.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(), Single(samples, "probe_ssl_last_chain_expiry_timestamp_seconds").Value);
        var info = Single(samples, "probe_ssl_last_chain_info");
        Assert.Equal(1, info.Value);
        Assert.Equal(Convert.ToHexStringLower(chain.Leaf.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256)), info.Labels[0]);
        // Subject and issuer as blackbox_exporter writes them (Go's pkix.Name.String()).
        Assert.Equal("CN=www.sentinel.test,O=Sentinel Tests", info.Labels[1]);
        Assert.Equal("CN=Sentinel Test Intermediate CA,O=Sentinel Tests", info.Labels[2]);
        Assert.Equal("www.sentinel.test", info.Labels[3]);
        // As blackbox_exporter: the serial's big-endian bytes in hex, leading zero bytes dropped (Go's %x of Int.Bytes()).
        Assert.Equal(System.Text.RegularExpressions.Regex.Replace(chain.Leaf.SerialNumber.ToLowerInvariant(), "^(00)+(?=.)", ""), info.Labels[4]);
        Assert.Equal(["TLS 1.3"], Single(samples, "probe_tls_version_info").Labels);
        var expiry = samples.Where(s => s.Metric.Name == "sentinel_tls_cert_expiry_timestamp_seconds").ToDictionary(s => s.Labels[0], s => s.Value);
        Assert.Equal(["leaf", "intermediate_1", "root"], expiry.Keys);
        Assert.Equal(new DateTimeOffset(chain.Leaf.NotAfter.ToUniversalTime()).ToUnixTimeSeconds(), expiry["leaf"]);
    }

    [Fact]
    public async Task InspectAsync_ExpiredLeaf_ReportsTlsExpiredAndStillExportsTheChain()
    {
        var chain = pki.Trusted.Issue(new CertificateSpec { NotBefore = Now.AddDays(-90), NotAfter = Now.AddDays(-3) });
        await using var server = TlsServer.Start(chain);

        var (_, inspection) = await HandshakeAsync(server, RootTrust());

        var problem = Assert.Single(inspection.Problems);
        Assert.Equal(("tls", "tls_expired", ProblemSeverity.Error), (problem.Layer, problem.Category, problem.Severity));
        Assert.StartsWith("the leaf certificate (CN=www.sentinel.test, O=Sentinel Tests) expired 3 days ago, on ", problem.Message, StringComparison.Ordinal);
        Assert.InRange(inspection.Measurements.ToDictionary()["cert.days_left"].Number!.Value, -3.1, -2.9);
        Assert.Contains(inspection.Samples, s => s.Metric.Name == "probe_ssl_earliest_cert_expiry");
        Assert.Contains(inspection.Samples, s => s.Metric.Name == "probe_ssl_last_chain_info");
    }

    [Fact]
    public async Task InspectAsync_LeafOnlyAndIntermediateInCaFile_ReportsIncompleteChainNamingTheMissingIntermediate()
    {
        var chain = pki.Trusted.Issue(new CertificateSpec());
        await using var server = TlsServer.Start(chain, new TlsServerOptions { SendIntermediates = false });

        var (capture, inspection) = await HandshakeAsync(server, TlsTrust.Load(pki.RootAndIntermediateFile, out _));

        Assert.Single(capture.Served);
        var problem = Assert.Single(inspection.Problems);
        Assert.Equal("tls_incomplete_chain", problem.Category);
        Assert.Equal("the chain builds only with an intermediate the server did not send: CN=Sentinel Test Intermediate CA, O=Sentinel Tests (found in the check's caFile)", problem.Message);
        Assert.StartsWith("the server does not send its intermediate certificate; browsers that have not cached it will fail: configure the full chain file", problem.Hint, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(Json(inspection.Details));
        Assert.Equal(["served", "caFile", "caFile"], json.RootElement.GetProperty("certificates").EnumerateArray().Select(c => c.GetProperty("source").GetString()));
    }

    [Fact]
    public async Task InspectAsync_LeafOnlyAndIntermediateUnknown_ReportsIncompleteChainOnly()
    {
        var chain = pki.Trusted.Issue(new CertificateSpec());
        await using var server = TlsServer.Start(chain, new TlsServerOptions { SendIntermediates = false });

        var (_, inspection) = await HandshakeAsync(server, RootTrust());

        var problem = Assert.Single(inspection.Problems);
        Assert.Equal("tls_incomplete_chain", problem.Category);
        Assert.Equal($"the server sent 1 certificate ending at CN=www.sentinel.test, O=Sentinel Tests, but not the certificate of its issuer (CN=Sentinel Test Intermediate CA, O=Sentinel Tests), and caFile {pki.RootFile} does not have it either, so the chain cannot be checked up to a root", problem.Message);
    }

    [Fact]
    public async Task InspectAsync_SelfSignedLeaf_ReportsSelfSignedNotUntrustedRoot()
    {
        var chain = TestCertificateAuthority.SelfSigned(new CertificateSpec());
        await using var server = TlsServer.Start(chain);

        var (_, inspection) = await HandshakeAsync(server, RootTrust());

        Assert.Equal(["tls_self_signed"], inspection.Problems.Select(p => p.Category));
    }

    [Fact]
    public async Task InspectAsync_SelfSignedLeafInCaFile_IsTrusted()
    {
        var chain = TestCertificateAuthority.SelfSigned(new CertificateSpec());
        await using var server = TlsServer.Start(chain);
        var pinned = pki.Directory.Write($"pinned-{Guid.NewGuid():N}.pem", chain.LeafPem);

        var (_, inspection) = await HandshakeAsync(server, TlsTrust.Load(pinned, out _));

        Assert.Empty(inspection.Problems);
    }

    [Fact]
    public async Task InspectAsync_ExpiringIntermediate_WarnsAboutTheIntermediateNotTheLeaf()
    {
        using var ca = pki.Trusted.WithIntermediate(notAfter: Now.AddDays(5));
        var chain = ca.Issue(new CertificateSpec { NotAfter = Now.AddDays(300) });
        await using var server = TlsServer.Start(chain);

        var (_, inspection) = await HandshakeAsync(server, RootTrust());

        var problem = Assert.Single(inspection.Problems);
        Assert.Equal(("tls_expiring", ProblemSeverity.Warning), (problem.Category, problem.Severity));
        Assert.StartsWith("the intermediate certificate (CN=Sentinel Test Second Intermediate CA, O=Sentinel Tests) expires in 5 days, on ", problem.Message, StringComparison.Ordinal);
        var measurements = inspection.Measurements.ToDictionary();
        Assert.InRange(measurements["cert.days_left"].Number!.Value, 299, 301);
        Assert.InRange(measurements["cert.chain_days_left"].Number!.Value, 4.9, 5.1);
    }

    [Fact]
    public async Task InspectAsync_ThresholdZero_DoesNotWarn()
    {
        var chain = pki.Trusted.Issue(new CertificateSpec { NotAfter = Now.AddDays(2) });
        await using var server = TlsServer.Start(chain);

        var (_, inspection) = await HandshakeAsync(server, RootTrust(), threshold: TimeSpan.Zero);

        Assert.Empty(inspection.Problems);
    }

    [Fact]
    public async Task InspectAsync_IpTarget_MatchesIpSanOnly()
    {
        var withIp = pki.Trusted.Issue(new CertificateSpec { CommonName = "127.0.0.1", IpAddresses = [System.Net.IPAddress.Loopback] });
        var withName = pki.Trusted.Issue(new CertificateSpec { CommonName = "127.0.0.1", DnsNames = ["127.0.0.1"] });
        await using var ipServer = TlsServer.Start(withIp);
        await using var nameServer = TlsServer.Start(withName);

        var (_, ip) = await HandshakeAsync(ipServer, RootTrust(), host: "127.0.0.1");
        var (_, name) = await HandshakeAsync(nameServer, RootTrust(), host: "127.0.0.1");

        Assert.Empty(ip.Problems);
        Assert.Equal(["tls_hostname_mismatch"], name.Problems.Select(p => p.Category));
        Assert.Equal("the certificate (CN=127.0.0.1, O=Sentinel Tests) is not valid for 127.0.0.1: it names DNS:127.0.0.1", name.Problems[0].Message);
    }

    [Fact]
    public async Task InspectAsync_ShortLivedLeafNotRenewed_WarnsOnlyOnceTheGracePastTheRenewalPointIsOver()
    {
        var time = new FakeTimeProvider(Now);
        var state = new InMemoryCheckStateStore(time);

        // 90-day lifetime, 29 days left: a day past the point (30 days left) where ACME clients renew. The grace
        // for 90 days is 4.5 days (5 %), so the warning is due 3.5 days from now, whatever the runs in between.
        var chain = pki.Trusted.Issue(new CertificateSpec { NotBefore = Now.AddDays(-61), NotAfter = Now.AddDays(29) });
        await using var server = TlsServer.Start(chain);

        var (_, first) = await HandshakeAsync(server, RootTrust(), time: time, state: state);
        time.Advance(TimeSpan.FromDays(3.5) - TimeSpan.FromMinutes(10));
        var (_, beforeTheGraceEnds) = await HandshakeAsync(server, RootTrust(), time: time, state: state);
        time.Advance(TimeSpan.FromMinutes(20));
        var (_, afterIt) = await HandshakeAsync(server, RootTrust(), time: time, state: state);

        Assert.Empty(first.Problems);
        Assert.Empty(beforeTheGraceEnds.Problems);
        var problem = Assert.Single(afterIt.Problems);
        Assert.Equal(("tls_renewal_overdue", ProblemSeverity.Warning), (problem.Category, problem.Severity));
        var notBefore = new DateTimeOffset(chain.Leaf.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(chain.Leaf.NotAfter.ToUniversalTime());
        var renewalPoint = notAfter - (notAfter - notBefore) / 3;
        Assert.True(problem.Message.StartsWith($"the leaf certificate (CN=www.sentinel.test, O=Sentinel Tests) has 25 days left of its 90-day lifetime, less than a third since {TlsVerdicts.Date(renewalPoint)}, and has not changed since {TlsVerdicts.Date(Now)}; ", StringComparison.Ordinal), problem.Message);
    }

    [Fact]
    public async Task InspectAsync_ShortLivedLeafLongPastTheRenewalPoint_WarnsFromTheSecondRun()
    {
        var time = new FakeTimeProvider(Now);
        var state = new InMemoryCheckStateStore(time);

        // 20 of 90 days left: 10 days past the renewal point, long past its grace, when Sentinel first looks.
        var chain = pki.Trusted.Issue(new CertificateSpec { NotBefore = Now.AddDays(-70), NotAfter = Now.AddDays(20) });
        await using var server = TlsServer.Start(chain);

        var (_, first) = await HandshakeAsync(server, RootTrust(), time: time, state: state);
        time.Advance(TimeSpan.FromHours(6));
        var (_, second) = await HandshakeAsync(server, RootTrust(), time: time, state: state);

        Assert.Empty(first.Problems);
        Assert.Equal(["tls_renewal_overdue"], second.Problems.Select(p => p.Category));
    }

    [Fact]
    public async Task InspectAsync_RenewalStateStoredByAnEarlierVersion_IsReadAndKeptInItsFormat()
    {
        var now = new DateTimeOffset(Now.UtcTicks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var time = new FakeTimeProvider(now);
        var state = new InMemoryCheckStateStore(time);
        var chain = pki.Trusted.Issue(new CertificateSpec { NotBefore = now.AddDays(-70), NotAfter = now.AddDays(20) });
        await using var server = TlsServer.Start(chain);
        var fingerprint = Convert.ToHexStringLower(chain.Leaf.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
        var since = now.AddDays(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", System.Globalization.CultureInfo.InvariantCulture);
        await state.SetAsync("check", TlsRenewalWatch.StateKey, $$"""{"fingerprint":"{{fingerprint}}","since":"{{since}}"}""", "old", CancellationToken.None);

        var (_, first) = await HandshakeAsync(server, RootTrust(), time: time, state: state);

        Assert.Equal(["tls_renewal_overdue"], first.Problems.Select(p => p.Category));
        await state.SetAsync("check", TlsRenewalWatch.StateKey, "{}", "someone", CancellationToken.None);
        Assert.Empty((await HandshakeAsync(server, RootTrust(), time: time, state: state)).Inspection.Problems);
        Assert.Equal(
            $$"""{"fingerprint":"{{fingerprint}}","since":"{{now.ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", System.Globalization.CultureInfo.InvariantCulture)}}"}""",
            (await state.GetAsync("check", TlsRenewalWatch.StateKey, CancellationToken.None))!.Json);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("""{"fingerprint":5,"since":"2020-01-01T00:00:00+00:00"}""")]
    [InlineData("""{"fingerprint":"ab","since":"yesterday"}""")]
    public async Task InspectAsync_RenewalStateUnreadable_StartsAfresh(string json)
    {
        var time = new FakeTimeProvider(Now);
        var state = new InMemoryCheckStateStore(time);
        var chain = pki.Trusted.Issue(new CertificateSpec { NotBefore = Now.AddDays(-70), NotAfter = Now.AddDays(20) });
        await using var server = TlsServer.Start(chain);
        await state.SetAsync("check", TlsRenewalWatch.StateKey, json, "someone", CancellationToken.None);

        var (_, first) = await HandshakeAsync(server, RootTrust(), time: time, state: state);

        Assert.Empty(first.Problems);
        Assert.StartsWith("{\"fingerprint\":\"", (await state.GetAsync("check", TlsRenewalWatch.StateKey, CancellationToken.None))!.Json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(90, 4.5)]
    [InlineData(30, 2)]
    [InlineData(7, 7.0 / 6)]
    public void Grace_Lifetime_IsFivePercentAtLeastTwoDaysAtMostASixth(double lifetimeDays, double graceDays)
    {
        Assert.Equal(graceDays, TlsRenewalWatch.Grace(TimeSpan.FromDays(lifetimeDays)).TotalDays, 6);
    }

    [Fact]
    public async Task InspectAsync_ShortLivedLeafRenewed_DoesNotWarn()
    {
        var time = new FakeTimeProvider(Now);
        var state = new InMemoryCheckStateStore(time);
        var old = pki.Trusted.Issue(new CertificateSpec { NotBefore = Now.AddDays(-70), NotAfter = Now.AddDays(20) });
        var renewed = pki.Trusted.Issue(new CertificateSpec { NotBefore = Now.AddDays(-69), NotAfter = Now.AddDays(21) });
        await using var oldServer = TlsServer.Start(old);
        await using var renewedServer = TlsServer.Start(renewed);

        await HandshakeAsync(oldServer, RootTrust(), time: time, state: state);
        time.Advance(TimeSpan.FromHours(6));
        var (_, after) = await HandshakeAsync(renewedServer, RootTrust(), time: time, state: state);

        Assert.Empty(after.Problems);
    }

    [Fact]
    public async Task InspectAsync_LongLivedLeafPastTwoThirds_DoesNotWarn()
    {
        var time = new FakeTimeProvider(Now);
        var state = new InMemoryCheckStateStore(time);
        var chain = pki.Trusted.Issue(new CertificateSpec { NotBefore = Now.AddDays(-300), NotAfter = Now.AddDays(65) });
        await using var server = TlsServer.Start(chain);

        await HandshakeAsync(server, RootTrust(), time: time, state: state);
        time.Advance(TimeSpan.FromHours(6));
        var (_, second) = await HandshakeAsync(server, RootTrust(), time: time, state: state);

        Assert.Empty(second.Problems);
    }

    [Fact]
    public async Task InspectAsync_CapturedThroughSocketsHttpHandler_InspectsTheHttpsServer()
    {
        // The wiring an https probe uses: the capture in SocketsHttpHandler.SslOptions, the version from its
        // PlaintextStreamFilter (the authenticated SslStream), the inspection after the response.
        var chain = pki.Trusted.Issue(new CertificateSpec { NotAfter = Now.AddDays(5) });
        await using var server = TlsServer.Start(chain, new TlsServerOptions
        {
            SendIntermediates = false,
            Response = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray(),
        });
        var trust = RootTrust();
        var capture = new TlsCapture();
        using var handler = new SocketsHttpHandler
        {
            PlaintextStreamFilter = (filter, _) =>
            {
                if (filter.PlaintextStream is SslStream ssl)
                {
                    capture.OnAuthenticated(ssl);
                }

                return ValueTask.FromResult(filter.PlaintextStream);
            },
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(server.EndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        capture.ConfigureClient(handler.SslOptions, trust, clientCertificate: null, DateTimeOffset.UtcNow);
        using var client = new HttpClient(handler);

        using var response = await client.GetAsync($"https://{Host}/", TestContext.Current.CancellationToken);
        var inspection = await TlsInspector.InspectAsync(capture, new TlsExpectations(Host, trust, TimeSpan.FromDays(14)),
            "https-check", new ProbeContext(), TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(Host, capture.ServerName);
        Assert.Equal(["tls_incomplete_chain", "tls_expiring"], inspection.Problems.Select(p => p.Category));
        Assert.Equal("TLS 1.3", inspection.Measurements.ToDictionary()["tls.version"].Text);
        Assert.Contains(inspection.Samples, s => s.Metric.Name == "probe_ssl_earliest_cert_expiry");
    }

    [Fact]
    public async Task InspectAsync_NothingCaptured_HasNoCertificateVerdictsOrSeries()
    {
        var inspection = await TlsInspector.InspectAsync(new TlsCapture(), new TlsExpectations(Host, TlsTrust.System, TimeSpan.FromDays(14)),
            "check", new ProbeContext(), TestContext.Current.CancellationToken);

        Assert.Empty(inspection.Problems);
        Assert.Empty(inspection.Samples);
        Assert.DoesNotContain(inspection.Measurements, m => m.Key.StartsWith("cert.", StringComparison.Ordinal));
        Assert.Contains("\"certificates\":[]", Json(inspection.Details), StringComparison.Ordinal);
    }

    private TlsTrust RootTrust()
    {
        var trust = TlsTrust.Load(pki.RootFile, out var problem);
        Assert.Null(problem);
        return trust;
    }

    private static MetricSample Single(IReadOnlyList<MetricSample> samples, string name) => Assert.Single(samples, s => s.Metric.Name == name);

    private static string Json(ProbeDetails details) => JsonSerializer.Serialize(details, details.JsonTypeInfo);

    /// <summary>A handshake wired exactly as TlsCapture's documentation tells probes to wire it.</summary>
    private static async Task<(TlsCapture Capture, TlsInspection Inspection)> HandshakeAsync(
        TlsServer server, TlsTrust trust, string host = Host, TimeSpan? threshold = null, TimeProvider? time = null, ICheckStateStore? state = null)
    {
        var context = new ProbeContext { Time = time ?? TimeProvider.System, State = state ?? new InMemoryCheckStateStore() };
        var capture = new TlsCapture();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.EndPoint, TestContext.Current.CancellationToken);
        await using var ssl = new SslStream(tcp.GetStream());
        var options = new SslClientAuthenticationOptions { TargetHost = host };
        capture.ConfigureClient(options, trust, clientCertificate: null, context.Time.GetUtcNow());
        await ssl.AuthenticateAsClientAsync(options, TestContext.Current.CancellationToken);
        capture.OnAuthenticated(ssl);
        var inspection = await TlsInspector.InspectAsync(capture, new TlsExpectations(host, trust, threshold ?? TimeSpan.FromDays(14)),
            "check", context, TestContext.Current.CancellationToken);
        return (capture, inspection);
    }
}
